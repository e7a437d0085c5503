// /api/projects/:id/violations (+ series, group detail, stats, live tail; summary, filter values and the test
// report in dashboard.ts).
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { filterOf, listSchema, windowOf, windowSchema } from "./explorer-query.ts";
import { presentGroup, presentSample } from "./present.ts";
import { presentBreakdown, presentCounting } from "./present-dashboard.ts";
import { dashboardRoutes } from "./dashboard.ts";
import type { GroupDetailDto, ViolationsDto } from "../contract.ts";
import type { TriageState } from "../contract/alerts.ts";
import { streamTail } from "./tail.ts";

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
    // The page's triage states are read while its trends are (PostgreSQL: two connections, one round trip less).
    const { groups, totals, beside } = await violations.listGroups(
      p.id,
      { ...filterOf(q, w), sort: q.sort, order: q.order, limit: q.limit, offset: q.offset },
      (ids) => deps.alerts.triage.states(ids),
    );
    const triage = beside ?? new Map<number, TriageState>();
    const answer: ViolationsDto = {
      groups: groups.map((g) => ({ ...presentGroup(g), triage: triage.get(g.id) ?? "open" })),
      totals: { groups: totals.groups, reports: totals.reports, byDirective: totals.byDirective },
      window: { since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() },
      counting: presentCounting(filterOf(q, w), totals.listedOnly),
    };
    ctx.body = answer;
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
    // The dashboard shows "This group no longer exists" for this id (retention, a project reset, a stale link).
    if (!d)
      throw new HttpError(
        404,
        "group_not_found",
        `violation group ${groupId} does not exist in this project`,
      );
    const triage = await deps.alerts.triage.get(d.group.id);
    const answer: GroupDetailDto = {
      group: { ...presentGroup(d.group), triage: triage.state },
      samples: d.samples.map(presentSample),
      series: d.series.map((s) => ({ hour: new Date(s.hour).toISOString(), count: s.count })),
      byVersion: d.byVersion,
      byDisposition: d.byDisposition,
      byEnv: d.byEnv,
      pageBreakdown: presentBreakdown("page", d.breakdowns.page, d.group.pages),
      browserBreakdown: presentBreakdown("browser", d.breakdowns.browser, d.group.browsers),
    };
    ctx.body = answer;
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
  dashboardRoutes(api, deps);
}
