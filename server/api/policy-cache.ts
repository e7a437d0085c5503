// In-memory caches behind the policy builder's API: a project's groups as the engine reads them, and the answers
// built from them. Both are exact, not time-based: an entry is used only while the writer's generation for the
// project (bumped by every commit that changed its non-noise groups) and the hour the 7-day window starts at are
// the ones it was computed with. At 20,000 groups loading takes ~150 ms and building ~300 ms; a dashboard that asks
// again with nothing new gets the same answer in a few milliseconds, and the first report after it makes the next
// call compute afresh.
import type Database from "better-sqlite3";
import { needsAllSamples, pathSourceHosts } from "../policy/sample-needs.ts";
import { groupSamples, policyGroups, type PolicyGroupRow } from "../store/violations.ts";
import { HOUR_MS, type ReportWriter } from "../store/writer.ts";

const RECENT_DAYS = 7;
const recentHour = (now: number, days = RECENT_DAYS): number =>
  Math.floor((now - days * 86_400_000) / HOUR_MS);

type Stamp = { generation: number; hour: number };

/** A small least-recently-used map (insertion order is recency). */
class Lru<V> {
  private map = new Map<string, V>();
  constructor(private readonly max: number) {}
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

export class PolicyCache {
  private groups: Lru<{ stamp: Stamp; rows: PolicyGroupRow[] }>;
  private answers: Lru<{ stamp: Stamp; answer: unknown }>;

  constructor(
    private readonly raw: Database.Database,
    private readonly writer: Pick<ReportWriter, "generation">,
    /** Projects whose groups stay in memory (each ~1 KB per group). */
    maxProjects = 4,
  ) {
    this.groups = new Lru(maxProjects);
    this.answers = new Lru(maxProjects * 4);
  }

  private stamp(projectId: string, now: number, recentDays = RECENT_DAYS): Stamp {
    return { generation: this.writer.generation(projectId), hour: recentHour(now, recentDays) };
  }

  /**
   * The project's non-noise groups for the engine: every sample where the engine reads them all (inline and other
   * non-URL groups, bypass hosts, and hosts `policies` name with a path), none elsewhere (see withEvidence).
   * Per-version counts for every group with versions "all", for inline groups otherwise; recent counts over the
   * last `recentDays` days.
   */
  groupsFor(
    projectId: string,
    now: number,
    policies: readonly string[],
    opts: { versions?: "all" | "inline"; recentDays?: number } = {},
  ): PolicyGroupRow[] {
    const versions = opts.versions ?? "inline";
    const recentDays = opts.recentDays ?? RECENT_DAYS;
    const stamp = this.stamp(projectId, now, recentDays);
    const key = `${projectId}\n${versions}\n${recentDays}`;
    let entry = this.groups.get(key);
    if (!entry || !same(entry.stamp, stamp)) {
      entry = {
        stamp,
        rows: policyGroups(this.raw, projectId, {
          now,
          recentDays,
          versions,
          samplesPerGroup: 0,
        }),
      };
      this.groups.set(key, entry);
    }
    const pathHosts = pathSourceHosts(policies);
    // The cached rows are shared: groups that need more samples for these policies get a copy.
    return entry.rows.map((g) =>
      !needsAllSamples(g.directive, g.blocked) && pathHosts(g.blocked)
        ? { ...g, samples: groupSamples(this.raw, g.id, -1) }
        : g,
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
    if (same(stamp, this.stamp(projectId, now))) this.answers.set(full, { stamp, answer });
    return answer;
  }

  /** The most recent samples of groups, for evidence in answers (the build reads none for most groups). */
  samplesOf(groupId: number, limit: number): PolicyGroupRow["samples"] {
    return groupSamples(this.raw, groupId, limit);
  }
}

const same = (a: Stamp, b: Stamp): boolean => a.generation === b.generation && a.hour === b.hour;
