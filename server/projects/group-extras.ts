// What a build or preview adds to a project's cached groups: blocked-in-production counts (policy/suspect.ts) and
// whole sample rings where a policy names a host with a path. Shared by the API's in-process builds and the policy
// worker (no I/O here). The cached rows are shared: a group that gets more is a copy, the others stay as they were.
import type { PolicyGroup, PolicySample } from "../policy/groups.ts";

export type BlockedReports = ReadonlyMap<number, { reports: number; since: number }>;

/** The groups with their blocked-in-production counts (a new object for those only; the others as they were). */
export function markBlocked<G extends PolicyGroup>(groups: readonly G[], blocked: BlockedReports): G[] {
  if (blocked.size === 0) return [...groups];
  return groups.map((g) => {
    const b = typeof g.id === "number" ? blocked.get(g.id) : undefined;
    return b ? { ...g, enforcedReports: b.reports, blockedSince: b.since } : g;
  });
}

/** The groups with more samples where `extra` has them. */
export function withSamples<G extends PolicyGroup & { id: number }>(
  groups: G[],
  extra: ReadonlyMap<number, PolicySample[]>,
): G[] {
  if (extra.size === 0) return groups;
  return groups.map((g) => {
    const samples = extra.get(g.id);
    return samples ? { ...g, samples } : g;
  });
}
