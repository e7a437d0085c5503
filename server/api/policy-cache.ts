// In-memory caches behind the policy builder's API: a project's groups as the engine reads them, and the answers
// built from them. Both are exact, not time-based: an entry is used only while the project's generation (the
// node's own commits that changed its non-noise groups, plus the other PostgreSQL nodes' commits heard through
// NOTIFY) and the hour the recent window starts at are the ones it holds. The groups are kept current by the
// writer itself: after each of the node's own commits it hands over what changed (GroupWatcher), and the cached
// rows are updated in place of a read (~150 ms at 20,000 groups on SQLite, 0.22-0.3 s on PostgreSQL). A commit of
// another node, or groups it re-classified or deleted (announced too: pg-batch.ts forget), cannot be patched in
// (its changes are not known here): the project's groups are read again.
// Built answers cannot be patched: the first call after a new report builds afresh (~300 ms at 20,000 groups).
// A patch must add each commit to a read exactly once. On SQLite a read and a commit never overlap (both run
// synchronously on the event loop), so a read holds exactly the commits heard before it. On PostgreSQL a read runs
// on another connection than the commit, and a commit may land while it runs, before the writer hears of it: the
// read runs in one REPEATABLE READ snapshot (sql.ts inSnapshot), each commit brings its transaction id
// (pg-batch.ts), and a commit is patched into a read only if the read's snapshot did not see it (pg-snapshot.ts).
// The own commits heard while a read ran are replayed onto it the same way once it ends. A generation step not
// heard as a commit (the project's groups deleted, a watcher that failed) leaves the read behind: read again.
// A patched group whose whole sample ring the engine reads (needsAllSamples) reads it synchronously on SQLite; on
// PostgreSQL it keeps its previous ring until the next call for the set reads the due rings (one statement), before
// the set is handed out.
import type { AnswerBytes } from "./answer-bytes.ts";
import {
  needsAllSamples,
  NO_PATH_HOSTS,
  type PathHostTest,
  pathSourceHosts,
} from "../policy/sample-needs.ts";
import {
  groupSamples,
  policyGroups,
  ringSync,
  samplesOf,
  type PolicyGroupRow,
} from "../store/policy-groups.ts";
import { isPgReader, isSqliteReader, type SqlReader } from "../store/sql.ts";
import { num } from "../store/rows.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { BlockedReports } from "../projects/group-extras.ts";
import { BuildMemo } from "../policy/build-memo.ts";
import { withSamples } from "../projects/group-extras.ts";
import type { SyncSource } from "../policy-worker/pool.ts";
import { NO_OTHER_NODES, type GenerationSource } from "../store/pg-commits.ts";
import type { Snapshot } from "../store/pg-snapshot.ts";
import { HOUR_MS, type GroupChange, type GroupWatcher, type ReportWriter } from "../store/writer.ts";
import type { KeptSamples } from "./evidence-samples.ts";
import { EnforcedCache } from "./policy-cache-enforced.ts";
import {
  carryOver,
  catchUp,
  Lru,
  patchedRow,
  saw,
  type Generation,
  type Heard,
} from "./policy-cache-rows.ts";

const RECENT_DAYS = 7;
const recentHour = (now: number, days = RECENT_DAYS): number =>
  Math.floor((now - days * 86_400_000) / HOUR_MS);

type Stamp = Generation & { hour: number };

/** A project's groups as read and patched, what the policy worker was sent of them, and the builds' memo. */
export type GroupsEntry = SyncSource & {
  projectId: string;
  versions: "all" | "inline";
  stamp: Stamp;
  rows: PolicyGroupRow[];
  index: Map<number, number> | null;
  /** What one in-process build hands to the next (the worker keeps its own). */
  memo: BuildMemo;
  /** Evidence samples in-process answers showed, per group, with the count and last report they were read at. */
  evidence: Map<number, KeptSamples>;
  /** The snapshot the rows were read in (PostgreSQL; null on SQLite): the own commits it saw are not patched in. */
  snapshot: Snapshot | null;
  /** Groups patched on PostgreSQL whose whole sample ring is still to be read (see the file's header). */
  ringsDue: Set<number>;
  /** The read of due rings under way, shared by the calls that wait for it. */
  filling: Promise<void> | null;
};

/** Each load of a set of groups is told apart from the others (the worker's copy is tied to one load). */
let serials = 0;

/** Rounds of due rings read before a set is handed out anyway (commits may keep patching it meanwhile). */
const RING_ROUNDS = 4;

export class PolicyCache implements GroupWatcher {
  private groups: Lru<GroupsEntry>;
  private answers: Lru<{ stamp: Stamp; answer: unknown }>;
  /** Told which answers the cache holds, and when it no longer does (api/answer-bytes.ts). */
  answerBytes: Pick<AnswerBytes, "hold" | "drop"> | null = null;
  /** Per policies' text: whether a row's samples are read whole for them (extraSamples). */
  private extraRows = new Lru<{ test: PathHostTest; rows: WeakMap<PolicyGroupRow, boolean> }>(8);
  /** Per project with reads under way: how many, and the own commits heard since the first began. */
  private reading = new Map<string, { reads: number; heard: Heard[] }>();
  /** What each group blocked in production (blockedReports), kept current like the groups. */
  private readonly enforced: EnforcedCache;

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
    this.enforced = new EnforcedCache(
      sql,
      (projectId) => this.generation(projectId),
      (projectId, fn) => this.read(projectId, fn),
    );
    writer.watch(this);
  }

  wants(projectId: string): boolean {
    // A read under way hears the commits that land meanwhile (their changes are built only for watched projects).
    if (this.reading.has(projectId) || this.enforced.wants(projectId)) return true;
    for (const e of this.groups.values()) if (e.projectId === projectId) return true;
    return false;
  }

  /** Apply one of the node's own commits to the project's cached state that was current before it. */
  committed(
    projectId: string,
    changes: readonly GroupChange[],
    generation: number,
    xid: string | null,
  ): void {
    this.reading.get(projectId)?.heard.push({ generation, changes, xid });
    // State read before this commit is patched; any other generation step (a re-classification) reads again.
    this.enforced.committed(projectId, changes, generation, xid);
    for (const e of this.groups.values()) {
      if (e.projectId !== projectId || e.stamp.own !== generation - 1) continue;
      const seen = saw(e.snapshot, xid);
      if (seen === null) continue;
      if (!seen) this.patch(e, changes);
      e.stamp = { ...e.stamp, own: generation };
    }
  }

  /** What each group blocked in production, for these versions (EnforcedCache.blockedReports). */
  blockedReports(projectId: string, versions: readonly number[]): Promise<BlockedReports> {
    return this.enforced.blockedReports(projectId, versions);
  }

  /** Apply one commit's changes to a set's rows. */
  private patch(e: GroupsEntry, changes: readonly GroupChange[]): void {
    const index = (e.index ??= indexOf(e.rows));
    for (const c of changes) {
      const i = index.get(c.id);
      const old = i === undefined ? undefined : e.rows[i]!;
      const row = patchedRow(old, c, e.stamp.hour, e.versions, this.ringOf(e, c, old));
      if (i === undefined) {
        // Group ids only grow: a new group goes last, as policyGroups orders them.
        index.set(c.id, e.rows.length);
        e.rows.push(row);
      } else e.rows[i] = row;
      // The worker's copy gets the same row next time (a set never synced is sent whole).
      if (e.synced !== null) e.changed.set(c.id, row);
    }
  }

  /**
   * A patched group's samples: none where the engine reads none; its whole ring otherwise, read now on SQLite; on
   * PostgreSQL the ring it had, until fillRings reads the new one (reads here would be awaited on the commit path).
   */
  private ringOf(e: GroupsEntry, c: GroupChange, old: PolicyGroupRow | undefined): PolicyGroupRow["samples"] {
    if (!needsAllSamples(c.directive, c.blocked)) return [];
    if (isSqliteReader(this.sql)) return ringSync(this.sql, c.id);
    e.ringsDue.add(c.id);
    return old?.samples ?? [];
  }

  /**
   * The recent window moved on (every hour) and nothing else changed: the hours that left it are subtracted from the
   * recent counts, from one statement over their hourly rows, instead of every group being read again (~0.4 s of
   * the event loop each hour for each set at 20,000 groups on SQLite, where reads are synchronous). Nothing is done
   * when a commit or another node's was not patched in, or the window moved back; on PostgreSQL also when a commit
   * was patched in while the statement ran (it may have written the hours read): the set is then read again.
   */
  private async slide(e: GroupsEntry, to: Stamp): Promise<void> {
    const from = e.stamp;
    if (from.own !== to.own || from.others !== to.others || to.hour <= from.hour) return;
    const q = Prisma.sql`
      SELECT "groupId" AS "groupId", SUM(count) AS cnt FROM "GroupHour"
      WHERE "projectId" = ${e.projectId} AND hour >= ${from.hour} AND hour < ${to.hour} GROUP BY "groupId"`;
    type Left = { groupId: unknown; cnt: unknown };
    const left = isSqliteReader(this.sql) ? this.sql.allSync<Left>(q) : await this.sql.all<Left>(q);
    if (e.stamp !== from) return;
    const index = (e.index ??= indexOf(e.rows));
    for (const r of left) {
      const i = index.get(num(r.groupId));
      if (i === undefined) continue; // a noise group: not in the set
      // A new object: the builds' memo and the worker's copy take it as changed (a row is never changed in place).
      const row = { ...e.rows[i]!, recentCount: e.rows[i]!.recentCount - num(r.cnt) };
      e.rows[i] = row;
      if (e.synced !== null) e.changed.set(row.id, row);
    }
    e.stamp = { ...from, hour: to.hour };
  }

  private stamp(projectId: string, now: number, recentDays = RECENT_DAYS): Stamp {
    return { ...this.generation(projectId), hour: recentHour(now, recentDays) };
  }

  private generation(projectId: string): Generation {
    return { own: this.writer.generation(projectId), others: this.others.generation(projectId) };
  }

  /**
   * Read a project's state, in one snapshot on PostgreSQL, and the own commits heard while the read ran (a commit
   * that lands meanwhile may or may not be in it: the snapshot tells).
   */
  private async read<T>(
    projectId: string,
    fn: (sql: SqlReader) => Promise<T>,
  ): Promise<{ value: T; snapshot: Snapshot | null; heard: readonly Heard[] }> {
    let log = this.reading.get(projectId);
    if (!log) this.reading.set(projectId, (log = { reads: 0, heard: [] }));
    log.reads++;
    try {
      const sql = this.sql;
      const { value, snapshot } = isPgReader(sql)
        ? await sql.inSnapshot(fn)
        : { value: await fn(sql), snapshot: null };
      return { value, snapshot, heard: log.heard };
    } finally {
      if (--log.reads === 0) this.reading.delete(projectId);
    }
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
    if (entry && !same(entry.stamp, stamp)) await this.slide(entry, stamp);
    if (!entry || !same(entry.stamp, stamp)) {
      const { value, snapshot, heard } = await this.read(projectId, (sql) =>
        policyGroups(sql, projectId, { now, recentDays, versions, samplesPerGroup: 0 }),
      );
      const fresh: GroupsEntry = {
        key,
        serial: ++serials,
        changed: new Map(),
        synced: null,
        memo: new BuildMemo(),
        evidence: new Map(),
        projectId,
        versions,
        index: null,
        stamp,
        rows: value,
        snapshot,
        ringsDue: new Set(),
        filling: null,
      };
      fresh.stamp = { ...stamp, own: catchUp(stamp.own, snapshot, heard, (c) => this.patch(fresh, c)) };
      // Read again (after another node's commit, or a set that could not be patched or slid): what did not change
      // is carried over.
      const current = this.groups.get(key);
      if (current && carryOver(current, fresh.rows)) {
        current.stamp = fresh.stamp;
        current.snapshot = snapshot;
        for (const id of fresh.ringsDue) current.ringsDue.add(id);
        entry = current;
      } else {
        entry = fresh;
        this.groups.set(key, fresh);
      }
    }
    await this.fillRings(entry);
    return entry;
  }

  /** Read the whole rings of the set's groups patched without them (PostgreSQL), before the set is handed out. */
  private async fillRings(e: GroupsEntry): Promise<void> {
    for (let round = 0; round < RING_ROUNDS && (e.ringsDue.size > 0 || e.filling); round++) {
      e.filling ??= this.readRings(e).finally(() => (e.filling = null));
      await e.filling;
    }
  }

  private async readRings(e: GroupsEntry): Promise<void> {
    const ids = [...e.ringsDue];
    e.ringsDue.clear();
    const before = (e.index ??= indexOf(e.rows));
    const rows = ids.map((id) => e.rows[before.get(id) ?? -1]);
    let rings: Map<number, PolicyGroupRow["samples"]>;
    try {
      rings = await samplesOf(this.sql, ids, -1);
    } catch (err) {
      for (const id of ids) e.ringsDue.add(id);
      throw err;
    }
    const index = (e.index ??= indexOf(e.rows));
    ids.forEach((id, k) => {
      const i = index.get(id);
      // A row patched again meanwhile is due again (or was read again whole): it waits for its own read.
      if (i === undefined || rows[k] === undefined || e.rows[i] !== rows[k]) return;
      // A new object: the memo is keyed on row objects, and a row may already have been handed out.
      const row = { ...rows[k], samples: rings.get(id) ?? [] };
      e.rows[i] = row;
      if (e.synced !== null) e.changed.set(id, row);
    });
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
    // Most policies name no host with a path: nothing to test (the walk cost ~2.4 ms per answer at 20,000 groups).
    if (pathHosts === NO_PATH_HOSTS) return new Map();
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

  /** The most recent samples of groups, for evidence in answers (the build reads none for most groups). */
  samplesOf(groupId: number, limit: number): Promise<PolicyGroupRow["samples"]> {
    return groupSamples(this.sql, groupId, limit);
  }

  /** The most recent samples of several groups at once (one statement on PostgreSQL). */
  samplesOfMany(groupIds: readonly number[], limit: number): Promise<Map<number, PolicyGroupRow["samples"]>> {
    return samplesOf(this.sql, groupIds, limit);
  }
}

const same = (a: Stamp, b: Stamp): boolean => a.own === b.own && a.others === b.others && a.hour === b.hour;

export const indexOf = (rows: readonly PolicyGroupRow[]): Map<number, number> =>
  new Map(rows.map((r, i) => [r.id, i]));
