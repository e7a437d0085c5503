// Assembles the policy builder's input for a stored project: its groups, its current policy and version history.
// Shared by the API (server/api/policy.ts) and the CLI (`cinch build --project`).
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { BuildInput } from "../policy/build-types.ts";
import { starterPolicy } from "../policy/starter.ts";
import { policyGroups } from "../store/violations.ts";
import type { PolicyStore, PolicyVersionRecord } from "../store/policies.ts";
import type { ProjectRecord } from "../store/projects.ts";
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
  const v = (await versions.latestIn(p.id, ["enforced"])) ?? (await versions.latestIn(p.id, ["report-only"]));
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

/** The full builder input for a project, plus which base it used. */
export async function projectBuildInput(
  prisma: PrismaClient,
  versions: PolicyStore,
  p: ProjectRecord,
  publicUrl: string,
  choices: ProjectBuildChoices,
  now = Date.now(),
): Promise<{ input: BuildInput; base: string; baseVersion: number | null }> {
  const [groups, all, current] = await Promise.all([
    policyGroups(prisma, p.id, { now, recentDays: 7 }),
    versions.list(p.id),
    currentPolicy(versions, p, publicUrl),
  ]);
  const base = choices.base ?? current.policy;
  return {
    base,
    baseVersion: choices.base !== undefined ? null : current.version,
    input: {
      base,
      groups,
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
