// /api/projects/:id/summary (the stat cards), /filter-values (values seen for the explorer's filters) and
// /test-report (send a real report through the public ingest path), #16. Registered by violations.ts.
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import type { FilterValuesDto, SummaryDto, TestReportDto } from "../contract.ts";
import { parseInput } from "../http/query.ts";
import { notFound } from "../http/errors.ts";
import { NOISE_FILTERS } from "../store/violations.ts";
import { filterValues } from "../store/filter-values.ts";
import { presentProject } from "./present.ts";
import { presentCards, presentFilterValues, presentPageCounting } from "./present-dashboard.ts";
import { presentRejected } from "./reject-reasons.ts";
import { filterOf, listSchema, windowOf, windowSchema } from "./explorer-query.ts";
import { sendTestReport, testReport, testReportMessage } from "../projects/test-report.ts";

const valuesSchema = windowSchema.extend({ noise: z.enum(NOISE_FILTERS).default("exclude") }).strict();

/** Register the summary, filter-values and test-report routes. */
export function dashboardRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, violations, config } = deps;

  const project = async (id: string | undefined) => {
    const p = await projects.get(id ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  // The explorer's query as it is (sort and paging are accepted and ignored): the cards count what it lists.
  api.add("get", "/projects/:id/summary", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(listSchema, ctx.query);
    const w = windowOf(q);
    const f = { ...filterOf(q, w), limit: 1, offset: 0 };
    const accepted = await violations.listGroups(p.id, { ...f, noise: "exclude" });
    const noise = await violations.listGroups(p.id, { ...f, noise: "only" });
    const stats = await violations.stats(p.id, w.since, w.until);
    const rejected = presentRejected(stats.totals);
    const answer: SummaryDto = {
      window: { since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() },
      cards: presentCards(
        {
          violations: accepted.totals.reports,
          groups: accepted.totals.groups,
          noise: noise.totals.reports,
          sampled: stats.totals.sampled ?? 0,
          rejected: rejected.reduce((n, r) => n + r.count, 0),
        },
        f,
      ),
      rejected,
      page: f.page ? presentPageCounting({ ...f, page: f.page }, accepted.totals.listedOnly) : null,
    };
    ctx.body = answer;
  });

  api.add("get", "/projects/:id/filter-values", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(valuesSchema, ctx.query);
    const w = windowOf(q);
    const v = await filterValues(deps.db.sql, p.id, { ...w, noise: q.noise });
    const answer: FilterValuesDto = presentFilterValues(v);
    ctx.body = answer;
  });

  // A write: it stores a report. The report goes out to PUBLIC_URL and comes back in like a browser's.
  api.add("post", "/projects/:id/test-report", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    parseInput(z.union([z.undefined(), z.object({}).strict()]), ctx.request.body, "body");
    const uri = presentProject(p, config.publicUrl).reportUri;
    const page = `${p.settings.allowedOrigins[0] ?? config.publicUrl}/cinch-test-report`;
    const report = testReport(page);
    const sent = await sendTestReport(uri, report);
    const groupId =
      sent.status !== null && sent.status >= 200 && sent.status < 300
        ? await violations.testReportGroup(p.id, report.blockedUrl)
        : null;
    const answer: TestReportDto = {
      arrived: groupId !== null,
      reportUri: uri,
      status: sent.status,
      groupId,
      elapsedMs: sent.elapsedMs,
      message: testReportMessage(uri, sent, groupId !== null),
    };
    ctx.body = answer;
  });
}
