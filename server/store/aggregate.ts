// Aggregating a batch of reports for one commit: groups, hours, running totals, directive rollups, samples and
// counters. Pure (no database): both storage engines turn the same aggregate into their own SQL.
import type { Violation } from "../reports/types.ts";
import { fingerprint } from "../reports/fingerprint.ts";
import type { ScriptSighting } from "../scripts/sighting.ts";
import { aggregateScripts, type ScriptDelta } from "./scripts-aggregate.ts";
import { BreakdownBatch, browserOf, pageOf } from "./breakdown.ts";

export const HOUR_MS = 3_600_000;

export type ReportTags = { policyVersion: number | null; env: string };

/** One request's violations as queued for a commit. */
export type BatchItem = {
  projectId: string;
  violations: readonly Violation[];
  tags: ReportTags;
  receivedAt: number;
  /** The request's script sightings (#18): the inventory's, never a violation group's. */
  scripts?: readonly ScriptSighting[] | undefined;
};

/** Bounds the aggregate and the engines keep. */
export type AggregateLimits = {
  /** Samples kept per group (ring buffer). */
  ring: number;
  /** Samples written per group per commit (the most recent ones). */
  perFlush: number;
  maxPages: number;
  maxBrowsers: number;
};

export type HourDelta = {
  hour: number;
  disposition: string;
  policyVersion: number;
  env: string;
  count: number;
};

export type RecentReport = { v: Violation; at: number; tags: ReportTags };

/** What a batch adds to one group (project, fingerprint). */
export type GroupDelta = {
  projectId: string;
  fp: string;
  /** The first violation of the batch in this group: its directive, blocked key and noise are the group's. */
  first: Violation;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** At most maxPages / maxBrowsers new values, in arrival order. */
  pages: Set<string>;
  browsers: Set<string>;
  /** The newest reports of the batch (at least perFlush of them), oldest first. */
  recent: RecentReport[];
  hours: Map<string, HourDelta>;
  /** Reports per UTC day by page and by browser, bounded (breakdown.ts). */
  breakdown: BreakdownBatch;
};

export type DirectiveHourDelta = {
  projectId: string;
  hour: number;
  directive: string;
  noise: string;
  count: number;
};
export type CounterDelta = { projectId: string; hour: number; kind: string; count: number };

export type BatchAggregate = {
  /** Keyed by groupKey(projectId, fingerprint). */
  groups: Map<string, GroupDelta>;
  directiveHours: DirectiveHourDelta[];
  counters: CounterDelta[];
  /** Projects whose non-noise groups this batch changes. */
  touched: Set<string>;
  reports: number;
  /** The script inventory's part (#18; store/scripts-aggregate.ts). */
  scripts: ScriptDelta[];
};

export const groupKey = (projectId: string, fp: string): string => `${projectId}\n${fp}`;
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/** Event counters (accepted/noise/sampled/rejected:<reason>) per project and hour, summed until the next commit. */
export class Counters {
  private readonly map = new Map<string, CounterDelta>();

  add(projectId: string, kind: string, n: number, at: number): void {
    const hour = hourOf(at);
    // Structured entries, not a split key: a kind is never parsed back out of a string.
    const key = `${projectId}\n${hour}\n${kind}`;
    const c = this.map.get(key);
    if (c) c.count += n;
    else this.map.set(key, { projectId, hour, kind, count: n });
  }

  get size(): number {
    return this.map.size;
  }

  entries(): CounterDelta[] {
    return [...this.map.values()];
  }
}

const CACHE_MAX = 100_000;

/**
 * fingerprint() memoized on its input: a SHA-256 per report was ~3 µs, about 4% of the ingest CPU in the benchmark
 * (bench/results/latest.md), while a busy project repeats the same few hundred groups. Bounded.
 */
const fingerprints = new Map<string, string>();
export function fingerprintOf(v: Violation): string {
  const key = `${v.directive}\n${v.blockedKey}\n${v.noise ?? ""}`;
  let fp = fingerprints.get(key);
  if (fp === undefined) {
    fp = fingerprint(v);
    if (fingerprints.size >= CACHE_MAX) fingerprints.clear();
    fingerprints.set(key, fp);
  }
  return fp;
}

/** Aggregate a batch and the counters gathered since the last commit (accepted/noise are added here). */
export function aggregateBatch(
  batch: readonly BatchItem[],
  counters: Counters,
  limits: AggregateLimits,
): BatchAggregate {
  const groups = new Map<string, GroupDelta>();
  const touched = new Set<string>();
  const directiveHours = new Map<string, DirectiveHourDelta>();
  let reports = 0;
  for (const p of batch) {
    const hour = hourOf(p.receivedAt);
    let noise = 0;
    reports += p.violations.length;
    for (const v of p.violations) {
      if (v.noise !== null) noise++;
      // directive and noise are part of the fingerprint: they are the group's own directive and noise.
      const dk = `${p.projectId}\n${hour}\n${v.directive}\n${v.noise ?? ""}`;
      const dh = directiveHours.get(dk);
      if (dh) dh.count++;
      else
        directiveHours.set(dk, {
          projectId: p.projectId,
          hour,
          directive: v.directive,
          noise: v.noise ?? "",
          count: 1,
        });
      const fp = fingerprintOf(v);
      const key = groupKey(p.projectId, fp);
      let d = groups.get(key);
      if (!d) {
        d = {
          projectId: p.projectId,
          fp,
          first: v,
          count: 0,
          firstSeen: p.receivedAt,
          lastSeen: p.receivedAt,
          pages: new Set(),
          browsers: new Set(),
          recent: [],
          hours: new Map(),
          breakdown: new BreakdownBatch(),
        };
        groups.set(key, d);
      }
      d.count++;
      if (p.receivedAt < d.firstSeen) d.firstSeen = p.receivedAt;
      if (p.receivedAt > d.lastSeen) d.lastSeen = p.receivedAt;
      if (v.documentUrl && d.pages.size < limits.maxPages) d.pages.add(v.documentUrl);
      if (v.browser && d.browsers.size < limits.maxBrowsers) d.browsers.add(v.browser);
      d.breakdown.add(p.receivedAt, "page", pageOf(v.documentUrl));
      d.breakdown.add(p.receivedAt, "browser", browserOf(v.browser));
      d.recent.push({ v, at: p.receivedAt, tags: p.tags });
      if (d.recent.length > limits.perFlush * 4) d.recent.splice(0, d.recent.length - limits.perFlush);
      const disposition = v.disposition ?? "";
      const pv = p.tags.policyVersion ?? 0;
      const hk = `${hour}\n${disposition}\n${pv}\n${p.tags.env}`;
      const h = d.hours.get(hk);
      if (h) h.count++;
      else d.hours.set(hk, { hour, disposition, policyVersion: pv, env: p.tags.env, count: 1 });
    }
    // Accepted/noise counters commit in the same transaction as the reports they count.
    const accepted = p.violations.length - noise;
    if (accepted > 0) {
      counters.add(p.projectId, "accepted", accepted, p.receivedAt);
      touched.add(p.projectId);
    }
    if (noise > 0) counters.add(p.projectId, "noise", noise, p.receivedAt);
  }
  // Before counters.entries(): the script sightings add their own counter.
  const scripts = aggregateScripts(batch, counters);
  return {
    groups,
    directiveHours: [...directiveHours.values()],
    counters: counters.entries(),
    touched,
    reports,
    scripts,
  };
}

/** A group's reports per hour over all tags: what its running totals grow by. */
export function perHour(d: GroupDelta): Map<number, number> {
  const out = new Map<number, number>();
  for (const h of d.hours.values()) out.set(h.hour, (out.get(h.hour) ?? 0) + h.count);
  return out;
}

/**
 * A sample already in the ring is not written again for SAMPLE_REFRESH_MS: a busy group repeating the same few
 * violations would otherwise rewrite its ring every commit (up to 4 rows per group every 5 ms, the largest part
 * of the write work in the benchmark) and fill it with copies. The key leaves out the page and browser (the group
 * keeps those lists itself) but keeps the policy version, so hash verification still sees a sample reported again
 * under a newer version.
 */
export const SAMPLE_REFRESH_MS = 60_000;

export const sampleKey = (v: Violation, tags: ReportTags): string =>
  `${v.blocked}\n${v.sample}\n${v.sourceFile}\n${v.line ?? ""}\n${v.disposition ?? ""}\n${tags.policyVersion ?? ""}`;

/** What a ring slot holds (sample key and when it was written), as far as this process wrote it. */
export type SlotState = { key: string; at: number } | undefined;

/** The newest of a commit's reports worth a ring slot (at most perFlush, oldest first; see SAMPLE_REFRESH_MS). */
export function newSamples(
  slots: readonly SlotState[],
  recent: readonly RecentReport[],
  perFlush: number,
): (RecentReport & { key: string })[] {
  const out: (RecentReport & { key: string })[] = [];
  const seen = new Set<string>();
  for (let i = recent.length - 1; i >= 0 && out.length < perFlush; i--) {
    const r = recent[i]!;
    const key = sampleKey(r.v, r.tags);
    if (seen.has(key)) continue;
    seen.add(key);
    if (slots.some((x) => x !== undefined && x.key === key && r.at - x.at < SAMPLE_REFRESH_MS)) continue;
    out.push({ ...r, key });
  }
  return out.reverse();
}

/** Add new values to a bounded list; returns the new list, or null when nothing changed. */
export function mergeBounded(
  current: readonly string[],
  added: Iterable<string>,
  max: number,
): string[] | null {
  if (current.length >= max) return null;
  let list: string[] | null = null;
  for (const x of added) {
    if ((list ?? current).length >= max) break;
    if (!current.includes(x)) {
      list ??= [...current];
      if (!list.includes(x)) list.push(x);
    }
  }
  return list;
}

/** A stored JSON list of strings, tolerating anything else as empty. */
export function parseList(json: unknown): string[] {
  try {
    const v: unknown = JSON.parse(String(json));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
