// The evidence behind a wildcard decision (#16): the groups whose reports the covered sources allow. It was only
// the groups of this build's additions, so sources already in the base policy brought none: "Evidence: 0 reports ·
// 0 pages" for three subdomain groups holding 54 reports.
// Indexed by host (#17): scanning every group for every collapse made a 20,000-group build take minutes (150 s for
// 18,000 groups and their collapses); a covered source is a host without a wildcard, which only matches URLs of
// that very host, so only the groups that reported that host are checked (with the same match as before).
import type { PolicyGroup } from "./groups.ts";
import { urlMatchesSource } from "./match.ts";
import { parsedSource } from "./source.ts";

/** A host as hostPartMatches compares it: lower case, no trailing dot, no IPv6 brackets. */
const urlHost = (url: URL): string =>
  url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");

/**
 * For one directive: the groups a collapse covers, in `groups` order — those behind the additions of the covered
 * sources (`backing`) and those the candidate governs with this directive (`governs`) whose reported URL a covered
 * source matches.
 */
export function wildcardEvidence(
  groups: readonly PolicyGroup[],
  governs: (g: PolicyGroup) => boolean,
  urlsOf: (g: PolicyGroup) => readonly URL[],
): (
  backing: readonly { groupIds: readonly (string | number)[] }[],
  covers: readonly string[],
) => PolicyGroup[] {
  // Built on first use: positions of the governed groups by reported host, and of every group by id.
  let byHost: Map<string, number[]> | null = null;
  let byId: Map<string | number, number[]> | null = null;
  const index = () => {
    byHost = new Map();
    byId = new Map();
    groups.forEach((g, i) => {
      const same = byId!.get(g.id);
      if (same) same.push(i);
      else byId!.set(g.id, [i]);
      if (!governs(g)) return;
      for (const url of urlsOf(g)) {
        const h = urlHost(url);
        const list = byHost!.get(h);
        if (list === undefined) byHost!.set(h, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    });
    return { byHost, byId };
  };
  return (backing, covers) => {
    const hosts: string[] = [];
    for (const raw of covers) {
      const s = parsedSource(raw);
      if (s.kind !== "host" || s.host.startsWith("*")) return scan(groups, backing, covers, governs, urlsOf);
      hosts.push(s.host.replace(/\.$/, ""));
    }
    const ix = byHost && byId ? { byHost, byId } : index();
    const picked = new Set<number>();
    for (const s of backing)
      for (const id of s.groupIds) for (const i of ix.byId.get(id) ?? []) picked.add(i);
    for (const h of hosts) {
      for (const i of ix.byHost.get(h) ?? []) {
        if (picked.has(i)) continue;
        const g = groups[i]!;
        if (urlsOf(g).some((url) => covers.some((source) => urlMatchesSource(url, source, null))))
          picked.add(i);
      }
    }
    return [...picked].sort((a, b) => a - b).map((i) => groups[i]!);
  };
}

/** Every group checked (covers that are not plain hosts). */
function scan(
  groups: readonly PolicyGroup[],
  backing: readonly { groupIds: readonly (string | number)[] }[],
  covers: readonly string[],
  governs: (g: PolicyGroup) => boolean,
  urlsOf: (g: PolicyGroup) => readonly URL[],
): PolicyGroup[] {
  const ids = new Set<string | number>();
  for (const s of backing) for (const id of s.groupIds) ids.add(id);
  return groups.filter(
    (g) =>
      ids.has(g.id) ||
      (governs(g) && urlsOf(g).some((url) => covers.some((source) => urlMatchesSource(url, source, null)))),
  );
}
