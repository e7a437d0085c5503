// Minifier: de-duplicate, drop covered sources and redundant 'none', fold directives into their fallback.
import { clonePolicy, getDirective, parsePolicy, serializePolicy } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { fallbackChain, isFetchDirective, takesSourceList } from "./directives.ts";
import { schemePartMatches } from "./match.ts";
import { canonicalSource, parsedSource } from "./source.ts";
import type { HostSource, Source } from "./source.ts";

/** Default size budget: Cloudflare _headers' 2,000 characters per line is the tightest common limit. */
export const DEFAULT_SIZE_BUDGET = 2000;

/** One thing the minifier removed, and why. */
export type Removal = { directive: string; source: string; reason: string };

export type MinifyOptions = { budget?: number };

export type MinifyResult = {
  policy: string;
  removed: Removal[];
  length: number;
  budget: number;
  overBudget: boolean;
  warnings: string[];
};

// A Map: schemes come from the policy text ("constructor://a" is a valid host source).
const DEFAULT_PORTS = new Map<string, string>([
  ["http", "80"],
  ["https", "443"],
  ["ws", "80"],
  ["wss", "443"],
]);
const WEB_SCHEMES = ["http", "https", "ws", "wss"];

/** Schemes a source can match: its scheme and upgrades; a scheme-less source is assumed http(s). */
function schemesOf(scheme: string | null): string[] {
  if (scheme === null) return ["http", "https"];
  return [scheme, ...WEB_SCHEMES.filter((s) => s !== scheme && schemePartMatches(scheme, s))];
}

// For a covering source a scheme-less source is only trusted for https (the page may be https).
function coveredSchemes(scheme: string | null): string[] {
  return scheme === null ? ["https"] : schemesOf(scheme);
}

function portCovers(a: string | null, b: string | null, schemes: string[]): boolean {
  if (a === "*") return true;
  if (a === b) return true;
  const isDefault = (p: string | null) => p === null || schemes.every((s) => DEFAULT_PORTS.get(s) === p);
  return isDefault(a) && isDefault(b);
}

function pathCovers(a: string, b: string): boolean {
  if (a === "") return true;
  if (a.endsWith("/")) return b.startsWith(a);
  return a === b;
}

function hostCovers(a: HostSource, b: HostSource): boolean {
  const bs = schemesOf(b.scheme);
  const as = coveredSchemes(a.scheme);
  if (!bs.every((s) => as.includes(s))) return false;
  const hostOk =
    a.host === "*" || a.host === b.host || (a.host.startsWith("*.") && b.host.endsWith(a.host.slice(1)));
  return hostOk && portCovers(a.port, b.port, bs) && pathCovers(a.path, b.path);
}

/**
 * Does source `a` match every URL that `b` matches (so `b` is redundant next to `a`)? Conservative:
 * keywords, nonces and hashes are never covered by anything but themselves.
 */
export function sourceCovers(a: Source, b: Source): boolean {
  if (b.kind === "host") {
    // CSP3 §6.7.2.6 step 1: `*` matches http(s) URLs only.
    if (a.kind === "wildcard") return schemesOf(b.scheme).every((s) => s === "http" || s === "https");
    if (a.kind === "scheme") return schemesOf(b.scheme).every((s) => schemePartMatches(a.scheme, s));
    if (a.kind === "host") return hostCovers(a, b);
    return false;
  }
  if (b.kind === "scheme") {
    if (a.kind === "wildcard") return b.scheme === "http" || b.scheme === "https";
    if (a.kind === "scheme") return schemesOf(b.scheme).every((s) => schemePartMatches(a.scheme, s));
  }
  return false;
}

/**
 * Sources of `values` made redundant by another source of the same list, with the one covering it: for each
 * source, the first (lowest-index) other source that covers it and is not an equal that comes later.
 *
 * Only wildcards, schemes and host sources cover anything, and a host source only covers a host source with
 * the same host, a host under its `*.` suffix, or any host when it is `*`. Sources are indexed by host, so
 * each source is compared with a handful of candidates instead of the whole list (a 10,000-source list is
 * otherwise 10^8 comparisons). The result is the same as scanning the whole list in order.
 */
export function coveredSources(values: readonly string[]): { source: string; by: string }[] {
  const parsed = values.map(parsedSource);
  // Candidates in ascending index order: wildcards, schemes and `*` hosts; host sources by host; `*.suffix`
  // host sources by ".suffix".
  const general: number[] = [];
  const byHost = new Map<string, number[]>();
  const bySuffix = new Map<string, number[]>();
  parsed.forEach((s, k) => {
    if (s.kind === "wildcard" || s.kind === "scheme" || (s.kind === "host" && s.host === "*"))
      general.push(k);
    else if (s.kind === "host") {
      push(byHost, s.host, k);
      if (s.host.startsWith("*.")) push(bySuffix, s.host.slice(1), k);
    }
  });
  const out: { source: string; by: string }[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const b = parsed[i]!;
    if (b.kind !== "host" && b.kind !== "scheme") continue;
    let best = firstCovering(parsed, general, i, -1);
    if (b.kind === "host") {
      best = firstCovering(parsed, byHost.get(b.host), i, best);
      // `*.suffix` covers hosts ending in ".suffix": look up every suffix that starts at a dot.
      if (bySuffix.size > 0)
        for (let k = b.host.indexOf("."); k >= 0; k = b.host.indexOf(".", k + 1))
          best = firstCovering(parsed, bySuffix.get(b.host.slice(k)), i, best);
    }
    if (best >= 0) out.push({ source: values[i]!, by: values[best]! });
  }
  return out;
}

function push<K>(map: Map<K, number[]>, key: K, k: number): void {
  const list = map.get(key);
  if (list) list.push(k);
  else map.set(key, [k]);
}

/**
 * The lowest index among `best` (-1: none yet) and the `candidates` (ascending) whose source covers source
 * `i` and is not an equal that comes after it.
 */
function firstCovering(
  parsed: readonly Readonly<Source>[],
  candidates: readonly number[] | undefined,
  i: number,
  best: number,
): number {
  if (!candidates) return best;
  const b = parsed[i]!;
  for (const k of candidates) {
    if (best >= 0 && k >= best) return best;
    const a = parsed[k]!;
    if (k !== i && sourceCovers(a, b) && (!sourceCovers(b, a) || k < i)) return k;
  }
  return best;
}

function minifyList(directive: string, values: string[], removed: Removal[]): string[] {
  const seen = new Set<string>();
  let list: string[] = [];
  for (const raw of values) {
    const canon = canonicalSource(raw);
    if (seen.has(canon)) {
      removed.push({ directive, source: raw, reason: "duplicate" });
      continue;
    }
    seen.add(canon);
    list.push(canon);
  }
  const covered = new Map(coveredSources(list).map((c) => [c.source, c.by]));
  list = list.filter((s) => {
    const by = covered.get(s);
    if (by !== undefined) removed.push({ directive, source: s, reason: `covered by ${by}` });
    return by === undefined;
  });
  // CSP3 §6.7.2.5 step 3: 'none' only means something when it is the list's only source.
  if (list.length > 1 && list.includes("'none'")) {
    removed.push({ directive, source: "'none'", reason: "'none' has no effect next to other sources" });
    list = list.filter((s) => s !== "'none'");
  }
  return list;
}

/** Drop fetch directives identical to the directive they fall back to (CSP3 §6.8.4), to a fixed point. */
function foldIntoFallbacks(policy: Policy, removed: Removal[]): void {
  // Values do not change here (only whole directives go): each list's sorted distinct values, once.
  const sets = new Map<readonly string[], string[]>();
  const setOf = (values: readonly string[]) => {
    let s = sets.get(values);
    if (!s) {
      s = [...new Set(values)].sort();
      sets.set(values, s);
    }
    return s;
  };
  const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
    const sa = setOf(a);
    const sb = setOf(b);
    return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const d of [...policy.directives]) {
      if (!isFetchDirective(d.name) || d.name === "default-src") continue;
      const parent = fallbackChain(d.name)
        .slice(1)
        .map((n) => getDirective(policy, n))
        .find((x) => x !== undefined);
      if (parent && sameSet(d.values, parent.values)) {
        policy.directives = policy.directives.filter((x) => x !== d);
        removed.push({
          directive: d.name,
          source: "*",
          reason: `identical to ${parent.name}, which it falls back to`,
        });
        changed = true;
      }
    }
  }
}

/**
 * Minify a policy: de-duplicate sources, drop sources covered by another (`https://a.example.com` under
 * `*.example.com`), drop 'none' next to other sources, and drop directives identical to their fallback.
 * Warns when the result is still over the size budget (2,000 characters by default).
 */
export function minifyPolicy(policy: string | Policy, opts: MinifyOptions = {}): MinifyResult {
  const budget = opts.budget ?? DEFAULT_SIZE_BUDGET;
  const p = typeof policy === "string" ? parsePolicy(policy) : clonePolicy(policy);
  const removed: Removal[] = [];
  for (const d of p.directives) {
    if (takesSourceList(d.name)) d.values = minifyList(d.name, d.values, removed);
  }
  foldIntoFallbacks(p, removed);
  const text = serializePolicy(p);
  const overBudget = text.length > budget;
  const warnings = overBudget
    ? [
        `policy is ${text.length} characters, over the ${budget}-character budget even after minifying; ` +
          "collapse subdomains into *.domain sources or move rarely used sources out",
      ]
    : [];
  return { policy: text, removed, length: text.length, budget, overBudget, warnings };
}
