// Raw SQL reads on either engine. One statement text (Prisma.sql: parameterized, never string-built) runs on SQLite
// through better-sqlite3's prepared statements (cached per text) and on PostgreSQL through the node's pool.
// Identifiers are double-quoted: PostgreSQL folds unquoted ones to lower case, SQLite accepts both. Where the
// dialects differ, `Dialect` holds the fragment, so each difference lives in one place. The request path's reads
// only: the maintenance jobs' batched writes and locks (retention, purge, db copy) are sql-runner.ts's.
import type Database from "better-sqlite3";
import type pg from "pg";
import { Prisma } from "../generated/prisma/client.ts";
import { parseSnapshot, type Snapshot } from "./pg-snapshot.ts";
import { num } from "./rows.ts";

export type DialectName = "sqlite" | "postgres";

export type Dialect = {
  name: DialectName;
  /**
   * A list of integers as a table `alias(key, value)`, key its 0-based position: SQLite's json_each, PostgreSQL's
   * unnest … WITH ORDINALITY. One parameter whatever the list's length (SQLite caps parameters per statement).
   */
  intTable(values: readonly number[], alias: string): Prisma.Sql;
  /** `expr IN (list)` for a list of integers, one parameter. */
  inInts(expr: Prisma.Sql, values: readonly number[]): Prisma.Sql;
  /**
   * Case-insensitive substring match with `\` escapes: SQLite's LIKE folds ASCII case; PostgreSQL's LIKE does not,
   * ILIKE does.
   */
  like(expr: Prisma.Sql, pattern: string): Prisma.Sql;
  /**
   * A text sort key in byte order: SQLite's default (BINARY); PostgreSQL's follows the database's collation
   * (en_US sorts "a" before "B"), so the key is made COLLATE "C" for the same order on both engines.
   */
  sortText(expr: Prisma.Sql): Prisma.Sql;
  /**
   * Written before `(…)` in `WITH name AS (…)` for a CTE used once that aggregates rows the query then joins:
   * SQLite must materialize it (flattened, it joins every row before aggregating: 10x slower, filters.ts
   * hourWhere); PostgreSQL aggregates first either way, and inlined it hashes the aggregate directly (the 24 h
   * listing at 10 M reports: 47 instead of 53 ms of the backend's CPU).
   */
  aggregateFirst: Prisma.Sql;
  /**
   * Whether a listing sorted by count leaves the groups its noise filter drops out of the window's sums by id (an
   * anti-join) instead of joining every summed group to its row (group-list.ts leanList). PostgreSQL: the 24 h list
   * at 10 M reports 65 -> 50 ms p50; SQLite looks the dropped groups up row by row: 57 -> 64 ms.
   */
  leavesOutById: boolean;
  /**
   * A statement whose rows are numbers, read as one value (PostgreSQL: a JSON array of arrays, which the driver
   * parses natively) instead of row by row; null where rows come cheaply (SQLite's rows are made in C). The
   * listing's trends are 2,500 rows of three numbers a page: node-postgres spent 5.1 ms of the node's CPU a call
   * parsing them as rows, 2.2 as one JSON value (same wall time; 110 calls each, interleaved).
   */
  packNumbers(q: Prisma.Sql, columns: readonly string[]): Prisma.Sql | null;
  /**
   * A Prisma DateTime column as epoch milliseconds (a number, or null for NULL). SQLite keeps it as ISO text;
   * PostgreSQL as `timestamp(3)` in UTC, which node-postgres would otherwise read in the node's local time zone.
   */
  epochMs(expr: Prisma.Sql): Prisma.Sql;
};

const SQLITE: Dialect = {
  name: "sqlite",
  intTable: (values, alias) => Prisma.sql`json_each(${JSON.stringify(values)}) ${Prisma.raw(alias)}`,
  inInts: (expr, values) => Prisma.sql`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
  like: (expr, pattern) => Prisma.sql`${expr} LIKE ${pattern} ESCAPE '\\'`,
  sortText: (expr) => expr,
  aggregateFirst: Prisma.sql`MATERIALIZED`,
  leavesOutById: false,
  packNumbers: () => null,
  epochMs: (expr) => Prisma.sql`CAST(round(unixepoch(${expr}, 'subsec') * 1000) AS INTEGER)`,
};

const POSTGRES: Dialect = {
  name: "postgres",
  intTable: (values, alias) =>
    Prisma.sql`(SELECT o - 1 AS key, v AS value FROM unnest(${[...values]}::int[]) WITH ORDINALITY AS t(v, o)) ${Prisma.raw(alias)}`,
  inInts: (expr, values) => Prisma.sql`${expr} = ANY(${[...values]}::int[])`,
  like: (expr, pattern) => Prisma.sql`${expr} ILIKE ${pattern} ESCAPE '\\'`,
  sortText: (expr) => Prisma.sql`${expr} COLLATE "C"`,
  aggregateFirst: Prisma.empty,
  leavesOutById: true,
  packNumbers: (q, columns) =>
    Prisma.sql`SELECT coalesce(json_agg(json_build_array(${Prisma.raw(
      columns.map((c) => `x."${c}"`).join(", "),
    )})), '[]'::json) AS rows FROM (${q}) x`,
  epochMs: (expr) => Prisma.sql`(extract(epoch FROM ${expr}) * 1000)::float8`,
};

/** Reads on one engine. Rows come back with the driver's types: numbers as number, bigint or numeric text (rows.ts). */
export type SqlReader = {
  readonly dialect: Dialect;
  all<T>(q: Prisma.Sql): Promise<T[]>;
};

/**
 * Visit a statement's rows of numbers, each as its values in `columns` order (names as the statement aliases them;
 * the array is reused between rows), read packed into one value where the dialect does that cheaper
 * (Dialect.packNumbers).
 */
export async function eachNumberRow(
  sql: SqlReader,
  q: Prisma.Sql,
  columns: readonly string[],
  visit: (values: readonly number[]) => void,
): Promise<void> {
  const packed = sql.dialect.packNumbers(q, columns);
  if (packed) {
    for (const row of (await sql.all<{ rows: number[][] }>(packed))[0]?.rows ?? []) visit(row);
    return;
  }
  const values = new Array<number>(columns.length).fill(0);
  if (isSqliteReader(sql)) {
    // Rows as arrays (better-sqlite3's raw mode): the 24 h trends' 2,500 rows in 4.1 instead of 5.3 ms as objects.
    const { names, rows } = sql.valuesSync(q);
    const at = columns.map((c) => names.indexOf(c));
    if (at.includes(-1))
      throw new Error(`eachNumberRow: a column of ${columns.join(", ")} is not in the statement`);
    for (const r of rows) {
      for (let i = 0; i < at.length; i++) values[i] = num(r[at[i]!]);
      visit(values);
    }
    return;
  }
  for (const r of await sql.all<Record<string, unknown>>(q)) {
    for (let i = 0; i < columns.length; i++) values[i] = num(r[columns[i]!]);
    visit(values);
  }
}

/**
 * SQLite's reader also reads synchronously (loops of index seeks, where an await per statement would cost more), and
 * rows as arrays of their values in column order.
 */
export type SqliteReader = SqlReader & {
  allSync<T>(q: Prisma.Sql): T[];
  valuesSync(q: Prisma.Sql): { names: string[]; rows: unknown[][] };
};

const STATEMENT_CACHE_MAX = 200;

/** Reads on a better-sqlite3 handle; statements are prepared once per text. */
export function sqliteReader(raw: Database.Database): SqliteReader {
  const prepared = (cache: Map<string, Database.Statement>, text: string, asArrays: boolean) => {
    let s = cache.get(text);
    if (!s) {
      if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
      s = raw.prepare(text);
      if (asArrays) s.raw(true);
      cache.set(text, s);
    }
    return s;
  };
  const statements = new Map<string, Database.Statement>();
  const arrays = new Map<string, Database.Statement>();
  const allSync = <T>(q: Prisma.Sql): T[] => prepared(statements, q.sql, false).all(...q.values) as T[];
  return {
    dialect: SQLITE,
    allSync,
    valuesSync: (q) => {
      const s = prepared(arrays, q.sql, true);
      return { names: s.columns().map((c) => c.name), rows: s.all(...q.values) as unknown[][] };
    },
    all: <T>(q: Prisma.Sql): Promise<T[]> => {
      try {
        return Promise.resolve(allSync<T>(q));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
  };
}

/** PostgreSQL's reader also runs several reads in one snapshot, and says which snapshot (pg-snapshot.ts). */
export type PgReader = SqlReader & {
  /**
   * Run `fn`'s reads on one connection in one REPEATABLE READ READ ONLY transaction: they see one moment of the
   * database, whose snapshot is returned with their result.
   */
  inSnapshot<T>(fn: (sql: SqlReader) => Promise<T>): Promise<{ value: T; snapshot: Snapshot }>;
};

/** Reads on one connection or the pool (whichever connection is free per statement). */
function readerOn(db: Pick<pg.Pool | pg.PoolClient, "query">): SqlReader {
  return {
    dialect: POSTGRES,
    all: async <T>(q: Prisma.Sql): Promise<T[]> => {
      try {
        return (await db.query(q.text, q.values)).rows as T[];
      } catch (err) {
        throw withPgConnectionCode(err);
      }
    },
  };
}

/** Reads on a PostgreSQL pool; connection errors the driver raises without a code get one (pgConnectionCode). */
export function pgReader(pool: pg.Pool): PgReader {
  return {
    ...readerOn(pool),
    inSnapshot: async <T>(fn: (sql: SqlReader) => Promise<T>) => {
      const client = await pool.connect().catch((err: unknown) => {
        throw withPgConnectionCode(err);
      });
      let broken = false;
      try {
        // One round trip: the snapshot is taken by the transaction's first statement, the SELECT.
        const opened = (await client.query(
          "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_current_snapshot()::text AS s",
        )) as unknown as pg.QueryResult<{ s: string }>[];
        const snapshot = parseSnapshot(opened[1]!.rows[0]!.s);
        const value = await fn(readerOn(client));
        await client.query("COMMIT");
        return { value, snapshot };
      } catch (err) {
        await client.query("ROLLBACK").catch(() => (broken = true));
        throw withPgConnectionCode(err);
      } finally {
        client.release(broken);
      }
    },
  };
}

/** Whether reads can run in one snapshot that names the commits it saw (PostgreSQL). */
export const isPgReader = (sql: SqlReader): sql is PgReader => "inSnapshot" in sql;

/** The code given to node-postgres's connection errors that carry none (they only say so in their message). */
export const PG_CONNECTION_LOST = "PG_CONNECTION_LOST";

const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed|the database system is (shutting down|starting up)/i;

/**
 * Socket errors of the database connection (the same codes from a browser's socket mean nothing about storage);
 * ENOENT: the server's Unix socket is gone (it stopped); ENOTFOUND, EAI_AGAIN: its host name does not resolve.
 */
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * The error, marked PG_CONNECTION_LOST (as its code, or as originalCode beside a socket code) when it is a lost or
 * refused database connection: node-postgres says so only in the message, or with a socket code that a browser's
 * aborted request also carries, so only errors from the database's own calls are marked.
 */
export function withPgConnectionCode(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = "code" in err && typeof err.code === "string" ? err.code : "";
  if (code === "" && CONNECTION_MESSAGES.test(err.message)) Object.assign(err, { code: PG_CONNECTION_LOST });
  else if (SOCKET_CODES.has(code)) Object.assign(err, { originalCode: PG_CONNECTION_LOST });
  return err;
}

/** Whether reads can run synchronously (SQLite). */
export const isSqliteReader = (sql: SqlReader): sql is SqliteReader => sql.dialect.name === "sqlite";
