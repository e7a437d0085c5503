// The evidence behind a wildcard decision (#16): the groups whose reports the covered sources allow. It was only
// the groups of this build's additions, so sources already in the base policy brought none: "Evidence: 0 reports ·
// 0 pages" for three subdomain groups holding 54 reports.
import type { PolicyGroup } from "./groups.ts";
import { urlMatchesSource } from "./match.ts";

/**
 * The groups a collapse covers, in `groups` order: those behind the additions of the covered sources (`backing`)
 * and those the candidate governs with this directive (`governs`) whose reported URL a covered source matches.
 */
export function wildcardGroups(
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
