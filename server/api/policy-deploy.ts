// What is deployed and how its rollout goes: the export (default: the enforced version plus the report-only
// candidate, two headers), the public read-only GET /p/:policyKey/policy for deploy pipelines, the policy key, and
// each version's rollout status.
import Router from "@koa/router";
import { z } from "zod";
import { booleanText as bool } from "../schemas.ts";
import type { Context } from "koa";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { FieldError, HttpError, notFound } from "../http/errors.ts";
import {
  DEPLOY_STATES,
  deployedSet,
  withPolicyVersion,
  withReportToGroup,
  type DeployState,
} from "../policy/versions.ts";
import { EXPORT_FORMATS, ExportError } from "../policy/export/index.ts";
import { exportDeployed, type DeployedPolicy } from "../policy/export/deployed.ts";
import { rolloutStatus } from "../policy/rollout.ts";
import type { PolicyCache } from "./policy-cache.ts";
import { presentPolicyKey, presentRollout, presentVersionRollout } from "./present-policy.ts";
import type { VersionRolloutDto } from "../contract.ts";
import { currentPolicy, hashVersions } from "../projects/policy-input.ts";
import { stateChanges, type PolicyStore, type PolicyVersionRecord } from "../store/policies.ts";
import type { ProjectRecord } from "../store/projects.ts";
import { REPORT_TO_GROUP, reportToGroupFor, reportUri } from "../projects/install.ts";
import { withReportHashes } from "../scripts/report-hashes.ts";

const versionNumber = z
  .string()
  .regex(/^\d{1,9}$/, "must be a version number")
  .transform(Number);

const exportQuery = z
  .object({
    format: z.enum(EXPORT_FORMATS).default("header"),
    version: versionNumber.optional(),
    reportOnly: bool.optional(),
    companions: bool.default(false),
    /** Without `version`: the enforced version, the report-only candidate, or both (two headers). */
    state: z.enum(DEPLOY_STATES).default("both"),
  })
  .strict();

/** The report-to group of a report-only candidate served beside the enforced policy. */
const CANDIDATE_GROUP = `${REPORT_TO_GROUP}-candidate`;

/** The policy a version is served with: its report URL carries ?v=N so reports are attributed to it. */
const versionedPolicy = (v: PolicyVersionRecord): string => withPolicyVersion(v.policy, v.version);

const noVersionIn = (state: DeployState) =>
  new HttpError(
    404,
    "no_policy",
    state === "both"
      ? "this project has no enforced or report-only policy version yet"
      : `this project has no ${state} policy version yet`,
  );

/** Register the export, key and rollout routes; returns the public router and the deploy-header helper. */
export function deployRoutes(
  api: ApiRouter,
  deps: AppDeps,
  ctx0: {
    versions: PolicyStore;
    cache: PolicyCache;
    project: (id: string | undefined) => Promise<ProjectRecord>;
  },
): { router: Router; deployHeaders: (p: ProjectRecord) => Promise<string> } {
  const { projects, config } = deps;
  const { versions, cache, project } = ctx0;

  /** Reporting-Endpoints for exports: only when Cinch is reached over HTTPS (the Reporting API needs it). */
  const endpointsFor = (p: ProjectRecord, version: number | undefined): Record<string, string> =>
    reportToGroupFor(config.publicUrl)
      ? { [REPORT_TO_GROUP]: reportUri(config.publicUrl, p.reportKey, version) }
      : {};

  /**
   * Render the deployed set. Beside an enforced policy the report-only candidate reports to its own report-to
   * group, so Reporting API reports are tagged with its version too (report-uri carries ?v=N in the policy).
   * Reporting-Endpoints only when Cinch is reached over HTTPS (see endpointsFor). Throws ExportError.
   */
  const render = (
    set: DeployedPolicy[],
    q: { format: (typeof EXPORT_FORMATS)[number]; companions: boolean },
    p: ProjectRecord,
  ): string => {
    // The script inventory's opt-in (#18): 'report-sha384' in every policy served or exported.
    if (p.settings.reportScriptHashes) for (const d of set) d.policy = withReportHashes(d.policy);
    const [first, second] = set;
    const endpoints = endpointsFor(p, first?.version ?? undefined);
    if (first && second && Object.keys(endpoints).length > 0) {
      second.policy = withReportToGroup(second.policy, CANDIDATE_GROUP);
      Object.assign(endpoints, {
        [CANDIDATE_GROUP]: reportUri(config.publicUrl, p.reportKey, second.version ?? undefined),
      });
    }
    return exportDeployed(set, q.format, { companions: q.companions, reportingEndpoints: endpoints });
  };

  const exportText = (
    ctx: Context,
    set: DeployedPolicy[],
    q: { format: (typeof EXPORT_FORMATS)[number]; companions: boolean },
    p: ProjectRecord,
  ): void => {
    try {
      ctx.type = "text/plain; charset=utf-8";
      ctx.body = render(set, q, p);
    } catch (err) {
      // meta + report-only names the format: the dashboard shows it at the format choice (#16).
      if (err instanceof ExportError) throw new FieldError(err.id, err.message, "format");
      throw err;
    }
  };

  /**
   * The header lines of what is deployed now, exactly as the default export renders them (Reporting-Endpoints
   * included when Cinch is reached over HTTPS): the starter, report-only, before any version runs.
   */
  const deployHeaders = async (p: ProjectRecord): Promise<string> => {
    const set: DeployedPolicy[] = deployedSet(await versions.list(p.id));
    if (set.length === 0)
      set.push({
        policy: (await currentPolicy(versions, p, config.publicUrl)).policy,
        reportOnly: true,
        version: null,
      });
    return render(set, { format: "header", companions: false }, p);
  };

  api.add("get", "/projects/:id/policy/rollout", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const all = await versions.list(p.id);
    const now = Date.now();
    const groups = await cache.groupsFor(p.id, now, [], { versions: "all" });
    const enforced = all.findLast((v) => v.state === "enforced") ?? null;
    const hashes = hashVersions(all);
    const statuses: VersionRolloutDto[] = [];
    for (const v of [...all].reverse()) {
      if (v.state === "retired") continue;
      const changes = stateChanges(v.notes);
      const since = changes["report-only"] ?? null;
      const until = v.state === "report-only" ? null : (changes.enforced ?? null);
      const activity = await versions.versionActivity(p.id, v.version);
      const status = rolloutStatus({
        version: v.version,
        state: v.state,
        policy: v.policy,
        reportOnlySince: since,
        reportOnlyUntil: until !== null && since !== null && until > since ? until : null,
        ...activity,
        groups,
        enforcedVersion: enforced?.version ?? null,
        hashVersions: hashes,
        now,
      });
      statuses.push(presentVersionRollout(status, v.state));
    }
    // Untagged reports while a version is deployed: someone serves a policy copied without ?v=N.
    const deployed = deployedSet(all);
    const deployedSince = Math.min(
      ...deployed.map((d) => {
        const c = stateChanges(all.find((v) => v.version === d.version)?.notes ?? {});
        return (d.reportOnly ? c["report-only"] : c.enforced) ?? now;
      }),
    );
    const untagged = deployed.length > 0 ? await versions.untaggedSince(p.id, deployedSince) : 0;
    ctx.body = presentRollout({
      enforced: enforced?.version ?? null,
      reportOnly: deployed.find((d) => d.reportOnly)?.version ?? null,
      deploy: await deployHeaders(p),
      untagged: untagged > 0 ? { reports: untagged, since: deployedSince } : null,
      versions: statuses,
    });
  });

  api.add("get", "/projects/:id/policy/export", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(exportQuery, ctx.query);
    if (q.version !== undefined) {
      const v = await versions.get(p.id, q.version);
      if (!v) throw notFound("policy version");
      const reportOnly = q.reportOnly ?? v.state !== "enforced";
      exportText(ctx, [{ policy: versionedPolicy(v), reportOnly, version: v.version }], q, p);
      return;
    }
    // The default is what is deployed: enforced (?v=E) and the report-only candidate (?v=R) beside it.
    const set: DeployedPolicy[] = deployedSet(await versions.list(p.id), q.state);
    if (set.length === 0) {
      if (q.state !== "both") throw noVersionIn(q.state);
      const { policy } = await currentPolicy(versions, p, config.publicUrl);
      set.push({ policy, reportOnly: q.reportOnly ?? true, version: null });
    } else if (q.reportOnly !== undefined && set.length === 1) set[0]!.reportOnly = q.reportOnly;
    exportText(ctx, set, q, p);
  });

  api.add("get", "/projects/:id/policy/key", "admin", async (ctx) => {
    const p = await project(ctx.params.id);
    ctx.body = presentPolicyKey(p.policyKey, config.publicUrl);
  });

  api.add("post", "/projects/:id/policy/key", "admin", async (ctx) => {
    const p = await projects.rotatePolicyKey((await project(ctx.params.id)).id);
    if (!p) throw notFound("project");
    ctx.body = presentPolicyKey(p.policyKey, config.publicUrl);
  });

  // Public, read-only, revocable (rotate the key): what deploy pipelines fetch.
  const pub = new Router();
  pub.get("/p/:policyKey/policy", async (ctx) => {
    const q = parseInput(exportQuery.omit({ version: true }), ctx.query);
    const p = await projects.byPolicyKey(ctx.params.policyKey ?? "");
    if (!p) throw notFound("policy key");
    const set = deployedSet(await versions.list(p.id), q.state);
    if (set.length === 0) throw noVersionIn(q.state);
    if (q.reportOnly !== undefined && set.length === 1) set[0]!.reportOnly = q.reportOnly;
    ctx.set("Cache-Control", "no-store");
    const enforced = set.find((v) => !v.reportOnly);
    const candidate = set.find((v) => v.reportOnly);
    // The version whose policy is enforced, else the report-only one; the candidate beside it in its own header.
    ctx.set("X-Cinch-Policy-Version", String((enforced ?? candidate)!.version));
    if (enforced && candidate) ctx.set("X-Cinch-Report-Only-Version", String(candidate.version));
    exportText(ctx, set, q, p);
  });
  return { router: pub, deployHeaders };
}
