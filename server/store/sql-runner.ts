// A small SQL runner that speaks to both engines, for the maintenance jobs that move or delete rows in batches
// (retention, project deletion, `cinch db copy`), and the lock that keeps one of them to one node at a time. The
// SQL is written once with `?` placeholders and double-quoted identifiers, which SQLite and PostgreSQL both read; on
// PostgreSQL the placeholders become $1, $2, … (The request path's reads, with Prisma.sql: sql.ts.)
//
// On SQLite a batch runs on the writer's own better-sqlite3 handle, synchronously: a Prisma transaction on the
// second connection could hold the write lock across an await while the (synchronous) writer waits on it with
// busy_timeout, stalling the event loop. Synchronous batches cannot interleave with a group commit, so each batch
// must be small: the callers bound their batches and yield between them.
import type Database from "better-sqlite3";
import pg from "pg";
import type { Db } from "./db.ts";

/** One statement and its parameters. */
export type Stmt = readonly [sql: string, params?: readonly unknown[]];

export interface SqlRunner {
  readonly engine: "sqlite" | "postgres";
  /** Rows of one query. */
  all<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Run statements in one transaction; resolves to the rows each one changed. */
  tx(stmts: readonly Stmt[]): Promise<number[]>;
  /**
   * In one transaction: run `take` (a statement returning rows, e.g. DELETE … RETURNING), then the statements
   * `then` builds from those rows. Resolves to the rows taken.
   */
  move<T extends object>(take: Stmt, then: (rows: T[]) => readonly Stmt[]): Promise<T[]>;
  /**
   * Run `fn` unless work under the same lock runs elsewhere, then resolve to null at once (never waits). PostgreSQL:
   * a session advisory lock (pg_try_advisory_lock) held on a connection of its own for the whole run, so the work's
   * own statements and batches in between never wait for it and a node that dies releases it with its connection.
   * SQLite: `fn` runs (one process; its callers never overlap themselves).
   */
  exclusive<R>(lock: number, fn: () => Promise<R>): Promise<R | null>;
  /** Release what the runner opened itself (not a handle it was given). */
  close(): Promise<void>;
}

/** `?` placeholders as PostgreSQL's numbered ones (the SQL here never has a `?` inside a literal). */
export function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** A runner on an open better-sqlite3 handle (statements prepared once per text). */
export function sqliteRunner(raw: Database.Database): SqlRunner {
  const cache = new Map<string, Database.Statement>();
  const prep = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (!s) {
      if (cache.size > 500) cache.clear();
      cache.set(sql, (s = raw.prepare(sql)));
    }
    return s;
  };
  const run = raw.transaction((stmts: readonly Stmt[]) =>
    stmts.map(([sql, params = []]) => prep(sql).run(...params).changes),
  );
  const move = raw.transaction((take: Stmt, then: (rows: object[]) => readonly Stmt[]) => {
    const rows = prep(take[0]).all(...(take[1] ?? [])) as object[];
    for (const [sql, params = []] of then(rows)) prep(sql).run(...params);
    return rows;
  });
  return {
    engine: "sqlite",
    all: <T extends object>(sql: string, params: readonly unknown[] = []) =>
      Promise.resolve(prep(sql).all(...params) as T[]),
    tx: (stmts) => Promise.resolve(run(stmts)),
    move: <T extends object>(take: Stmt, then: (rows: T[]) => readonly Stmt[]) =>
      Promise.resolve(move(take, then as (rows: object[]) => readonly Stmt[]) as T[]),
    exclusive: (_lock, fn) => fn(),
    close: () => Promise.resolve(),
  };
}

/**
 * A runner on a PostgreSQL database: its own pool when given a URL (closed by close()), or a pool it was given.
 * BIGINT and NUMERIC come back as strings from node-postgres; callers convert with Number() where they need to.
 */
export function pgRunner(target: string | pg.Pool): SqlRunner {
  const own = typeof target === "string";
  const pool = own ? new pg.Pool({ connectionString: target, max: 2 }) : target;
  // An idle connection the server ends (a restart, DROP DATABASE … FORCE, 57P01) is an 'error' event on the pool, which
  // Node turns into an uncaught exception without a listener. The pool drops that client; the next query opens a new
  // one and fails on its own if the database is really gone.
  if (own) pool.on("error", () => undefined);
  const inTx = async <R>(fn: (c: pg.PoolClient) => Promise<R>): Promise<R> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    engine: "postgres",
    async all<T extends object>(sql: string, params: readonly unknown[] = []) {
      return (await pool.query(numbered(sql), [...params])).rows as T[];
    },
    tx: (stmts) =>
      inTx(async (client) => {
        const out: number[] = [];
        for (const [sql, params = []] of stmts) {
          out.push((await client.query(numbered(sql), [...params])).rowCount ?? 0);
        }
        return out;
      }),
    move: <T extends object>(take: Stmt, then: (rows: T[]) => readonly Stmt[]) =>
      inTx(async (client) => {
        const rows = (await client.query(numbered(take[0]), [...(take[1] ?? [])])).rows as T[];
        for (const [sql, params = []] of then(rows)) await client.query(numbered(sql), [...params]);
        return rows;
      }),
    async exclusive<R>(lock: number, fn: () => Promise<R>): Promise<R | null> {
      // Not a pool connection: with PG_POOL_SIZE 1 the work would wait forever for the one the lock holds.
      const client = new pg.Client(pool.options);
      client.on("error", () => undefined); // as the pool's: the lock's query or end() reports a lost session
      await client.connect();
      try {
        const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
          LOCK_SPACE,
          lock,
        ]);
        if (!rows[0]?.ok) return null;
        return await fn();
      } finally {
        // Ending the session releases its advisory locks.
        await client.end().catch(() => undefined);
      }
    },
    async close() {
      if (own) await pool.end();
    },
  };
}

/** The first key of Cinch's two-key advisory locks ("CINC"): apart from Prisma Migrate's one-key lock. */
const LOCK_SPACE = 0x43494e43;

/** `(?, ?, …)` for n values. */
export const marks = (n: number): string => `(${new Array<string>(n).fill("?").join(", ")})`;

/** Tables of the application (not Prisma's migration record) and their columns in order, read from the database. */
export async function tableColumns(db: SqlRunner): Promise<Map<string, string[]>> {
  const rows =
    db.engine === "sqlite"
      ? await db.all<{ t: string; c: string }>(
          `SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_prisma_migrations'
           ORDER BY m.name, p.cid`,
        )
      : await db.all<{ t: string; c: string }>(
          `SELECT table_name AS t, column_name AS c FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'
           ORDER BY table_name, ordinal_position`,
        );
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const cols = out.get(r.t) ?? [];
    cols.push(r.c);
    out.set(r.t, cols);
  }
  return out;
}

/**
 * Delete up to `limit` rows matching `where` (SQL over the table's own columns), the first in `orderBy` order when
 * given, returning `returning`'s columns when given. By physical row id so the subquery's LIMIT bounds the batch on both engines: SQLite's rowid, and on
 * PostgreSQL ctid through `= ANY(ARRAY(…))`, which plans a TID scan.
 */
export function batchDelete(
  engine: SqlRunner["engine"],
  table: string,
  where: string,
  limit: number,
  returning?: readonly string[],
  orderBy?: string,
): string {
  const ret = returning ? ` RETURNING ${returning.map((c) => `"${c}"`).join(", ")}` : "";
  const order = orderBy ? ` ORDER BY ${orderBy}` : "";
  const sub = `SELECT %id FROM "${table}" WHERE ${where}${order} LIMIT ${Math.floor(limit)}`;
  return engine === "sqlite"
    ? `DELETE FROM "${table}" WHERE rowid IN (${sub.replace("%id", "rowid")})${ret}`
    : `DELETE FROM "${table}" WHERE ctid = ANY(ARRAY(${sub.replace("%id", "ctid")}))${ret}`;
}

/** The runner on an open database: its writer's SQLite handle, or its node's PostgreSQL pool. */
export const runnerFor = (db: Db): SqlRunner =>
  db.engine === "sqlite" ? sqliteRunner(db.raw) : pgRunner(db.pool);
