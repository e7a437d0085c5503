// /api/projects/:id/violations (+ series, group detail, stats, live tail).
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { GROUP_SORTS, NOISE_FILTERS, type GroupFilter } from "../store/violations.ts";
import { presentGroup, presentSample } from "./present.ts";
import { streamTail } from "./tail.ts";
import { TRIAGE_STATES } from "../alerts/vocabulary.ts";

const DAY = 86_400_000;

/** A time: ISO-8601 or epoch milliseconds. */
const time = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const windowSchema = z.object({ since: time.optional(), until: time.optional() });

const listSchema = windowSchema
  .extend({
    directive: z
      .string()
      .regex(/^[a-z-]{1,40}$/, "must be a directive name")
      .optional(),
    noise: z.enum(NOISE_FILTERS).default("exclude"),
    disposition: z.enum(["enforce", "report"]).optional(),
    version: z
      .string()
      .regex(/^\d{1,9}$/, "must be a non-negative integer")
      .transform(Number)
      .optional(),
    env: z.string().max(32).optional(),
    page: z.string().max(500).optional(),
    text: z.string().max(500).optional(),
    triage: z.enum(TRIAGE_STATES).optional(),
    sort: z.enum(GROUP_SORTS).default("count"),
    order: z.enum(["asc", "desc"]).default("desc"),
    limit: z
      .string()
      .regex(/^\d{1,4}$/)
      .transform(Number)
      .pipe(z.number().min(1).max(1000))
      .default(100),
    offset: z
      .string()
      .regex(/^\d{1,7}$/)
      .transform(Number)
      .default(0),
  })
  .strict();

function windowOf(q: { since?: number; until?: number }): { since: number; until: number } {
  const until = q.until ?? Date.now();
  const since = q.since ?? until - DAY;
  if (since > until) throw badRequest("invalid_input", "since must not be after until");
  if (until - since > 400 * DAY) throw badRequest("invalid_input", "the window may span at most 400 days");
  return { since, until };
}

/** The store's filter from the parsed query (the query names the policy version `version`). */
function filterOf(q: z.infer<typeof listSchema>, w: { since: number; until: number }): GroupFilter {
  return {
    ...w,
    directive: q.directive,
    noise: q.noise,
    disposition: q.disposition,
    policyVersion: q.version,
    env: q.env,
    page: q.page,
    text: q.text,
    triage: q.triage,
  };
}

/** Register the violation routes. */
export function violationRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, violations, tail } = deps;

  const project = async (id: string | undefined) => {
    const p = await projects.get(id ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  api.add("get", "/projects/:id/violations", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(listSchema, ctx.query);
    const w = windowOf(q);
    const { groups, totals } = await violations.listGroups(p.id, {
      ...filterOf(q, w),
      sort: q.sort,
      order: q.order,
      limit: q.limit,
      offset: q.offset,
    });
    const triage = await deps.alerts.triage.states(groups.map((g) => g.id));
    ctx.body = {
      groups: groups.map((g) => ({ ...presentGroup(g), triage: triage.get(g.id) ?? "open" })),
      totals,
      window: { since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() },
    };
  });

  api.add("get", "/projects/:id/violations/series", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(listSchema, ctx.query);
    const points = await violations.series(p.id, filterOf(q, windowOf(q)));
    ctx.body = { points: points.map((x) => ({ ...x, hour: new Date(x.hour).toISOString() })) };
  });

  api.add("get", "/projects/:id/violations/:groupId", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const groupId = parseInput(
      z.string().regex(/^\d{1,12}$/, "must be a group id"),
      ctx.params.groupId,
      "groupId",
    );
    const w = windowOf(parseInput(windowSchema.strict(), ctx.query));
    const d = await violations.getGroup(p.id, Number(groupId), w.since, w.until);
    if (!d) throw notFound("violation group");
    const triage = await deps.alerts.triage.get(d.group.id);
    ctx.body = {
      group: { ...presentGroup(d.group), triage: triage.state },
      samples: d.samples.map(presentSample),
      series: d.series.map((s) => ({ hour: new Date(s.hour).toISOString(), count: s.count })),
      byVersion: d.byVersion,
      byDisposition: d.byDisposition,
      byEnv: d.byEnv,
    };
  });

  api.add("get", "/projects/:id/stats", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const w = windowOf(parseInput(windowSchema.strict(), ctx.query));
    const s = await violations.stats(p.id, w.since, w.until);
    ctx.body = {
      totals: s.totals,
      hourly: s.hourly.map((h) => ({ hour: new Date(h.hour).toISOString(), counts: h.counts })),
    };
  });

  api.add("get", "/projects/:id/tail", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    streamTail(ctx, tail, p.id);
  });
}
