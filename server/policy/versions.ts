// Rollout helpers: tag a version's report URL with ?v=N, and compare the groups two versions saw.
import { parsePolicy, serializePolicy } from "./csp.ts";
import type { PolicyGroup } from "./groups.ts";

/** Set the `v` query parameter of a report URL (other parameters kept); invalid URLs are returned as is. */
export function withVersionParam(url: string, version: number): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  u.searchParams.set("v", String(version));
  return u.toString();
}

/**
 * The policy with `?v=N` on every report-uri URL, so reports sent under this version are tagged with it
 * (report-to names a group; tag its Reporting-Endpoints URL with withVersionParam).
 */
export function withPolicyVersion(policy: string, version: number): string {
  const p = parsePolicy(policy);
  for (const d of p.directives) {
    if (d.name === "report-uri") d.values = d.values.map((v) => withVersionParam(v, version));
  }
  return serializePolicy(p);
}

/** What changed between two versions, by the groups' per-version counts. */
export type VersionComparison = {
  /** Groups with reports under `version` and none under `previous`: what the new version broke. */
  added: PolicyGroup[];
  /** Groups with reports under `previous` and none under `version`: what the new version fixed. */
  resolved: PolicyGroup[];
  /** Groups seen under both. */
  persisting: PolicyGroup[];
};

/**
 * Compare version `version` with `previous` (default version − 1) using countsByVersion: the groups
 * vN saw that vN−1 did not, those it no longer sees, and those both saw. Input order is kept.
 */
export function compareVersions(
  groups: readonly PolicyGroup[],
  version: number,
  previous: number = version - 1,
): VersionComparison {
  const result: VersionComparison = { added: [], resolved: [], persisting: [] };
  for (const g of groups) {
    const now = (g.countsByVersion?.[version] ?? 0) > 0;
    const before = (g.countsByVersion?.[previous] ?? 0) > 0;
    if (now && before) result.persisting.push(g);
    else if (now) result.added.push(g);
    else if (before) result.resolved.push(g);
  }
  return result;
}
