// The policy cache's rows (policy-cache.ts): a group's row patched with one commit, a set read again that keeps its
// unchanged row objects, the enforce counts per group and version, the small LRU the cache keeps them in, and how a
// read is told which of the node's commits it already holds (saw, catchUp).
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import type { SyncSource } from "../policy-worker/pool.ts";
import { isSqliteReader, type SqlReader } from "../store/sql.ts";
import { HOUR_MS, type GroupChange } from "../store/writer.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { sawCommit, type Snapshot } from "../store/pg-snapshot.ts";

/** A small least-recently-used map (insertion order is recency). */
export class Lru<V> {
  private map = new Map<string, V>();
  constructor(private readonly max: number) {}
  values(): IterableIterator<V> {
    return this.map.values();
  }
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

/**
 * A group's row after one commit's change to it: a new object (rows handed out earlier stay as they were). Recent
 * counts grow by the commit's hours from `recentHour` on; per-version counts for every group with versions "all",
 * for inline groups otherwise.
 */
export function patchedRow(
  old: PolicyGroupRow | undefined,
  c: GroupChange,
  recentHour: number,
  versions: "all" | "inline",
  samples: PolicyGroupRow["samples"],
): PolicyGroupRow {
  let recent = 0;
  const perVersion = new Map<number, number>();
  for (const h of c.hours) {
    if (h.hour >= recentHour) recent += h.count;
    perVersion.set(h.policyVersion, (perVersion.get(h.policyVersion) ?? 0) + h.count);
  }
  const row: PolicyGroupRow = {
    id: c.id,
    directive: c.directive,
    blocked: c.blocked,
    count: (old?.count ?? 0) + c.count,
    pages: [...c.pages],
    firstSeen: old ? Math.min(old.firstSeen, c.firstSeen) : c.firstSeen,
    lastSeen: old ? Math.max(old.lastSeen, c.lastSeen) : c.lastSeen,
    samples,
    countsByVersion: { ...old?.countsByVersion },
    recentCount: (old?.recentCount ?? 0) + recent,
  };
  if (versions === "all" || c.blocked === "inline") {
    for (const [v, n] of perVersion) row.countsByVersion[v] = (row.countsByVersion[v] ?? 0) + n;
  }
  return row;
}

/**
 * Replace a set's rows with a fresh read of them, keeping each row object that is equal to its new read: the builds'
 * memo is keyed on row objects, and the policy worker is sent only the rows that changed, as if patched. At 20,000
 * groups on PostgreSQL, where every commit meant a read, each new report made a whole new set: the worker was sent
 * all of it (a structured clone on the event loop) and built from nothing (~0.8 s). Only when the fresh read is the
 * old one with rows appended (ids grow; a group gone, or one committed out of id order, makes a new set): false.
 */
export function carryOver(
  entry: SyncSource & { rows: PolicyGroupRow[]; index: Map<number, number> | null },
  fresh: readonly PolicyGroupRow[],
): boolean {
  const old = entry.rows;
  if (fresh.length < old.length) return false;
  for (let i = 0; i < old.length; i++) if (fresh[i]!.id !== old[i]!.id) return false;
  const rows = fresh.map((r, i) => {
    const o = old[i];
    if (o !== undefined && equalData(o, r)) return o;
    if (entry.synced !== null) entry.changed.set(r.id, r);
    return r;
  });
  entry.rows = rows;
  entry.index = null;
  return true;
}

/** Equal plain data (objects, arrays, primitives), compared all the way down. */
function equalData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !equalData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    )
      return false;
  }
  return true;
}

/** Reports with disposition `enforce`, per group and version tag (untagged ones, version 0, are not counted). */
export type EnforcedCounts = Map<number, Map<number, number>>;

type EnforcedRow = { groupId: unknown; policyVersion: unknown; cnt: unknown };

/** Hours of GroupHour one slice of a SQLite read covers (a day: ~86,000 rows at 10 M reports over 30 days). */
export const ENFORCED_SLICE_HOURS = 24;

/**
 * The project's `enforce` reports per group and version tag: one statement over every hourly row of the project.
 * On SQLite, where a statement runs on the event loop, that held ingest for 0.6–0.75 s at 2 M reports (a project with
 * policy versions, once per start): there the rows are read a day of hours at a time, oldest first, giving the event
 * loop back between slices. `progress.readTo` is then the first hour not read yet, so that a commit landing
 * meanwhile is counted exactly once: its rows in hours already read are added by the caller, the others are read by
 * the later slices (the last one has no upper bound).
 */
export async function enforcedByVersion(
  sql: SqlReader,
  projectId: string,
  progress: { readTo: number } = { readTo: -Infinity },
): Promise<EnforcedCounts> {
  const out: EnforcedCounts = new Map();
  const where = Prisma.sql`"projectId" = ${projectId} AND disposition = 'enforce' AND "policyVersion" > 0`;
  const q = (hours: Prisma.Sql) => Prisma.sql`
    SELECT "groupId", "policyVersion", SUM(count) AS cnt FROM "GroupHour"
    WHERE ${where} ${hours} GROUP BY "groupId", "policyVersion"`;
  if (!isSqliteReader(sql)) {
    addRows(out, await sql.all<EnforcedRow>(q(Prisma.empty)));
    progress.readTo = Infinity;
    return out;
  }
  const first = sql.allSync<{ h: unknown }>(
    Prisma.sql`SELECT MIN(hour) AS h FROM "GroupHour" WHERE "projectId" = ${projectId}`,
  )[0]?.h;
  let from = first === null || first === undefined ? Infinity : Number(first);
  for (;;) {
    const to = from + ENFORCED_SLICE_HOURS;
    // The last slice (it reaches the current hour) is open-ended: hours written while the read ran are in it.
    const last = to > Math.floor(Date.now() / HOUR_MS) || !Number.isFinite(from);
    const hours = !Number.isFinite(from)
      ? Prisma.empty
      : last
        ? Prisma.sql`AND hour >= ${from}`
        : Prisma.sql`AND hour >= ${from} AND hour < ${to}`;
    addRows(out, sql.allSync<EnforcedRow>(q(hours)));
    if (last) break;
    progress.readTo = from = to;
    await new Promise((r) => setImmediate(r));
  }
  progress.readTo = Infinity;
  return out;
}

function addRows(out: EnforcedCounts, rows: readonly EnforcedRow[]): void {
  for (const r of rows) {
    const g = Number(r.groupId);
    let byVersion = out.get(g);
    if (!byVersion) out.set(g, (byVersion = new Map()));
    const v = Number(r.policyVersion);
    byVersion.set(v, (byVersion.get(v) ?? 0) + Number(r.cnt));
  }
}

/** Add a commit's tagged `enforce` reports to the counts (only those of hours before `before`, if given). */
export function addEnforced(
  counts: EnforcedCounts,
  changes: readonly GroupChange[],
  before = Infinity,
): void {
  for (const c of changes) {
    for (const h of c.hours) {
      if (h.disposition !== "enforce" || !(h.policyVersion > 0) || h.hour >= before) continue;
      let byVersion = counts.get(c.id);
      if (!byVersion) counts.set(c.id, (byVersion = new Map()));
      byVersion.set(h.policyVersion, (byVersion.get(h.policyVersion) ?? 0) + h.count);
    }
  }
}

/** The node's own commits a read holds (the writer's generation), the other nodes' commits it was read after. */
export type Generation = { own: number; others: number };

/** One of the node's own commits, heard while a read of its project ran: replayed onto the read once it ends. */
export type Heard = { generation: number; changes: readonly GroupChange[]; xid: string | null };

/**
 * Whether a read already holds one of the node's own commits. SQLite: a commit heard after a read is never in it
 * (they do not overlap; no snapshot, no transaction id). PostgreSQL: the read's snapshot says. null: it cannot be
 * told (a commit without its id), so the read is not patched and is read again.
 */
export function saw(snapshot: Snapshot | null, xid: string | null): boolean | null {
  if (snapshot === null) return xid === null ? false : null;
  return xid === null ? null : sawCommit(snapshot, xid);
}

/**
 * The own generation a read holds once the commits heard while it ran are applied to it (`apply`), in order, each
 * only if the read did not already see it; `from` is the generation when the read began. It stops at a step not
 * heard as a commit, or one it cannot tell about (a SQLite read overlapped by a commit): the read is then behind,
 * and the next call reads again.
 */
export function catchUp(
  from: number,
  snapshot: Snapshot | null,
  heard: readonly Heard[],
  apply: (changes: readonly GroupChange[]) => void,
): number {
  let own = from;
  for (const h of heard) {
    if (h.generation <= own) continue;
    const seen = snapshot === null ? null : saw(snapshot, h.xid);
    if (h.generation !== own + 1 || seen === null) break;
    if (!seen) apply(h.changes);
    own = h.generation;
  }
  return own;
}
