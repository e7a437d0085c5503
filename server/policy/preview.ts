// Impact preview: replay stored violation groups against a candidate policy — what would still break.
import { allowsCompiled, checkedDirective, compileSources, toUrl } from "./allow.ts";
import type { AllowCondition, AllowResult, CompiledSources } from "./allow.ts";
import { effectiveDirective, parsePolicyList } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { pageOf } from "./evidence.ts";
import type { PolicyGroup } from "./groups.ts";
import { parsedSource } from "./source.ts";

const DAY_MS = 86_400_000;

export type PreviewOptions = {
  /** "Now" in epoch ms (pure: the caller passes the clock). */
  now: number;
  /** The recent window in days (default 7). */
  windowDays?: number;
  /**
   * Keep only the first this many entries of each list (groups, sources, pages), in the same order as without a
   * limit; `counts` still gives the full lengths and the totals stay whole. Cheaper than cutting afterwards: the
   * source and page lists are then ordered by selection instead of a full sort.
   */
  listLimit?: number;
};

/** Counts for one slice of the preview. */
export type PreviewTotals = { groups: number; reports: number; recentReports: number };
export type PreviewBucket = PreviewTotals & { key: string };
export type PreviewGroup = {
  id: string | number;
  directive: string;
  blocked: string;
  count: number;
  recentCount: number;
  /** The directive whose list decided (null: nothing governs the type). */
  governing: string | null;
  pages: string[];
  condition?: AllowCondition;
};

export type PreviewResult = {
  total: PreviewTotals;
  /** Groups the policy would block if enforced now. */
  blocked: PreviewTotals;
  /** Groups allowed only on a condition reports cannot prove (nonce on the page, hash of the sample). */
  conditional: PreviewTotals;
  byDirective: PreviewBucket[];
  /** Keyed `${directive} ${blocked}`. */
  bySource: PreviewBucket[];
  byPage: PreviewBucket[];
  blockedGroups: PreviewGroup[];
  conditionalGroups: PreviewGroup[];
  /** Full lengths of the lists (they may be cut to PreviewOptions.listLimit). */
  counts: {
    blockedGroups: number;
    conditionalGroups: number;
    byDirective: number;
    bySource: number;
    byPage: number;
  };
  summary: string;
};

type Compiled = { governing: string; sources: CompiledSources } | null;

function totals(): PreviewTotals {
  return { groups: 0, reports: 0, recentReports: 0 };
}

function bump(map: Map<string, PreviewBucket>, key: string, count: number, recent: number): void {
  const b = map.get(key);
  if (b === undefined) {
    map.set(key, { key, groups: 1, reports: count, recentReports: recent });
    return;
  }
  bump1(b, count, recent);
}

function bump1(b: PreviewTotals, count: number, recent: number): void {
  b.groups++;
  b.reports += count;
  b.recentReports += recent;
}

/** Most reports first, then by key: a total order (keys are unique in a list). */
function byReports(a: PreviewBucket, b: PreviewBucket): number {
  return b.reports - a.reports || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** The first `limit` buckets in byReports order: quickselect, then a sort of those only. */
function firstSorted(list: PreviewBucket[], limit: number): PreviewBucket[] {
  if (list.length > limit * 2) {
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const pivot = list[(lo + hi) >> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (byReports(list[i]!, pivot) < 0) i++;
        while (byReports(list[j]!, pivot) > 0) j--;
        if (i <= j) {
          const t = list[i]!;
          list[i++] = list[j]!;
          list[j--] = t;
        }
      }
      if (limit - 1 <= j) hi = j;
      else if (limit - 1 >= i) lo = i;
      else break;
    }
    list.length = limit;
  }
  list.sort(byReports);
  if (list.length > limit) list.length = limit;
  return list;
}

function previewGroup(g: PolicyGroup, recentCount: number, r: AllowResult): PreviewGroup {
  const pg: PreviewGroup = {
    id: g.id,
    directive: g.directive,
    blocked: g.blocked,
    count: g.count,
    recentCount,
    governing: r.directive,
    pages: g.pages,
  };
  if (r.allowed) pg.condition = r.condition;
  return pg;
}

/**
 * Verdicts of the last few policies previewed, per group object (null: allowed outright). A verdict depends on the
 * policy's text and the group's directive, key, samples and first page only, and a group object is never changed
 * in place (the API's cache and the policy worker replace a changed group with a new object; one with samples
 * added for a request is a copy), so a group read before gets its verdict back. The same policy previewed again
 * over 18,000 groups re-checked every group: ~60 ms of the ~75 ms preview at 10 M reports (bench/README.md).
 */
const VERDICTS = new Map<string, WeakMap<PolicyGroup, AllowResult | null>>();
const VERDICT_POLICIES = 4;

function verdictsOf(policy: string): WeakMap<PolicyGroup, AllowResult | null> {
  let memo = VERDICTS.get(policy);
  if (memo === undefined) memo = new WeakMap();
  VERDICTS.delete(policy);
  VERDICTS.set(policy, memo);
  if (VERDICTS.size > VERDICT_POLICIES) VERDICTS.delete(VERDICTS.keys().next().value!);
  return memo;
}

/**
 * A group's key parsed as a URL, per group object, whatever the policy: a new policy previewed over 18,000 groups
 * parsed every key again (~15 ms of ~80 in a profile at 10 M reports).
 */
const KEY_URLS = new WeakMap<PolicyGroup, URL | null>();

function keyUrl(g: PolicyGroup): URL | undefined {
  let u = KEY_URLS.get(g);
  if (u === undefined) KEY_URLS.set(g, (u = toUrl(g.blocked)));
  return u ?? undefined;
}

/** The verdict for one group under one policy: every sample URL (or the key) must be allowed. */
function verdict(policy: Policy, cache: Map<string, Compiled>, g: PolicyGroup): AllowResult {
  const directive = checkedDirective(g);
  let compiled = cache.get(directive);
  if (compiled === undefined) {
    const d = effectiveDirective(policy, directive);
    compiled = d ? { governing: d.name, sources: compileSources(d.values.map(parsedSource)) } : null;
    cache.set(directive, compiled);
  }
  const documentUrl = pageOf(g) ?? "https://invalid.invalid/";
  const sample = g.samples.find((s) => s.sample !== "")?.sample ?? "";
  const urls = g.blocked.includes("://")
    ? g.samples.map((s) => s.blockedUrl).filter((u) => u.includes("://"))
    : [];
  const values = urls.length > 0 ? [...new Set(urls)] : [g.blocked];
  let result: AllowResult = { allowed: true, directive: compiled?.governing ?? null };
  // The key of a URL group checked alone is parsed once per group (allowsCompiled parses what it is not given).
  const parsed = urls.length === 0 && g.blocked.includes("://") ? keyUrl(g) : undefined;
  for (const blocked of values) {
    const r = allowsCompiled(
      directive,
      compiled?.sources ?? null,
      compiled?.governing ?? null,
      { directive, blocked, documentUrl, sample },
      parsed,
    );
    if (!r.allowed) return r;
    if (r.condition) result = r;
  }
  return result;
}

/**
 * Replay violation groups against `policy` (several comma-separated policies must all allow): what
 * would still be blocked, by directive, source and page, with report counts, and the one-line summary
 * "enforce this now and N groups (M reports in the last 7 days) break". Recent reports use a group's
 * recentCount, else all its reports when it was last seen inside the window. Linear in the groups;
 * source lists are parsed once per directive.
 */
export function previewImpact(
  policy: string,
  groups: readonly PolicyGroup[],
  opts: PreviewOptions,
): PreviewResult {
  const windowDays = opts.windowDays ?? 7;
  const since = opts.now - windowDays * DAY_MS;
  const policies = parsePolicyList(policy);
  const caches = policies.map(() => new Map<string, Compiled>());
  const result: PreviewResult = {
    total: totals(),
    blocked: totals(),
    conditional: totals(),
    byDirective: [],
    bySource: [],
    byPage: [],
    blockedGroups: [],
    conditionalGroups: [],
    counts: { blockedGroups: 0, conditionalGroups: 0, byDirective: 0, bySource: 0, byPage: 0 },
    summary: "",
  };
  const byDirective = new Map<string, PreviewBucket>();
  // Per directive, then blocked key: no "directive blocked" string is built (and hashed) per group.
  const bySource = new Map<string, Map<string, PreviewBucket>>();
  const byPage = new Map<string, PreviewBucket>();
  const total = result.total;
  const limit = opts.listLimit ?? Infinity;
  const verdicts = verdictsOf(policy);
  for (const g of groups) {
    const recentCount = g.recentCount ?? (g.lastSeen >= since ? g.count : 0);
    total.groups++;
    total.reports += g.count;
    total.recentReports += recentCount;
    let r = verdicts.get(g);
    if (r === undefined) {
      r = null;
      for (let i = 0; i < policies.length; i++) {
        const v = verdict(policies[i]!, caches[i]!, g);
        if (!v.allowed || v.condition) r = v;
        if (!v.allowed) break;
      }
      verdicts.set(g, r);
    }
    if (r === null) continue; // allowed outright: only the totals count it
    const count = g.count;
    // Only the first `limit` groups of each list are kept: no object is made for the others.
    if (r.allowed) {
      bump1(result.conditional, count, recentCount);
      if (result.conditionalGroups.length < limit)
        result.conditionalGroups.push(previewGroup(g, recentCount, r));
      continue;
    }
    bump1(result.blocked, count, recentCount);
    if (result.blockedGroups.length < limit) result.blockedGroups.push(previewGroup(g, recentCount, r));
    bump(byDirective, g.directive, count, recentCount);
    let sources = bySource.get(g.directive);
    if (sources === undefined) bySource.set(g.directive, (sources = new Map()));
    const b = sources.get(g.blocked);
    if (b === undefined)
      sources.set(g.blocked, {
        key: `${g.directive} ${g.blocked}`,
        groups: 1,
        reports: count,
        recentReports: recentCount,
      });
    else bump1(b, count, recentCount);
    for (const page of g.pages) bump(byPage, page, count, recentCount);
  }
  const sources = [...bySource.values()].flatMap((m) => [...m.values()]);
  result.counts = {
    blockedGroups: result.blocked.groups,
    conditionalGroups: result.conditional.groups,
    byDirective: byDirective.size,
    bySource: sources.length,
    byPage: byPage.size,
  };
  result.byDirective = firstSorted([...byDirective.values()], limit);
  result.bySource = firstSorted(sources, limit);
  result.byPage = firstSorted([...byPage.values()], limit);
  result.summary = summarize(result, windowDays);
  return result;
}

function summarize(r: PreviewResult, windowDays: number): string {
  const b = r.blocked;
  const head =
    b.groups === 0
      ? `Enforcing this now breaks none of the ${r.total.groups} known groups.`
      : `Enforce this now and ${b.groups} group${b.groups === 1 ? "" : "s"} (${b.recentReports} report${b.recentReports === 1 ? "" : "s"} in the last ${windowDays} days) break.`;
  const c = r.conditional;
  return c.groups === 0
    ? head
    : `${head} ${c.groups} more ${c.groups === 1 ? "is" : "are"} allowed only if the page carries the nonce or the hash matches the whole code.`;
}
