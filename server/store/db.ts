// The database a Cinch node works on, on either engine (DATABASE_URL: file: → SQLite, postgres:// → PostgreSQL):
// the Prisma client for the application's queries, a raw SQL reader for the aggregations Prisma cannot express
// (sql.ts), and what the engine's own modules need (SQLite's better-sqlite3 handle, PostgreSQL's pool). Code outside
// the engines' modules uses only what both have; where an engine needs its own statements, the function takes a
// Db and narrows on `engine`.
import type Database from "better-sqlite3";
import type pg from "pg";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { PgReader, SqliteReader } from "./sql.ts";
import type { Config } from "../config.ts";
import { openDb, sqliteProbe, type OpenDbOptions } from "./sqlite-db.ts";
import { classifyPg, openPgDb, pgProbe } from "./pg-db.ts";
import type { StorageClassifier } from "./health.ts";
import type { CommitFeed, GenerationSource } from "./pg-commits.ts";

export { openDb, type OpenDbOptions } from "./sqlite-db.ts";

type DbCommon = {
  prisma: PrismaClient;
  /** Commits of the other nodes on the same database, per project (none on SQLite: one process). */
  otherNodes: GenerationSource;
  close(): Promise<void>;
};

export type SqliteDb = DbCommon & {
  engine: "sqlite";
  sql: SqliteReader;
  /** The writer's handle on the same file (the SQLite engine's modules only). */
  raw: Database.Database;
  file: string;
};

export type PgDb = DbCommon & {
  engine: "postgres";
  sql: PgReader;
  /** The node's pool (the PostgreSQL engine's modules only). */
  pool: pg.Pool;
  /** The ingest writer's connection, in pipeline mode (pg-batch.ts). */
  writePool: pg.Pool;
  url: string;
  /** The other nodes' commits, heard through LISTEN (pg-commits.ts). */
  feed: CommitFeed;
};

export type Db = SqliteDb | PgDb;

/** Open the configured database (either engine), applying pending migrations. */
export function openDatabase(
  config: Config,
  opts: Pick<OpenDbOptions, "onTightened"> & { onIdleError?: (err: Error) => void } = {},
): Promise<Db> {
  if (config.databaseEngine === "postgres") {
    return openPgDb(config.databaseUrl, {
      poolSize: config.PG_POOL_SIZE,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      onIdleError: opts.onIdleError,
    });
  }
  return openDb(config.databaseFile, {
    synchronous: config.SQLITE_SYNCHRONOUS,
    dataDir: config.DATA_DIR,
    onTightened: opts.onTightened,
  });
}

/** What storage health needs from an engine: a probe proving writes work again, and its errors' classifier. */
export function healthOf(db: Db): { probe: () => void | Promise<void>; classifiers: StorageClassifier[] } {
  return db.engine === "sqlite"
    ? { probe: sqliteProbe(db), classifiers: [] }
    : { probe: pgProbe(db), classifiers: [classifyPg] };
}

/** Whether the database answers a query (throws when it does not). */
export async function ping(db: Db): Promise<void> {
  await db.sql.all(Prisma.sql`SELECT 1 AS one`);
}
