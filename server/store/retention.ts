// Retention (RETENTION_DAYS): hourly rows past the horizon are rolled up into daily rows while the dashboard can
// still show them, then deleted; groups unseen past the horizon go with their samples. In small batches on both
// engines (sql-runner.ts), yielding between batches so ingest never waits long behind one.
//
// Two horizons (hours):
// - detail = now − RETENTION_DAYS: rows from it on are never touched.
// - keep = now − max(RETENTION_DAYS, 400 days): the API's longest window starts no earlier, so nothing before it
//   is ever shown; rows before it are deleted.
// Between them (only when RETENTION_DAYS < 400) the whole days before the detail horizon's day are rolled up: each
// day's rows fold into one row at the day's first hour (hour = day × 24; `keep` for the day it falls in), so every
// query keeps its shape and a window counts whole days there. GroupRunning keeps, per group, its latest row before `keep`: the listing
// subtracts "the total before the window" from it (group-list.ts), so 30-day and longer totals stay exact.
import { HOUR_MS } from "./aggregate.ts";
import { batchDelete, marks, tableColumns, type SqlRunner, type Stmt } from "./sql-runner.ts";
import { retainScripts } from "./scripts-retention.ts";

/** The API's longest window (server/api/violations.ts): no view reaches further back. */
export const MAX_WINDOW_DAYS = 400;
const DAY_HOURS = 24;

export type RetentionOptions = {
  days: number;
  /** Rows per batch (one transaction). */
  batchRows?: number;
  /** Groups per batch where rows are found through their group. */
  batchGroups?: number;
  /**
   * Between batches, given the batch's duration: lets requests and group commits run. Default: a pause as long
   * as the batch (at least 1 ms), so a pass takes at most half of the event loop's time.
   */
  pause?: (batchMs: number) => Promise<void>;
  /** Checked between batches: true stops the pass (RetentionStopped), e.g. when the node is stopping. */
  stopping?: () => boolean;
  /** Told about groups deleted, per project (the writer forgets what it cached about them). */
  onGroupsDeleted?: (projectIds: readonly string[]) => void;
};

export type RetentionResult = {
  /** Hourly rows folded into daily rows, per table. */
  rolledUp: Record<string, number>;
  /** Rows deleted, per table. */
  deleted: Record<string, number>;
  batches: number;
  /** The longest single batch (one transaction), ms, and what it did. */
  longestBatchMs: number;
  longestBatch: string;
};

export type Horizons = { detail: number; keep: number; rollupEnd: number };

/** The horizons (hour numbers) for a run at `now`; see the header. */
export function horizons(now: number, days: number): Horizons {
  const detail = Math.floor((now - days * 24 * HOUR_MS) / HOUR_MS);
  const keep = Math.floor((now - Math.max(days, MAX_WINDOW_DAYS) * 24 * HOUR_MS) / HOUR_MS);
  return { detail, keep, rollupEnd: Math.floor(detail / DAY_HOURS) * DAY_HOURS };
}

/**
 * The hour a day's row sits at: the day's first hour, or `keep` for the day `keep` falls in, so that a window
 * starting at `keep` (the longest one) still counts that day's reports from `keep` on.
 */
export const dayRowHour = (hour: number, keep: number): number =>
  Math.max(Math.floor(hour / DAY_HOURS) * DAY_HOURS, keep);

/** An hourly table: its primary key (hour among it) and the value a daily row sums (or takes the latest of). */
type HourTable = { table: string; keys: readonly string[]; value: string; merge: "sum" | "max" };

const BY_PROJECT: readonly HourTable[] = [
  {
    table: "GroupHour",
    keys: ["projectId", "hour", "groupId", "disposition", "policyVersion", "env"],
    value: "count",
    merge: "sum",
  },
  { table: "DirectiveHour", keys: ["projectId", "hour", "directive", "noise"], value: "count", merge: "sum" },
  { table: "ProjectHour", keys: ["projectId", "hour", "kind"], value: "count", merge: "sum" },
];
const RUNNING: HourTable = { table: "GroupRunning", keys: ["groupId", "hour"], value: "total", merge: "max" };

const q = (c: string) => `"${c}"`;

/** Statements that add rows (already folded to their day) into their daily rows. */
function upsertDays(db: SqlRunner, t: HourTable, rows: Record<string, unknown>[], keep: number): Stmt[] {
  const folded = new Map<string, unknown[]>();
  const vi = t.keys.length;
  for (const r of rows) {
    const key = t.keys.map((k) => (k === "hour" ? dayRowHour(Number(r.hour), keep) : r[k]));
    const id = JSON.stringify(key);
    const v = Number(r[t.value]);
    const prev = folded.get(id);
    if (!prev) folded.set(id, [...key, v]);
    else prev[vi] = t.merge === "sum" ? Number(prev[vi]) + v : Math.max(Number(prev[vi]), v);
  }
  if (folded.size === 0) return [];
  const cols = [...t.keys, t.value];
  const cur = `${q(t.table)}.${q(t.value)}`;
  const merged =
    t.merge === "sum"
      ? `${cur} + excluded.${q(t.value)}`
      : `${db.engine === "sqlite" ? "max" : "GREATEST"}(${cur}, excluded.${q(t.value)})`;
  const out: Stmt[] = [];
  const all = [...folded.values()];
  // At most ~7,000 parameters a statement (SQLite allows 32,766, PostgreSQL 65,535).
  const per = Math.max(1, Math.floor(7000 / cols.length));
  for (let i = 0; i < all.length; i += per) {
    const part = all.slice(i, i + per);
    out.push([
      `INSERT INTO ${q(t.table)} (${cols.map(q).join(", ")}) VALUES ${part.map(() => marks(cols.length)).join(", ")}
       ON CONFLICT (${t.keys.map(q).join(", ")}) DO UPDATE SET ${q(t.value)} = ${merged}`,
      part.flat(),
    ]);
  }
  return out;
}

/** A pass stopped between two batches (the node is stopping); what it did so far stays done. */
export class RetentionStopped extends Error {
  constructor() {
    super("retention stopped");
  }
}

/** Runs batches, timing each and yielding between them. */
class Batches {
  count = 0;
  longest = 0;
  longestWhat = "";
  constructor(
    private readonly pause: (batchMs: number) => Promise<void>,
    private readonly stopping: () => boolean = () => false,
  ) {}
  async run<R>(what: string, fn: () => Promise<R>): Promise<R> {
    const t0 = performance.now();
    const r = await fn();
    const ms = performance.now() - t0;
    if (ms > this.longest) [this.longest, this.longestWhat] = [ms, what];
    this.count++;
    await this.pause(ms);
    if (this.stopping()) throw new RetentionStopped();
    return r;
  }
}

/** As long as the batch took (at least 1 ms): a pass uses at most half of the event loop. */
const sameAgain = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, ms)));

/** One retention pass at `now`. Safe to run again (or on another node at once): each step is idempotent. */
export async function runRetention(
  db: SqlRunner,
  now: number,
  opts: RetentionOptions,
): Promise<RetentionResult> {
  // 250 rows: folding 1,000 GroupHour rows took 64 ms at the median (5,000 groups over 120 days, 2 busy cores),
  // 250 rows 18 ms.
  const n = opts.batchRows ?? 250;
  const g = opts.batchGroups ?? 200;
  const { keep, rollupEnd } = horizons(now, opts.days);
  const b = new Batches(opts.pause ?? sameAgain, opts.stopping);
  const rolledUp: Record<string, number> = {};
  const deleted: Record<string, number> = {};
  const add = (m: Record<string, number>, t: string, k: number) => (m[t] = (m[t] ?? 0) + k);

  // Fold a region's hourly rows (not already on a day's first hour) into daily rows, `where` selecting them.
  // Fold a region's hourly rows (not already on a day's first hour) into daily rows. `select(from)` gives the
  // condition and its parameters for the rows from hour `from` on; with `ordered`, each batch takes the lowest hours
  // and the next one starts at the last hour taken, so the daily rows already written are not scanned again
  // (without it a pass over 5,000 groups and 90 days re-read ~450,000 of them per batch: 325 ms batches).
  const fold = async (
    t: HourTable,
    select: (from: number) => [where: string, params: unknown[]],
    ordered: boolean,
  ) => {
    for (let from = keep + 1; ;) {
      const [where, params] = select(from);
      const rows = await b.run(`fold ${t.table}`, () =>
        db.move<Record<string, unknown>>(
          [
            batchDelete(
              db.engine,
              t.table,
              `${where} AND "hour" % ${DAY_HOURS} <> 0`,
              n,
              [...t.keys, t.value],
              ordered ? `"hour"` : undefined,
            ),
            params,
          ],
          (taken) => upsertDays(db, t, taken, keep),
        ),
      );
      add(rolledUp, t.table, rows.length);
      if (rows.length < n) return;
      if (ordered) from = Math.max(...rows.map((r) => Number(r.hour)));
    }
  };
  const drop = async (table: string, where: string, params: unknown[]) => {
    for (;;) {
      const [k = 0] = await b.run(`delete ${table}`, () =>
        db.tx([[batchDelete(db.engine, table, where, n), params]]),
      );
      add(deleted, table, k);
      if (k < n) return;
    }
  };

  const projects = await db.all<{ id: string }>(`SELECT "id" FROM "Project" ORDER BY "id"`);
  for (const { id } of projects) {
    for (const t of BY_PROJECT) {
      if (rollupEnd > keep)
        await fold(
          t,
          (from) => [`"projectId" = ? AND "hour" >= ? AND "hour" < ?`, [id, from, rollupEnd]],
          true,
        );
      await drop(t.table, `"projectId" = ? AND "hour" < ?`, [id, keep]);
    }
    // Per-page and per-browser counts are daily already (#16): the days wholly before `keep` go.
    await drop("GroupBreakdown", `"projectId" = ? AND "day" < ?`, [id, Math.floor(keep / DAY_HOURS)]);
    await retainScripts(drop, id, keep); // the script inventory (#18)
  }

  // GroupRunning is keyed by group: walk the groups in id order.
  for (let after = -1; ;) {
    const ids = (
      await db.all<{ id: number }>(`SELECT "id" FROM "ViolationGroup" WHERE "id" > ? ORDER BY "id" LIMIT ?`, [
        after,
        g,
      ])
    ).map((r) => Number(r.id));
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const inIds = `"groupId" IN ${marks(ids.length)}`;
    if (rollupEnd > keep)
      await fold(
        RUNNING,
        (from) => [`${inIds} AND "hour" >= ? AND "hour" < ?`, [...ids, from, rollupEnd]],
        false,
      );
    // Every row before `keep` but the group's latest one, which later windows subtract from.
    await drop(
      RUNNING.table,
      `${inIds} AND "hour" < ? AND "hour" < (SELECT MAX(k."hour") FROM "GroupRunning" k
         WHERE k."groupId" = "GroupRunning"."groupId" AND k."hour" < ?)`,
      [...ids, keep, keep],
    );
    if (ids.length < g) break;
  }

  // Groups unseen since `keep`, with everything kept through them (their hourly rows are gone by now).
  const gone = new Set<string>();
  for (;;) {
    const rows = await db.all<{ id: number; projectId: string }>(
      `SELECT "id", "projectId" FROM "ViolationGroup" WHERE "lastSeen" < ? ORDER BY "id" LIMIT ?`,
      [keep * HOUR_MS, g],
    );
    if (rows.length === 0) break;
    const ids = rows.map((r) => Number(r.id));
    const counts = await b.run("delete groups", () => deleteGroups(db, ids));
    for (const [t, k] of counts) add(deleted, t, k);
    for (const r of rows) gone.add(r.projectId);
    if (rows.length < g) break;
  }
  if (gone.size > 0) opts.onGroupsDeleted?.([...gone]);
  return { rolledUp, deleted, batches: b.count, longestBatchMs: b.longest, longestBatch: b.longestWhat };
}

const groupTablesCache = new WeakMap<SqlRunner, Promise<string[]>>();

/**
 * Tables with rows kept through a group (a groupId column: GroupHour, GroupRunning, Sample, and whatever a later
 * migration adds), read from the database's own columns so a new table is not forgotten.
 */
export function groupOwnedTables(db: SqlRunner): Promise<string[]> {
  let p = groupTablesCache.get(db);
  if (!p) {
    p = tableColumns(db).then((m) =>
      [...m]
        .filter(([t, cols]) => t !== "ViolationGroup" && cols.includes("groupId"))
        .map(([t]) => t)
        .sort(),
    );
    groupTablesCache.set(db, p);
  }
  return p;
}

/** Delete groups and every row kept through them, in one transaction; rows deleted per table. */
export async function deleteGroups(db: SqlRunner, ids: readonly number[]): Promise<[string, number][]> {
  const tables = await groupOwnedTables(db);
  const inIds = `"groupId" IN ${marks(ids.length)}`;
  const stmts: Stmt[] = tables.map((t) => [`DELETE FROM ${q(t)} WHERE ${inIds}`, ids]);
  stmts.push([`DELETE FROM "ViolationGroup" WHERE "id" IN ${marks(ids.length)}`, ids]);
  const counts = await db.tx(stmts);
  return [...tables, "ViolationGroup"].map((t, i) => [t, counts[i] ?? 0]);
}
