// The PostgreSQL engine's database: one pg pool per node (PG_POOL_SIZE connections, PG_STATEMENT_TIMEOUT_MS per
// statement) shared by the Prisma client (the generated PostgreSQL client over @prisma/adapter-pg) and the raw SQL
// reads (sql.ts); two more connections, in pipeline mode, for the ingest writer (pg-batch.ts). Migrations are
// applied first, under an advisory lock (pg-migrate.ts), so several nodes may start at once.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgPrismaClient } from "../generated/prisma-pg/client.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { applyPgMigrations } from "./pg-migrate.ts";
import { PG_CONNECTION_LOST, pgReader, withPgConnectionCode } from "./sql.ts";
import type { PgDb } from "./db.ts";
import type { StorageClassifier } from "./health.ts";
import { CommitFeed } from "./pg-commits.ts";

export type OpenPgOptions = {
  /** Connections this node opens at most (PG_POOL_SIZE). */
  poolSize?: number;
  /** The longest one statement may run, in ms (PG_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection before the query fails (a lost server fails fast, answered 503). */
  connectTimeoutMs?: number;
  /** Told about errors of idle connections (the server restarted); the pool replaces them by itself. */
  onIdleError?: (err: Error) => void;
};

/** Open (applying migrations) the PostgreSQL database at `url`. */
export async function openPgDb(url: string, opts: OpenPgOptions = {}): Promise<PgDb> {
  await applyPgMigrations(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "cinch",
    // JIT off for this node's sessions: the dashboard's 30-day listing is estimated past jit_above_cost (its
    // per-group running-total lookups are costed as if all ran), and compiling it took 80 ms of a 175 ms run
    // at 10 M reports (EXPLAIN ANALYZE, bench/seed.ts data); no query here runs long enough to repay it.
    options: "-c jit=off",
  });
  // The writer's own connections: pipeline mode writes a commit's queued statements at once (pg-batch.ts), which
  // the shared pool's other users (Prisma, reads) must not get. One: commits run one at a time (pg-batch.ts).
  const writePool = new pg.Pool({
    connectionString: url,
    max: 1,
    pipeline: true,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "cinch-writer",
  });
  // An idle connection that breaks (the server restarted) is an 'error' event on the pool: unhandled, it would end
  // the process. The pool drops that connection and opens a new one for the next query.
  pool.on("error", (err) => opts.onIdleError?.(err));
  writePool.on("error", (err) => opts.onIdleError?.(err));
  // The two generated clients have the same model API (one schema source, schema-source.ts); their types differ
  // only in $transaction's isolation levels, which Cinch never passes.
  const client = new PgPrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
  // Prisma passes a lost connection's socket code through (ENOENT, ECONNREFUSED): marked here like the raw reads'
  // errors, so a dashboard request during an outage is a 503 storage_unavailable, not a 500.
  const prisma = client.$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (err) {
          throw withPgConnectionCode(err);
        }
      },
    },
  }) as unknown as PrismaClient;
  const feed = new CommitFeed(url, (channel, payload) =>
    pool.query("SELECT pg_notify($1, $2)", [channel, payload]),
  );
  await feed.start();
  return {
    engine: "postgres",
    prisma,
    otherNodes: feed,
    feed,
    sql: pgReader(pool),
    pool,
    writePool,
    url,
    async close() {
      await feed.close();
      await prisma.$disconnect();
      await pool.end();
      await writePool.end();
    },
  };
}

/**
 * Proves the database takes writes again: a connection, and a transaction that is given an id and commits (so a
 * server that accepts connections but cannot write its WAL still fails).
 */
export function pgProbe(db: PgDb): () => Promise<void> {
  return async () => {
    const client = await db.pool.connect().catch((err: unknown) => {
      throw withPgConnectionCode(err);
    });
    let broken = false;
    try {
      await client.query("BEGIN");
      await client.query("SELECT txid_current()");
      await client.query("COMMIT");
    } catch (err) {
      broken = true;
      throw withPgConnectionCode(err);
    } finally {
      client.release(broken);
    }
  };
}

/**
 * PostgreSQL's storage errors: SQLSTATE classes 08 (connection), 57P (operator intervention: shutdown, crash,
 * cannot connect now), 53100/53300 (disk full, too many connections), 58030 (I/O), 25006 (a read-only server, e.g.
 * a replica after a failover); a lost or refused connection (PG_CONNECTION_LOST, marked where the database is
 * called: sql.ts); Prisma's "cannot reach the database" codes. Never a bare socket code: a browser's aborted
 * request carries ECONNRESET too.
 */
export const classifyPg: StorageClassifier = (code) => {
  if (code === "53100") return "disk_full";
  if (code === "58030") return "io_error";
  if (code === "25006") return "read_only";
  if (
    code.startsWith("08") ||
    code.startsWith("57P") ||
    code === "53300" ||
    code === PG_CONNECTION_LOST ||
    code === "P1001" ||
    code === "P1002" ||
    code === "P1017" ||
    code === "P2024"
  )
    return "connection_lost";
  return null;
};
