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

/** What the export and the pipeline URL serve: the enforced version, the report-only candidate, or both. */
export const DEPLOY_STATES = ["both", "enforced", "report-only"] as const;
export type DeployState = (typeof DEPLOY_STATES)[number];

type VersionLike = { version: number; state: string; policy: string };

/**
 * The deployed set, as served: the newest enforced version in enforce mode, then the newest report-only version
 * as the candidate beside it, each with `?v=N` on its report URL so every report is attributed. Empty when no
 * version is in the asked state (the caller serves the starter, or says there is none).
 */
export function deployedSet(
  versions: readonly VersionLike[],
  state: DeployState = "both",
): { policy: string; reportOnly: boolean; version: number }[] {
  const newest = (s: string) =>
    versions.filter((v) => v.state === s).sort((a, b) => b.version - a.version)[0];
  const enforced = state === "report-only" ? undefined : newest("enforced");
  const candidate = state === "enforced" ? undefined : newest("report-only");
  const out: { policy: string; reportOnly: boolean; version: number }[] = [];
  if (enforced)
    out.push({
      policy: withPolicyVersion(enforced.policy, enforced.version),
      reportOnly: false,
      version: enforced.version,
    });
  if (candidate)
    out.push({
      policy: withPolicyVersion(candidate.policy, candidate.version),
      reportOnly: true,
      version: candidate.version,
    });
  return out;
}

/** Rename the report-to group (the candidate beside an enforced policy reports to its own, tagged endpoint). */
export function withReportToGroup(policy: string, group: string): string {
  const p = parsePolicy(policy);
  for (const d of p.directives) if (d.name === "report-to") d.values = [group];
  return serializePolicy(p);
}
