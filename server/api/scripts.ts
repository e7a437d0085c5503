// The script inventory API (#18): list, one script, review, change log, export, SRI helper and URL patterns.
// Thin routes: validate → store / pure rules (server/scripts) → presenters (present-scripts.ts).
import { z } from "zod";
import type { Context } from "koa";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { notFound } from "../http/errors.ts";
import type { Principal } from "../http/auth.ts";
import type {
  ScriptPatternInput,
  ScriptPatternsDto,
  ScriptReviewInput,
  ScriptSriDto,
  ScriptsDto,
  ScriptStatus,
} from "../contract/scripts.ts";
import {
  SCRIPT_EVENT_KINDS,
  SCRIPT_STATUSES,
  advice,
  matchesFilter,
  sri,
  sriTag,
  statusOf,
} from "../scripts/inventory.ts";
import { patternProblem, suggestPatterns } from "../scripts/patterns.ts";
import { presentEvent, presentPattern, presentScript, presentScriptDetail } from "./present-scripts.ts";
import { scriptExport } from "./scripts-export.ts";

const HOUR_MS = 3_600_000;

const flag = z.enum(["1", "true", "0", "false"]).transform((v) => v === "1" || v === "true");
const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const idParam = z
  .string()
  .regex(/^\d{1,9}$/, "must be a numeric id")
  .transform(Number);

const listQuery = z
  .object({
    status: z.enum(SCRIPT_STATUSES).optional(),
    payment: flag.optional(),
    origin: z
      .string()
      .max(300)
      .regex(/^https?:\/\/[^/\s?#]+$/, "must be an origin such as https://cdn.example.com")
      .optional(),
    missingSri: flag.optional(),
    changed: flag.optional(),
  })
  .strict();

const reviewSchema = z
  .object({
    status: z.enum(["authorized", "rejected"]),
    justification: z.string().trim().min(1, "a justification is required").max(2000),
  })
  .strict() satisfies z.ZodType<ScriptReviewInput>;

const eventsQuery = z
  .object({
    since: isoTime.optional(),
    until: isoTime.optional(),
    kind: z.enum(SCRIPT_EVENT_KINDS).optional(),
    scriptId: idParam.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, "must be a whole number from 1 to 1000")
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1000, "must be a whole number from 1 to 1000")
      .optional(),
  })
  .strict();

const exportQuery = z
  .object({
    format: z.enum(["csv", "json"]).optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
  })
  .strict();

const patternSchema = z
  .object({
    pattern: z.string().superRefine((p, ctx) => {
      const problem = patternProblem(p);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    float: z.boolean(),
  })
  .strict() satisfies z.ZodType<ScriptPatternInput>;

/** Who acted: a signed-in user's email, or an API token's name. */
function actor(ctx: Context): string {
  const p = ctx.state.principal as Principal;
  return p.kind === "session" ? p.email : `token:${p.name}`;
}

/** Register the script inventory routes. Literal segments (events, export, sri, patterns) before `:scriptId`. */
export function scriptRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, scripts } = deps;

  const project = async (ctx: Context) => {
    const p = await projects.get(ctx.params.id ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  api.add("get", "/projects/:id/scripts", "read", async (ctx) => {
    const p = await project(ctx);
    const f = parseInput(listQuery, ctx.query);
    const all = await scripts.list(p.id);
    const pay = p.settings.paymentPages;
    const counts: Record<ScriptStatus, number> = { new: 0, authorized: 0, rejected: 0, changed: 0 };
    for (const s of all) counts[statusOf(s)]++;
    const dto: ScriptsDto = {
      scripts: all.filter((s) => matchesFilter(s, f, pay)).map((s) => presentScript(s, pay)),
      counts,
    };
    ctx.body = dto;
  });

  api.add("get", "/projects/:id/scripts/events", "read", async (ctx) => {
    const p = await project(ctx);
    const q = parseInput(eventsQuery, ctx.query);
    const events = await scripts.events(p.id, { ...q, limit: q.limit ?? 200 });
    ctx.body = { events: events.map(presentEvent) };
  });

  api.add("get", "/projects/:id/scripts/export", "read", async (ctx) => {
    const p = await project(ctx);
    const q = parseInput(exportQuery, ctx.query);
    const file = await scriptExport(scripts, p, q.format ?? "json", q.since, q.until);
    ctx.type = file.contentType;
    ctx.set("Content-Disposition", `attachment; filename="${file.filename}"`);
    ctx.body = file.body;
  });

  api.add("get", "/projects/:id/scripts/sri", "read", async (ctx) => {
    const p = await project(ctx);
    const dto: ScriptSriDto = { tags: [], missing: [] };
    for (const s of await scripts.list(p.id)) {
      const tag = sriTag(s);
      if (tag !== null) dto.tags.push({ scriptId: s.id, url: s.url, tag });
      if (sri(s) === false)
        dto.missing.push({
          scriptId: s.id,
          url: s.url,
          reason: advice(s) ?? "Loaded without integrity metadata: paste the tag above.",
        });
    }
    ctx.body = dto;
  });

  api.add("get", "/projects/:id/scripts/patterns", "read", async (ctx) => {
    const p = await project(ctx);
    const accepted = await scripts.patterns(p.id, 0);
    const urls = (await scripts.list(p.id)).map((s) => s.url);
    const dto: ScriptPatternsDto = {
      patterns: accepted.map(presentPattern),
      suggestions: suggestPatterns(
        urls,
        accepted.map((a) => a.pattern),
      ),
    };
    ctx.body = dto;
  });

  api.add("post", "/projects/:id/scripts/patterns", "write", async (ctx) => {
    const p = await project(ctx);
    const body = parseInput(patternSchema, ctx.request.body, "body");
    const saved = await scripts.acceptPattern(p.id, body.pattern, body.float, actor(ctx), Date.now());
    ctx.status = 201;
    ctx.body = presentPattern(saved);
  });

  api.add("delete", "/projects/:id/scripts/patterns/:patternId", "write", async (ctx) => {
    const p = await project(ctx);
    const id = parseInput(idParam, ctx.params.patternId, "patternId");
    if (!(await scripts.removePattern(p.id, id))) throw notFound("pattern");
    ctx.status = 204;
  });

  const detail = async (ctx: Context, projectId: string, paymentPages: readonly string[], id: number) => {
    const s = await scripts.get(projectId, id);
    if (!s) throw notFound("script");
    const nowHour = Math.floor(Date.now() / HOUR_MS);
    const hours = await scripts.hours(s.id, nowHour - 167, nowHour);
    const hourly = Array.from({ length: 168 }, (_, i) => hours.get(nowHour - 167 + i) ?? 0);
    const events = await scripts.events(projectId, { scriptId: s.id, limit: 500 });
    return presentScriptDetail(s, paymentPages, events, hourly);
  };

  api.add("get", "/projects/:id/scripts/:scriptId", "read", async (ctx) => {
    const p = await project(ctx);
    const id = parseInput(idParam, ctx.params.scriptId, "scriptId");
    ctx.body = await detail(ctx, p.id, p.settings.paymentPages, id);
  });

  api.add("post", "/projects/:id/scripts/:scriptId/review", "write", async (ctx) => {
    const p = await project(ctx);
    const id = parseInput(idParam, ctx.params.scriptId, "scriptId");
    const body = parseInput(reviewSchema, ctx.request.body, "body");
    if (!(await scripts.review(p.id, id, body.status, body.justification, actor(ctx), Date.now())))
      throw notFound("script");
    ctx.body = await detail(ctx, p.id, p.settings.paymentPages, id);
  });
}
