// `cinch db copy`: move an installation from its SQLite file to a PostgreSQL database. The table list is read from
// the source's catalog (every table but Prisma's migration record), so a table added by a later migration is
// copied without a change here; both sides are migrated first, so their tables and columns must match. Rows go
// in batches (one read, one transaction on the target each), parents before the tables whose foreign keys point at
// them, and the target's id sequences are moved past the copied ids at the end.
import Database from "better-sqlite3";
import pg from "pg";
import { applyMigrations } from "./migrate.ts";
import { applyPgMigrations } from "./pg-migrate.ts";
import { numbered, tableColumns, type SqlRunner } from "./sql-runner.ts";

export type CopyProgress = {
  table: string;
  /** Rows of this table copied so far, and its rows in all. */
  done: number;
  total: number;
  /** Rows copied so far over all tables, and in all. */
  allDone: number;
  allTotal: number;
  elapsedMs: number;
  /** The table is finished. */
  finished: boolean;
};

export type CopyOptions = {
  /** Rows per batch (one transaction on the target). */
  batchRows?: number;
  /** Empty the target's tables first instead of refusing a target that has rows. */
  replace?: boolean;
  onProgress?: (p: CopyProgress) => void;
};

export type CopyResult = { tables: { table: string; rows: number }[]; rows: number; ms: number };

/** Refused before anything was written (bad URLs, a non-empty target, tables that differ). */
export class CopyRefused extends Error {}

/** The SQLite file of a `file:` URL. */
const fileOf = (url: string): string => url.replace(/^file:/, "");

/** Open the source SQLite database (migrated to this version: its tables must be the target's). */
function openSource(url: string): Database.Database {
  if (!url.startsWith("file:"))
    throw new CopyRefused("--from must be a SQLite file URL such as file:./data/cinch.db");
  let db: Database.Database;
  try {
    db = new Database(fileOf(url), { fileMustExist: true });
  } catch (err) {
    throw new CopyRefused(`--from: cannot open ${fileOf(url)}: ${(err as Error).message}`);
  }
  db.pragma("busy_timeout = 5000");
  applyMigrations(db);
  return db;
}

/** Parents first: each table after the tables its foreign keys reference (ties by name). */
function parentsFirst(tables: readonly string[], refs: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (seen.has(t) || path.has(t)) return;
    path.add(t);
    for (const r of [...(refs.get(t) ?? [])].sort()) if (r !== t && tables.includes(r)) visit(r, path);
    seen.add(t);
    out.push(t);
  };
  for (const t of [...tables].sort()) visit(t, new Set());
  return out;
}

/** Foreign-key references per table, from the SQLite catalog. */
function sqliteRefs(db: Database.Database): Map<string, Set<string>> {
  const rows = db
    .prepare(
      `SELECT m.name AS t, f."table" AS r FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table'`,
    )
    .all() as { t: string; r: string }[];
  const refs = new Map<string, Set<string>>();
  for (const { t, r } of rows) refs.set(t, (refs.get(t) ?? new Set()).add(r));
  return refs;
}

/** PostgreSQL column types of the target, per table: what values need converting to. */
async function pgTypes(pool: pg.Pool): Promise<Map<string, Map<string, string>>> {
  const { rows } = await pool.query<{ t: string; c: string; type: string }>(
    `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
     WHERE table_schema = current_schema()`,
  );
  const out = new Map<string, Map<string, string>>();
  for (const r of rows) out.set(r.t, (out.get(r.t) ?? new Map<string, string>()).set(r.c, r.type));
  return out;
}

/**
 * A SQLite value as the PostgreSQL column takes it: booleans are 0/1 in SQLite; DateTime is ISO text (written by
 * Prisma) or "YYYY-MM-DD HH:MM:SS" (SQL defaults), both UTC, which PostgreSQL reads as given; integers come as
 * bigint (read exactly) and go as text.
 */
function convert(v: unknown, type: string | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (type === "boolean") return v === 1n || v === 1 || v === true || v === "1" || v === "true";
  if (typeof v === "bigint") {
    if (type?.startsWith("timestamp")) return new Date(Number(v)).toISOString();
    return v.toString();
  }
  return v;
}

/** The element type of a column's parameter array (information_schema's data_type names a type PostgreSQL reads). */
function arrayType(type: string | undefined): string {
  if (!type || !/^[a-z ]+( \(\d+\))?[a-z ]*$/.test(type)) throw new Error(`unexpected column type ${type}`);
  return type;
}

/** Copy every table of the SQLite installation at `from` into the PostgreSQL database at `to`. */
export async function copyDatabase(from: string, to: string, opts: CopyOptions = {}): Promise<CopyResult> {
  if (!/^postgres(ql)?:\/\//.test(to))
    throw new CopyRefused("--to must be a PostgreSQL URL such as postgres://cinch@db/cinch");
  const started = performance.now();
  const src = openSource(from);
  const pool = new pg.Pool({ connectionString: to, max: 1 });
  try {
    await applyPgMigrations(to);
    const srcRunner: Pick<SqlRunner, "engine" | "all"> = {
      engine: "sqlite",
      all: <T extends object>(sql: string, params: readonly unknown[] = []) =>
        Promise.resolve(src.prepare(sql).all(...params) as T[]),
    };
    const dstRunner: Pick<SqlRunner, "engine" | "all"> = {
      engine: "postgres",
      all: async <T extends object>(sql: string, params: readonly unknown[] = []) =>
        (await pool.query(numbered(sql), [...params])).rows as T[],
    };
    const srcCols = await tableColumns(srcRunner as SqlRunner);
    const dstCols = await tableColumns(dstRunner as SqlRunner);
    const problems: string[] = [];
    for (const [t, cols] of srcCols) {
      const d = dstCols.get(t);
      if (!d) problems.push(`table ${t} is not in the target`);
      else if ([...cols].sort().join() !== [...d].sort().join())
        problems.push(
          `table ${t} has columns ${cols.join(", ")} in the source, ${d.join(", ")} in the target`,
        );
    }
    for (const t of dstCols.keys()) if (!srcCols.has(t)) problems.push(`table ${t} is not in the source`);
    if (problems.length > 0)
      throw new CopyRefused(
        `source and target schemas differ (is one a different version?): ${problems.join("; ")}`,
      );
    const tables = parentsFirst([...srcCols.keys()], sqliteRefs(src));

    const nonEmpty: string[] = [];
    for (const t of tables) {
      if ((await pool.query(`SELECT 1 FROM "${t}" LIMIT 1`)).rowCount) nonEmpty.push(t);
    }
    if (nonEmpty.length > 0 && !opts.replace)
      throw new CopyRefused(
        `the target is not empty (${nonEmpty.join(", ")} have rows); copy into an empty database, or pass --replace to empty these tables first`,
      );
    if (nonEmpty.length > 0) await pool.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(", ")} CASCADE`);

    const types = await pgTypes(pool);
    const totals = new Map<string, number>();
    for (const t of tables)
      totals.set(t, (src.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n);
    const allTotal = [...totals.values()].reduce((a, b) => a + b, 0);
    const n = opts.batchRows ?? 5000;
    let allDone = 0;
    const result: CopyResult["tables"] = [];
    for (const t of tables) {
      const cols = srcCols.get(t)!;
      const colTypes = cols.map((c) => types.get(t)?.get(c));
      const total = totals.get(t) ?? 0;
      // Keyset over rowid: each batch is an index range, however far into the table.
      const read = src
        .prepare(
          `SELECT rowid AS "__rowid", ${cols.map((c) => `"${c}"`).join(", ")} FROM "${t}" WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        )
        .raw(true)
        .safeIntegers(true);
      // One statement a batch whatever its size: a parameter per column, each an array of the batch's values,
      // unnested into rows (multi-row VALUES needs a parameter per value, and PostgreSQL allows 65,535).
      const insert = `INSERT INTO "${t}" (${cols.map((c) => `"${c}"`).join(", ")})
        SELECT * FROM unnest(${cols.map((_, i) => `$${i + 1}::${arrayType(colTypes[i])}[]`).join(", ")})`;
      let after: bigint = -1n;
      let done = 0;
      for (;;) {
        const rows = read.all(after, n) as unknown[][];
        if (rows.length === 0) break;
        after = rows[rows.length - 1]![0] as bigint;
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const columns = cols.map((_, c) => rows.map((r) => convert(r[c + 1], colTypes[c])));
          await client.query(insert, columns);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(`copying ${t}: ${(err as Error).message}`, { cause: err });
        } finally {
          client.release();
        }
        done += rows.length;
        allDone += rows.length;
        opts.onProgress?.({
          table: t,
          done,
          total,
          allDone,
          allTotal,
          elapsedMs: performance.now() - started,
          finished: false,
        });
        if (rows.length < n) break;
      }
      opts.onProgress?.({
        table: t,
        done,
        total,
        allDone,
        allTotal,
        elapsedMs: performance.now() - started,
        finished: true,
      });
      result.push({ table: t, rows: done });
    }
    // Sequences of autoincrement ids (ViolationGroup.id, PolicyVersion.id, …) move past the copied ids.
    const { rows: serials } = await pool.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
       WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
    );
    for (const { t, c } of serials) {
      await pool.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT MAX("${c}") FROM "${t}"), 1),
           (SELECT MAX("${c}") FROM "${t}") IS NOT NULL)`,
        [`"${t}"`, c],
      );
    }
    return { tables: result, rows: allDone, ms: performance.now() - started };
  } finally {
    src.close();
    await pool.end();
  }
}
