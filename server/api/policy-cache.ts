// In-memory caches behind the policy builder's API: a project's groups as the engine reads them, and the answers
// built from them. Both are exact, not time-based: an entry is used only while the writer's generation for the
// project (bumped by every commit that changed its non-noise groups) and the hour the recent window starts at are
// the ones it was computed with. The groups are kept current by the writer itself: after each commit it hands over
// what changed (GroupWatcher), and the cached rows are updated in place of a reload (~150 ms at 20,000 groups).
// Built answers cannot be patched: the first call after a new report builds afresh (~300 ms at 20,000 groups).
// Groups are patched on SQLite only, where loads and commits are synchronous on one thread: a load there sees a
// generation's commits exactly. On PostgreSQL a commit may land between a load's query and the generation bump,
// so a load may already hold the commit it would then be patched with; there a new generation means a reload.
import type { AnswerBytes } from "./answer-bytes.ts";
import { needsAllSamples, pathSourceHosts, type PathHostTest } from "../policy/sample-needs.ts";
import {
  groupSamples,
  policyGroups,
  ringSync,
  samplesOf,
  type PolicyGroupRow,
} from "../store/policy-groups.ts";
import { isSqliteReader, type SqlReader } from "../store/sql.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { BlockedReports } from "../projects/group-extras.ts";
import { addBlocked } from "../store/policies.ts";
import { BuildMemo } from "../policy/build-memo.ts";
import { withSamples } from "../projects/group-extras.ts";
import type { SyncSource } from "../policy-worker/pool.ts";
import { NO_OTHER_NODES, type GenerationSource } from "../store/pg-commits.ts";
import { HOUR_MS, type GroupChange, type GroupWatcher, type ReportWriter } from "../store/writer.ts";

const RECENT_DAYS = 7;
const recentHour = (now: number, days = RECENT_DAYS): number =>
  Math.floor((now - days * 86_400_000) / HOUR_MS);

type Stamp = { generation: number; hour: number };
/** A project's groups as loaded and patched, what the policy worker was sent of them, and the builds' memo. */
export type GroupsEntry = SyncSource & {
  projectId: string;
  versions: "all" | "inline";
  stamp: Stamp;
  rows: PolicyGroupRow[];
  index: Map<number, number> | null;
  /** What one in-process build hands to the next (the worker keeps its own). */
  memo: BuildMemo;
};

/** Each load of a set of groups is told apart from the others (the worker's copy is tied to one load). */
let serials = 0;

/** A small least-recently-used map (insertion order is recency). */
class Lru<V> {
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

export class PolicyCache implements GroupWatcher {
  private groups: Lru<GroupsEntry>;
  private answers: Lru<{ stamp: Stamp; answer: unknown }>;
  /** Told which answers the cache holds, and when it no longer does (api/answer-bytes.ts). */
  answerBytes: Pick<AnswerBytes, "hold" | "drop"> | null = null;
  /** Per project: enforce reports per group and version tag (blockedReports), and the generation they were read at. */
  private enforced = new Lru<{ generation: number; byGroup: EnforcedCounts }>(16);
  /** Per policies' text: whether a row's samples are read whole for them (extraSamples). */
  private extraRows = new Lru<{ test: PathHostTest; rows: WeakMap<PolicyGroupRow, boolean> }>(8);

  constructor(
    private readonly sql: SqlReader,
    private readonly writer: Pick<ReportWriter, "generation" | "watch">,
    /** Commits of the other nodes on the database (PostgreSQL): each makes the project's entries stale. */
    private readonly others: GenerationSource = NO_OTHER_NODES,
    /** Projects whose groups stay in memory (each ~1 KB per group). */
    maxProjects = 4,
  ) {
    this.groups = new Lru(maxProjects);
    this.answers = new Lru(maxProjects);
    writer.watch(this);
  }

  wants(projectId: string): boolean {
    if (!isSqliteReader(this.sql)) return false;
    if (this.enforced.get(projectId)) return true;
    for (const e of this.groups.values()) if (e.projectId === projectId) return true;
    return false;
  }

  /** Apply a commit's changes to the project's cached groups that were current before it. */
  committed(projectId: string, changes: readonly GroupChange[], generation: number): void {
    // Counts read before this commit are patched; any other generation step (a re-classification) reads again.
    const enforced = this.enforced.get(projectId);
    if (enforced && enforced.generation === generation - 1) {
      addEnforced(enforced.byGroup, changes);
      enforced.generation = generation;
    }
    for (const e of this.groups.values()) {
      if (e.projectId !== projectId || e.stamp.generation !== generation - 1) continue;
      const index = (e.index ??= new Map(e.rows.map((r, i) => [r.id, i])));
      for (const c of changes) {
        let recent = 0;
        const perVersion = new Map<number, number>();
        for (const h of c.hours) {
          if (h.hour >= e.stamp.hour) recent += h.count;
          perVersion.set(h.policyVersion, (perVersion.get(h.policyVersion) ?? 0) + h.count);
        }
        const i = index.get(c.id);
        const old = i === undefined ? null : e.rows[i]!;
        // A new object per changed row: rows handed out earlier stay as they were.
        const row: PolicyGroupRow = {
          id: c.id,
          directive: c.directive,
          blocked: c.blocked,
          count: (old?.count ?? 0) + c.count,
          pages: [...c.pages],
          firstSeen: old ? Math.min(old.firstSeen, c.firstSeen) : c.firstSeen,
          lastSeen: old ? Math.max(old.lastSeen, c.lastSeen) : c.lastSeen,
          samples: needsAllSamples(c.directive, c.blocked) ? this.ringNow(c.id) : [],
          countsByVersion: { ...old?.countsByVersion },
          recentCount: (old?.recentCount ?? 0) + recent,
        };
        if (e.versions === "all" || c.blocked === "inline") {
          for (const [v, n] of perVersion) row.countsByVersion[v] = (row.countsByVersion[v] ?? 0) + n;
        }
        if (i === undefined) {
          // Group ids only grow: a new group goes last, as policyGroups orders them.
          index.set(c.id, e.rows.length);
          e.rows.push(row);
        } else e.rows[i] = row;
        // The worker's copy gets the same row next time (a set never synced is sent whole).
        if (e.synced !== null) e.changed.set(c.id, row);
      }
      e.stamp = { ...e.stamp, generation };
    }
  }

  private stamp(projectId: string, now: number, recentDays = RECENT_DAYS): Stamp {
    return {
      generation: this.writer.generation(projectId) + this.others.generation(projectId),
      hour: recentHour(now, recentDays),
    };
  }

  /**
   * The project's non-noise groups for the engine: every sample where the engine reads them all (inline and other
   * non-URL groups, bypass hosts, and hosts `policies` name with a path), none elsewhere (the API reads evidence
   * samples for the suggestions it answers with).
   * Per-version counts for every group with versions "all", for inline groups otherwise; recent counts over the
   * last `recentDays` days.
   */
  async groupsFor(
    projectId: string,
    now: number,
    policies: readonly string[],
    opts: { versions?: "all" | "inline"; recentDays?: number } = {},
  ): Promise<PolicyGroupRow[]> {
    const entry = await this.entryFor(projectId, now, opts);
    return withSamples(entry.rows, await this.extraSamples(entry.rows, policies));
  }

  /** The project's groups as cached (see groupsFor), without the samples particular policies need. */
  async entryFor(
    projectId: string,
    now: number,
    opts: { versions?: "all" | "inline"; recentDays?: number } = {},
  ): Promise<GroupsEntry> {
    const versions = opts.versions ?? "inline";
    const recentDays = opts.recentDays ?? RECENT_DAYS;
    const stamp = this.stamp(projectId, now, recentDays);
    const key = `${projectId}\n${versions}\n${recentDays}`;
    let entry = this.groups.get(key);
    if (!entry || !same(entry.stamp, stamp)) {
      const rows = await policyGroups(this.sql, projectId, { now, recentDays, versions, samplesPerGroup: 0 });
      // Read again (PostgreSQL after any commit, either engine each hour): what did not change is carried over.
      const current = this.groups.get(key);
      if (current && carryOver(current, rows)) {
        current.stamp = stamp;
        return current;
      }
      entry = {
        key,
        serial: ++serials,
        changed: new Map(),
        synced: null,
        memo: new BuildMemo(),
        projectId,
        versions,
        index: null,
        stamp,
        rows,
      };
      this.groups.set(key, entry);
    }
    return entry;
  }

  /** The whole sample ring of the groups whose hosts `policies` name with a path (the engine reads them all). */
  async extraSamples(
    rows: readonly PolicyGroupRow[],
    policies: readonly string[],
  ): Promise<Map<number, PolicyGroupRow["samples"]>> {
    // Which rows those are depends on the row and the policies' text only: kept per row object (a patch replaces
    // a changed row). Tested afresh, the URL parse per row cost ~8 ms per answer at 20,000 groups.
    const key = policies.join("\n");
    let known = this.extraRows.get(key);
    if (!known) this.extraRows.set(key, (known = { test: pathSourceHosts(policies), rows: new WeakMap() }));
    const { test: pathHosts, rows: seen } = known;
    const more = rows.filter((g) => {
      let yes = seen.get(g);
      if (yes === undefined) {
        yes = pathHosts(g.blocked) && !needsAllSamples(g.directive, g.blocked);
        seen.set(g, yes);
      }
      return yes;
    });
    if (more.length === 0) return new Map();
    return samplesOf(
      this.sql,
      more.map((g) => g.id),
      -1,
    );
  }

  /** A cached answer for `key` if nothing changed since it was computed, else compute and remember it. */
  async answer<T>(projectId: string, key: string, now: number, compute: () => Promise<T>): Promise<T> {
    const stamp = this.stamp(projectId, now);
    const full = `${projectId}\n${key}`;
    const hit = this.answers.get(full);
    if (hit && same(hit.stamp, stamp)) return hit.answer as T;
    const answer = await compute();
    // Only remember it if no commit landed while it was computed (the awaits let the writer run).
    if (same(stamp, this.stamp(projectId, now))) {
      // Bytes the cache holds are counted, and freed once replaced or evicted (answer-bytes.ts).
      const before = [...this.answers.values()];
      this.answers.set(full, { stamp, answer });
      this.answerBytes?.hold(answer);
      const kept = new Set(this.answers.values());
      for (const e of before) if (!kept.has(e)) this.answerBytes?.drop(e.answer);
    }
    return answer;
  }

  /**
   * Per group, the reports with disposition `enforce` tagged with one of `versions` (what those versions blocked on
   * real pages) and the first of them that blocked it: PolicyStore.enforcedReports, kept current. That query scans
   * every hourly row of the project (0.6–0.75 s at 2 M reports, on the event loop with SQLite) and ran for every
   * build after a new report; now it runs once per project and the writer's commits are added to it (SQLite; on
   * PostgreSQL, and after any generation step not seen as a commit, it runs again, as the groups are read again).
   */
  async blockedReports(projectId: string, versions: readonly number[]): Promise<BlockedReports> {
    const out = new Map<number, { reports: number; since: number }>();
    if (versions.length === 0) return out;
    const generation = this.writer.generation(projectId) + this.others.generation(projectId);
    let kept = this.enforced.get(projectId);
    if (!kept || kept.generation !== generation) {
      kept = { generation, byGroup: await enforcedByVersion(this.sql, projectId) };
      this.enforced.set(projectId, kept);
    }
    const wanted = new Set(versions);
    for (const [groupId, byVersion] of kept.byGroup) {
      for (const [version, n] of byVersion) if (wanted.has(version)) addBlocked(out, groupId, version, n);
    }
    return out;
  }

  /** The most recent samples of groups, for evidence in answers (the build reads none for most groups). */
  samplesOf(groupId: number, limit: number): Promise<PolicyGroupRow["samples"]> {
    return groupSamples(this.sql, groupId, limit);
  }

  /** The most recent samples of several groups at once (one statement on PostgreSQL). */
  samplesOfMany(groupIds: readonly number[], limit: number): Promise<Map<number, PolicyGroupRow["samples"]>> {
    return samplesOf(this.sql, groupIds, limit);
  }

  /** A group's whole sample ring, read synchronously while patching (SQLite only: see the file's header). */
  private ringNow(groupId: number): PolicyGroupRow["samples"] {
    return isSqliteReader(this.sql) ? ringSync(this.sql, groupId) : [];
  }
}

const same = (a: Stamp, b: Stamp): boolean => a.generation === b.generation && a.hour === b.hour;

/**
 * Replace a set's rows with a fresh read of them, keeping each row object that is equal to its new read: the builds'
 * memo is keyed on row objects, and the policy worker is sent only the rows that changed, as if patched. At 20,000
 * groups on PostgreSQL, where every commit means a read, each new report made a whole new set: the worker was sent
 * all of it (a structured clone on the event loop) and built from nothing (~0.8 s). Only when the fresh read is the
 * old one with rows appended (ids grow; a group gone, or one committed out of id order, makes a new set): false.
 */
function carryOver(entry: GroupsEntry, fresh: PolicyGroupRow[]): boolean {
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
type EnforcedCounts = Map<number, Map<number, number>>;

async function enforcedByVersion(sql: SqlReader, projectId: string): Promise<EnforcedCounts> {
  const rows = await sql.all<{ groupId: unknown; policyVersion: unknown; cnt: unknown }>(Prisma.sql`
    SELECT "groupId", "policyVersion", SUM(count) AS cnt FROM "GroupHour"
    WHERE "projectId" = ${projectId} AND disposition = 'enforce' AND "policyVersion" > 0
    GROUP BY "groupId", "policyVersion"`);
  const out: EnforcedCounts = new Map();
  for (const r of rows) {
    const g = Number(r.groupId);
    let byVersion = out.get(g);
    if (!byVersion) out.set(g, (byVersion = new Map()));
    byVersion.set(Number(r.policyVersion), Number(r.cnt));
  }
  return out;
}

/** Add a commit's tagged `enforce` reports to the counts. */
function addEnforced(counts: EnforcedCounts, changes: readonly GroupChange[]): void {
  for (const c of changes) {
    for (const h of c.hours) {
      if (h.disposition !== "enforce" || !(h.policyVersion > 0)) continue;
      let byVersion = counts.get(c.id);
      if (!byVersion) counts.set(c.id, (byVersion = new Map()));
      byVersion.set(h.policyVersion, (byVersion.get(h.policyVersion) ?? 0) + h.count);
    }
  }
}
