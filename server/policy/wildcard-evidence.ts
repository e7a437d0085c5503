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

/** The reported hosts of a group, as the index keys them (urlsOf's URLs, each host once). */
export const groupHosts = (urls: readonly URL[]): string[] => [...new Set(urls.map(urlHost))];

/**
 * The groups a collapse covers, in `groups` order — those behind the additions of the covered sources (`backing`)
 * and those the candidate governs with the collapse's directive (`governs`) whose reported URL a covered source
 * matches. One index serves every directive of a build: it was built per directive, and at 20,000 groups the
 * rebuilds were most of a build's time (~200 of ~300 ms after one new report, 2026-12-07).
 */
export function wildcardEvidence(
  groups: readonly PolicyGroup[],
  urlsOf: (g: PolicyGroup) => readonly URL[],
  hostsOf: (g: PolicyGroup) => readonly string[] = (g) => groupHosts(urlsOf(g)),
  /** Whether a group's URLs match a list of covered sources, kept while the group object lives (BuildMemo). */
  matches: WeakMap<PolicyGroup, Map<string, boolean>> = new WeakMap(),
  /** Only these hosts and group ids are indexed (wantedBy): the collapses asked about must be among theirs. */
  wanted?: Wanted,
): (
  governs: (g: PolicyGroup) => boolean,
  backing: readonly { groupIds: readonly (string | number)[] }[],
  covers: readonly string[],
) => PolicyGroup[] {
  // Built on first use: positions of the groups by reported host, and of every group by id.
  let ix: { byHost: Map<string, number[]>; byId: Map<string | number, number[]> } | null = null;
  const index = () => {
    const byHost = new Map<string, number[]>();
    const byId = new Map<string | number, number[]>();
    groups.forEach((g, i) => {
      if (!wanted || wanted.ids.has(g.id)) {
        const same = byId.get(g.id);
        if (same) same.push(i);
        else byId.set(g.id, [i]);
      }
      for (const h of hostsOf(g)) {
        if (wanted && !wanted.hosts.has(h)) continue;
        const list = byHost.get(h);
        if (list === undefined) byHost.set(h, [i]);
        else list.push(i);
      }
    });
    return (ix = { byHost, byId });
  };
  return (governs, backing, covers) => {
    const hosts = coveredHosts(covers);
    if (hosts === null) return scan(groups, backing, covers, governs, urlsOf);
    const { byHost, byId } = ix ?? index();
    const picked = new Set<number>();
    for (const s of backing) for (const id of s.groupIds) for (const i of byId.get(id) ?? []) picked.add(i);
    const coverKey = covers.join(" ");
    for (const h of hosts) {
      for (const i of byHost.get(h) ?? []) {
        if (picked.has(i)) continue;
        const g = groups[i]!;
        if (!governs(g)) continue;
        let known = matches.get(g);
        if (known === undefined) matches.set(g, (known = new Map()));
        let yes = known.get(coverKey);
        if (yes === undefined) {
          yes = urlsOf(g).some((url) => covers.some((source) => urlMatchesSource(url, source, null)));
          known.set(coverKey, yes);
        }
        if (yes) picked.add(i);
      }
    }
    return [...picked].sort((a, b) => a - b).map((i) => groups[i]!);
  };
}

const HOSTS = new Map<string, string[] | null>();
const HOSTS_MAX = 50_000;

/**
 * The hosts of covered sources as the index keys them, or null when one is not a plain host (every group is
 * checked). Kept per covered list (`joined`: the list joined with spaces).
 */
export function coveredHosts(covers: readonly string[], joined = covers.join(" ")): string[] | null {
  let hosts = HOSTS.get(joined);
  if (hosts !== undefined) return hosts;
  hosts = [];
  for (const raw of covers) {
    const s = parsedSource(raw);
    if (s.kind !== "host" || s.host.startsWith("*")) {
      hosts = null;
      break;
    }
    hosts.push(s.host.replace(/\.$/, "").toLowerCase());
  }
  if (HOSTS.size >= HOSTS_MAX) HOSTS.clear();
  HOSTS.set(joined, hosts);
  return hosts;
}

/** What an index needs to hold for some collapses: their covered hosts and their backing suggestions' groups. */
export type Wanted = { hosts: Set<string>; ids: Set<string | number> };

export function wantedBy(
  collapses: readonly {
    hosts: readonly string[] | null;
    backing: readonly { groupIds: readonly (string | number)[] }[];
  }[],
): Wanted {
  const out: Wanted = { hosts: new Set(), ids: new Set() };
  for (const c of collapses) {
    for (const h of c.hosts ?? []) out.hosts.add(h);
    for (const s of c.backing) for (const id of s.groupIds) out.ids.add(id);
  }
  return out;
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
