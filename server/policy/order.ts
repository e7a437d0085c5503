// The documented canonical order: default-src first, others alphabetical, reporting last; sorted sources.
import type { Policy } from "./csp.ts";
import { takesSourceList } from "./directives.ts";
import { rankOf } from "./source.ts";

const LAST = ["report-uri", "report-to"];

function directiveRank(name: string): number {
  if (name === "default-src") return 0;
  const last = LAST.indexOf(name);
  return last >= 0 ? 2 + last : 1;
}

/**
 * Sort a policy in place into the canonical order, so equal inputs give byte-identical output:
 * default-src, then directives alphabetically, then report-uri and report-to; sources within a
 * source list by compareSources ('none', 'self', keywords, nonces, hashes, schemes, `*`, hosts).
 */
export function sortPolicy<T extends Pick<Policy, "directives">>(policy: T): T {
  policy.directives.sort((a, b) => {
    const r = directiveRank(a.name) - directiveRank(b.name);
    if (r !== 0) return r;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  for (const d of policy.directives) if (takesSourceList(d.name)) sortSources(d.values);
  return policy;
}

/** `values.sort(compareSources)` in place, with each source's rank computed once instead of per comparison. */
function sortSources(values: string[]): void {
  const keyed = values.map((v) => ({ v, r: rankOf(v) }));
  keyed.sort((a, b) => a.r - b.r || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  keyed.forEach((k, i) => (values[i] = k.v));
}
