// /api/projects: create, list, read, update settings.
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { FieldError, notFound } from "../http/errors.ts";
import { fieldProblem, mergeSettings, projectSettingsPatchSchema } from "../projects/settings.ts";
import { presentProject } from "./present.ts";
import { projectNameSchema } from "../projects/name.ts";
import { reclassifyGroups } from "./ignore-rules.ts";
import { HOUR_MS } from "../store/writer.ts";

const createSchema = z.object({ name: projectNameSchema }).strict();
const patchSchema = z
  .object({
    name: projectNameSchema.optional(),
    settings: projectSettingsPatchSchema.optional(),
  })
  .strict();

/** Register the project routes. */
export function projectRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, violations, config } = deps;

  api.add("post", "/projects", "write", async (ctx) => {
    const body = parseInput(createSchema, ctx.request.body, "body");
    const p = await projects.create(body.name);
    ctx.status = 201;
    ctx.body = presentProject(p, config.publicUrl);
  });

  api.add("get", "/projects", "read", async (ctx) => {
    const all = await projects.list();
    const now = Date.now();
    const out = [];
    for (const p of all) {
      // The one definition of violations (noise excluded), the explorer's: the projects list said "444" with
      // noise where the project page said "Accepted 404 / Noise 40" (#16).
      const hours = await violations.violationHours(p.id, now - 7 * 24 * HOUR_MS, now);
      const firstHour = Math.floor(now / HOUR_MS) - 7 * 24 + 1;
      const hourly = new Array<number>(7 * 24).fill(0);
      let last24h = 0;
      let last7d = 0;
      let noise24h = 0;
      for (const h of hours) {
        const i = h.hour / HOUR_MS - firstHour;
        if (i >= 0 && i < hourly.length) hourly[i] = h.violations;
        last7d += h.violations;
        // The explorer's window counts the hour `since` falls in (filters.ts windowConditions): so does this.
        if (h.hour >= Math.floor((now - 24 * HOUR_MS) / HOUR_MS) * HOUR_MS) {
          last24h += h.violations;
          noise24h += h.noise;
        }
      }
      const label = "Violations (noise excluded) in the last 24 hours";
      out.push({
        ...presentProject(p, config.publicUrl),
        counts: { last24h, last7d, hourly, noise24h, label },
      });
    }
    ctx.body = { projects: out };
  });

  api.add("get", "/projects/:id", "read", async (ctx) => {
    const p = await projects.get(ctx.params.id ?? "");
    if (!p) throw notFound("project");
    ctx.body = presentProject(p, config.publicUrl);
  });

  api.add("patch", "/projects/:id", "write", async (ctx) => {
    const parsed = patchSchema.safeParse(ctx.request.body);
    if (!parsed.success) {
      // At the field that caused it (#16): the dashboard shows the message there.
      const f = fieldProblem(parsed.error.issues[0] ?? { path: [], message: "invalid" });
      throw new FieldError("invalid_input", f.message, f.field, f.line);
    }
    const body = parsed.data;
    const current = await projects.get(ctx.params.id ?? "");
    if (!current) throw notFound("project");
    // Field by field (nested rules too): an absent field keeps its stored value.
    const settings = body.settings ? mergeSettings(current.settings, body.settings) : undefined;
    const p = await projects.update(current.id, { name: body.name, settings });
    if (!p) throw notFound("project");
    // Ignore rules reach the past: stored groups they match become noise, those they no longer match come back.
    const reclassified = body.settings?.ignoreRules
      ? await reclassifyGroups(deps.db, p.id, p.settings.ignoreRules)
      : undefined;
    if (reclassified) deps.writer.invalidateProject(p.id);
    ctx.body = { ...presentProject(p, config.publicUrl), ...(reclassified ? { reclassified } : {}) };
  });
}
