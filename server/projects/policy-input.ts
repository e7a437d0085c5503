// Assembles the policy builder's input for a stored project: its groups, its current policy and version history.
// Shared by the API (server/api/policy.ts) and the CLI (`cinch build --project`).
import type { Db } from "../store/db.ts";
import type { BuildInput } from "../policy/build-types.ts";
import { starterPolicy } from "../policy/starter.ts";
import { needsAllSamples, pathSourceHosts } from "../policy/sample-needs.ts";
import { policyGroups, type PolicyGroupRow } from "../store/policy-groups.ts";
import type { PolicyStore, PolicyVersionRecord } from "../store/policies.ts";
import type { ProjectRecord } from "../store/projects.ts";
import { markBlocked, type BlockedReports } from "./group-extras.ts";
import { reportToGroupFor, reportUri } from "./install.ts";

/** Hash sources → the first version that carried them (for the builder's hash verification). */
export function hashVersions(versions: readonly PolicyVersionRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of versions) {
    for (const m of v.policy.matchAll(/'sha(?:256|384|512)-[A-Za-z0-9+/=_-]+'/g)) out[m[0]] ??= v.version;
  }
  return out;
}

/** The project's current policy: the enforced version, else the newest report-only, else the starter. */
export async function currentPolicy(
  versions: PolicyStore,
  p: ProjectRecord,
  publicUrl: string,
): Promise<{ policy: string; version: number | null }> {
  return currentPolicyOf(await versions.list(p.id), p, publicUrl);
}

/** currentPolicy over the project's versions as listed (oldest first). */
function currentPolicyOf(
  all: readonly PolicyVersionRecord[],
  p: ProjectRecord,
  publicUrl: string,
): { policy: string; version: number | null } {
  const v = all.findLast((x) => x.state === "enforced") ?? all.findLast((x) => x.state === "report-only");
  if (v) return { policy: v.policy, version: v.version };
  return {
    policy: starterPolicy({
      reportUri: reportUri(publicUrl, p.reportKey),
      reportToGroup: reportToGroupFor(publicUrl),
    }),
    version: null,
  };
}

export type ProjectBuildChoices = Pick<
  BuildInput,
  "accepted" | "rejected" | "acceptUnsafe" | "minCount" | "budget"
> & {
  base?: string;
  sinceDays?: number;
};

/** Loads a project's groups for a build from `base` (the API passes its cache; the CLI reads the database). */
export type GroupLoader = (base: string, now: number) => Promise<PolicyGroupRow[]>;

/** The groups straight from the database, with every sample the engine reads for this base (see sample-needs). */
export const loadGroups =
  (db: Pick<Db, "sql">, projectId: string): GroupLoader =>
  (base, now) => {
    const pathHosts = pathSourceHosts([base]);
    return policyGroups(db.sql, projectId, {
      now,
      recentDays: 7,
      needsAll: (d, b) => needsAllSamples(d, b, pathHosts),
    });
  };

/** The full builder input for a project, plus which base it used. */
export async function projectBuildInput(
  db: Pick<Db, "sql">,
  versions: PolicyStore,
  p: ProjectRecord,
  publicUrl: string,
  choices: ProjectBuildChoices,
  now = Date.now(),
  groupsOf: GroupLoader = loadGroups(db, p.id),
  /** The project's versions, when the caller has just listed them (one query fewer). */
  listed?: PolicyVersionRecord[],
  /** What each group's reports under these versions blocked (the API keeps it current; default: one query). */
  blockedOf: (versions: number[]) => Promise<BlockedReports> = (vs) => versions.enforcedReports(p.id, vs),
): Promise<{
  input: BuildInput;
  base: string;
  baseVersion: number | null;
  versions: PolicyVersionRecord[];
  /** Groups blocked in production (already marked on `input.groups`; the policy worker marks its own). */
  blocked: BlockedReports;
}> {
  const all = listed ?? (await versions.list(p.id));
  const current = currentPolicyOf(all, p, publicUrl);
  const base = choices.base ?? current.policy;
  // Groups blocked on real pages under any version — the enforced one, or one enforced before it and retired since —
  // are decisions, never evidence (policy/suspect.ts): an injected script blocked under v1 stays suspect after v2
  // is enforced. Any version, not only those Cinch recorded as enforced: a report with disposition `enforce` tagged
  // ?v=N exists only if vN was served as Content-Security-Policy (e.g. its export with reportOnly=false).
  // Untagged `enforce` reports are not counted: they come from a policy Cinch did not issue (a site's own CSP).
  const enforced = all.findLast((v) => v.state === "enforced");
  const blocked = await blockedOf(all.map((v) => v.version));
  const groups = markBlocked(await groupsOf(base, now), blocked);
  return {
    base,
    baseVersion: choices.base !== undefined ? null : current.version,
    versions: all,
    blocked,
    input: {
      base,
      groups,
      enforcedVersion: enforced?.version,
      reportUri: reportUri(publicUrl, p.reportKey),
      // report-to only when Cinch is reached over HTTPS (see reportToGroupFor).
      reportToGroup: reportToGroupFor(publicUrl),
      minCount: choices.minCount ?? p.settings.evidenceThreshold,
      since: choices.sinceDays !== undefined ? now - choices.sinceDays * 86_400_000 : undefined,
      accepted: choices.accepted,
      rejected: choices.rejected,
      acceptUnsafe: choices.acceptUnsafe,
      budget: choices.budget,
      hashVersions: hashVersions(all),
    },
  };
}
