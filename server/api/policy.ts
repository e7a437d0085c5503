// /api/projects/:id/policy/* (suggestion, build, evaluate, preview, versions, compare); the export, public key,
// pipeline URL and rollout status are in policy-deploy.ts.
import type Router from "@koa/router";
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { badRequest, conflict, notFound, unavailable } from "../http/errors.ts";
import { buildPolicy } from "../policy/build.ts";
import { evaluatePolicy } from "../policy/grade.ts";
import { previewImpact } from "../policy/preview.ts";
import { compareVersions } from "../policy/versions.ts";
import { parsePolicy, policySyntaxError } from "../policy/csp.ts";
import { minifyPolicy } from "../policy/minify.ts";
import { answerJson, sampleNeeds } from "./build-answer.ts";
import { evidenceSamples } from "./evidence-samples.ts";
import { PolicyCache, type GroupsEntry } from "./policy-cache.ts";
import { AnswerBytes, freeBytes } from "./answer-bytes.ts";
import { PolicyWorker, PolicyWorkerUnavailable } from "../policy-worker/pool.ts";
import { withSamples as withMoreSamples } from "../projects/group-extras.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import { deployRoutes } from "./policy-deploy.ts";
import {
  EVIDENCE_SAMPLES,
  type BuildPage,
  presentComparison,
  presentEvaluation,
  presentMoved,
  presentPreview,
  presentVersion,
  presentVersions,
} from "./present-policy.ts";
import { projectBuildInput } from "../projects/policy-input.ts";
import { PolicyStore, POLICY_STATES, canMove } from "../store/policies.ts";
import type { ProjectRecord } from "../store/projects.ts";

const policyText = z
  .string()
  .max(20_000, "must be at most 20,000 characters")
  .refine((s) => !/[\r\n\0]/.test(s), "must not contain line breaks or NUL");

/** The body of POST /policy/build (the contract's BuildRequest; test/api/policy-contract.test.ts checks they agree). */
export const buildSchema = z
  .object({
    base: policyText.optional(),
    accepted: z.array(z.string().max(600)).max(2000).optional(),
    rejected: z.array(z.string().max(600)).max(2000).optional(),
    acceptUnsafe: z
      .array(z.object({ directive: z.string().max(40), keyword: z.string().max(40) }).strict())
      .max(50)
      .optional(),
    minCount: z.number().int().min(1).max(1_000_000).optional(),
    sinceDays: z.number().int().min(1).max(400).optional(),
  })
  .strict();

const versionNumber = z
  .string()
  .regex(/^\d{1,9}$/, "must be a version number")
  .transform(Number);

/** Groups whose evidence samples are read in one go (see withSamples). */
const SAMPLE_SLICE = 250;

const limitParam = (defaultLimit: number) =>
  z
    .string()
    .regex(/^\d{1,5}$/, "must be a number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(10_000))
    .default(defaultLimit);
const offsetParam = z
  .string()
  .regex(/^\d{1,7}$/, "must be a number")
  .transform(Number)
  .default(0);

/** Paging of long answer lists (suggestions, the preview's groups, sources and pages). */
const pageQuery = (defaultLimit: number) =>
  z.object({ limit: limitParam(defaultLimit), offset: offsetParam }).strict();

/**
 * A build's pages: suggestions (`limit`, `offset`) and decisions (`decisionLimit`, `decisionOffset`). At 20,000
 * groups a build makes ~2,500 wildcard decisions: answered whole they were 4.8 of the answer's 7.2 MB.
 */
const buildPageQuery = z
  .object({
    limit: limitParam(1000),
    offset: offsetParam,
    decisionLimit: limitParam(200),
    decisionOffset: offsetParam,
  })
  .strict();

/** Register the policy routes on the API router, and return the public policy router. */
export function policyRoutes(
  api: ApiRouter,
  deps: AppDeps,
  opts: { /** The policy worker's module (tests start one that fails on purpose). */ workerEntry?: URL } = {},
): Router {
  const { projects, config, db, log } = deps;
  const versions = new PolicyStore(db);
  // Builds and previews of large projects run in a worker thread (server/policy-worker/): the event loop stays free
  // for ingest. Below the threshold they run here: sending the groups would cost more than the build.
  const worker = new PolicyWorker({ timeoutMs: config.POLICY_WORKER_TIMEOUT_MS, entry: opts.workerEntry });
  const inWorker = (rows: readonly unknown[]) => rows.length >= config.POLICY_WORKER_GROUPS;
  const viaWorker = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof PolicyWorkerUnavailable)) throw err;
      log.error({ err: err.message }, "policy worker failed");
      throw unavailable(
        "policy_worker_unavailable",
        "the policy builder did not finish this request; it has been restarted, try again",
      );
    }
  };

  const project = async (id: string | undefined): Promise<ProjectRecord> => {
    const p = await projects.get(id ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  const cache = new PolicyCache(db.sql, deps.writer, db.otherNodes);
  // Answers are megabytes of JSON: freed as soon as neither the cache nor a response uses them (answer-bytes.ts).
  const bytes = new AnswerBytes(freeBytes((b) => worker.giveBack(b)));
  cache.answerBytes = bytes;
  const deploy = deployRoutes(api, deps, { versions, cache, project });
  const { deployHeaders } = deploy;

  /**
   * The newest samples of groups, for evidence the build read none for: in slices, giving the event loop back
   * between them (on SQLite each group is a synchronous index seek; one statement per slice on PostgreSQL).
   */
  const readSamples = async (ids: readonly number[]): Promise<Map<number, PolicyGroupRow["samples"]>> => {
    const rings = new Map<number, PolicyGroupRow["samples"]>();
    for (let i = 0; i < ids.length; i += SAMPLE_SLICE) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      for (const [id, ring] of await cache.samplesOfMany(ids.slice(i, i + SAMPLE_SLICE), EVIDENCE_SAMPLES))
        rings.set(id, ring);
    }
    return rings;
  };

  const build = async (p: ProjectRecord, body: z.infer<typeof buildSchema>, page: BuildPage) => {
    const now = Date.now();
    const listed = await versions.list(p.id);
    const compute = async (): Promise<Buffer> => {
      // The groups are loaded by projectBuildInput once it knows the base; kept here for the worker.
      const loaded: { entry?: GroupsEntry; extra?: Map<number, PolicyGroupRow["samples"]> } = {};
      const { input, base, baseVersion, blocked } = await projectBuildInput(
        db,
        versions,
        p,
        config.publicUrl,
        body,
        now,
        async (b, t) => {
          const entry = (loaded.entry = await cache.entryFor(p.id, t));
          const extra = (loaded.extra = await cache.extraSamples(entry.rows, [b]));
          return inWorker(entry.rows) ? [] : withMoreSamples(entry.rows, extra);
        },
        listed,
        (vs) => cache.blockedReports(p.id, vs),
      );
      const { entry, extra } = loaded;
      const answer = { base, baseVersion, ...page };
      if (entry && extra && inWorker(entry.rows)) {
        // Built, presented and serialized in the worker; only the groups whose samples it lacks are read here.
        const { groups: _, ...rest } = input;
        const json = await viaWorker(() =>
          worker.build(
            entry,
            { kind: "build", input: rest, blocked: [...blocked], extra: [...extra], answer },
            readSamples,
          ),
        );
        return bytes.own(Buffer.from(json.buffer, json.byteOffset, json.byteLength), true);
      }
      const built = buildPolicy(input, entry?.memo);
      const needs = sampleNeeds(built, page);
      const rings = entry ? await evidenceSamples(entry, needs, readSamples) : await readSamples(needs);
      // Kept as JSON bytes: the cache then holds a few megabytes per answer at 20,000 groups, not the object graph.
      return bytes.own(Buffer.from(answerJson(built, answer, rings)));
    };
    // sinceDays moves with the clock: such builds are not cached.
    if (body.sinceDays !== undefined) return compute();
    // The answer also depends on the project's settings and policy versions, which the writer does not see.
    const history = listed.map((v) => [v.version, v.state, v.updatedAt.getTime()]);
    const key = JSON.stringify({ body, page, settings: p.settings, history });
    return cache.answer(p.id, key, now, compute);
  };

  api.add("get", "/projects/:id/policy/suggestion", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    ctx.type = "application/json";
    ctx.body = bytes.sending(await build(p, {}, parseInput(buildPageQuery, ctx.query)), ctx.res);
  });

  api.add("post", "/projects/:id/policy/build", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const page = parseInput(buildPageQuery, ctx.query);
    const body = parseInput(buildSchema, ctx.request.body, "body");
    ctx.type = "application/json";
    ctx.body = bytes.sending(await build(p, body, page), ctx.res);
  });

  api.add("post", "/projects/:id/policy/evaluate", "read", async (ctx) => {
    await project(ctx.params.id);
    const { policy } = parseInput(z.object({ policy: policyText }).strict(), ctx.request.body, "body");
    ctx.body = presentEvaluation(
      evaluatePolicy(policy),
      policy,
      minifyPolicy(policy).policy,
      parsePolicy(policy).issues,
    );
  });

  api.add("post", "/projects/:id/policy/preview", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const body = parseInput(
      z.object({ policy: policyText, windowDays: z.number().int().min(1).max(90).optional() }).strict(),
      ctx.request.body,
      "body",
    );
    const { limit } = parseInput(pageQuery(500).omit({ offset: true }), ctx.query);
    const now = Date.now();
    const windowDays = body.windowDays ?? 7;
    const entry = await cache.entryFor(p.id, now, { recentDays: windowDays });
    const extra = await cache.extraSamples(entry.rows, [body.policy]);
    const opts = { now, windowDays, listLimit: limit };
    const preview = inWorker(entry.rows)
      ? await viaWorker(() =>
          worker.run(entry, { kind: "preview", policy: body.policy, opts, extra: [...extra] }),
        )
      : previewImpact(body.policy, withMoreSamples(entry.rows, extra), opts);
    ctx.body = presentPreview(preview, limit);
  });

  api.add("get", "/projects/:id/policy/versions", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    ctx.body = presentVersions(await versions.list(p.id));
  });

  api.add("post", "/projects/:id/policy/versions", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    const body = parseInput(
      z
        .object({
          policy: policyText.pipe(z.string().min(1)),
          notes: z.record(z.string().max(100), z.unknown()).optional(),
        })
        .strict(),
      ctx.request.body,
      "body",
    );
    const syntax = parsePolicy(body.policy).directives;
    if (syntax.length === 0) throw badRequest("invalid_policy", "policy has no directives");
    // A source browsers ignore is a typo in what would be served (#11 item 8): name it, save nothing.
    const invalid = policySyntaxError(body.policy);
    if (invalid !== null) throw badRequest("invalid_policy", invalid);
    const v = await versions.create(p.id, body.policy, body.notes ?? {});
    ctx.status = 201;
    ctx.body = presentVersion(v);
  });

  api.add("get", "/projects/:id/policy/versions/compare", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(z.object({ from: versionNumber, to: versionNumber }).strict(), ctx.query);
    const groups = await cache.groupsFor(p.id, Date.now(), [], { versions: "all" });
    const cmp = compareVersions(groups, q.to, q.from);
    ctx.body = presentComparison(cmp, q.from, q.to);
  });

  api.add("get", "/projects/:id/policy/versions/:version", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const v = await versions.get(p.id, parseInput(versionNumber, ctx.params.version, "version"));
    if (!v) throw notFound("policy version");
    ctx.body = presentVersion(v);
  });

  api.add("post", "/projects/:id/policy/versions/:version/state", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    const n = parseInput(versionNumber, ctx.params.version, "version");
    const { state } = parseInput(
      z.object({ state: z.enum(POLICY_STATES) }).strict(),
      ctx.request.body,
      "body",
    );
    const v = await versions.get(p.id, n);
    if (!v) throw notFound("policy version");
    if (v.state !== state && !canMove(v.state, state)) {
      throw conflict("invalid_transition", `a ${v.state} version cannot become ${state}`);
    }
    const moved = v.state === state ? v : await versions.setState(p.id, n, state);
    // After every state change: the exact header(s) to deploy now.
    ctx.body = presentMoved(moved, await deployHeaders(p));
  });

  return deploy.router;
}
