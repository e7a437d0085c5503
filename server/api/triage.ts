// Group triage and a group's alert history (#14): POST /api/projects/:id/violations/:groupId/triage and
// GET /api/projects/:id/violations/:groupId/alerts.
import { z } from "zod";
import type { Context } from "koa";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { notFound } from "../http/errors.ts";
import type { Principal } from "../http/auth.ts";
import { TRIAGE_STATES } from "../alerts/vocabulary.ts";
import type { GroupAlertsDto, GroupTriageDto, TriageInput } from "../contract/alerts.ts";
import { presentEvent, presentTriage } from "./present-alerts.ts";

const triageSchema = z.object({ state: z.enum(TRIAGE_STATES) }).strict() satisfies z.ZodType<TriageInput>;

/** Who acted: a signed-in user's email, or an API token's name. */
function actor(ctx: Context): string {
  const p = ctx.state.principal as Principal;
  return p.kind === "session" ? p.email : `token:${p.name}`;
}

/** Register the triage routes. */
export function triageRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, alerts } = deps;

  const group = async (ctx: Context) => {
    const p = await projects.get(ctx.params.id ?? "");
    if (!p) throw notFound("project");
    const groupId = Number(
      parseInput(z.string().regex(/^\d{1,12}$/, "must be a group id"), ctx.params.groupId, "groupId"),
    );
    if (!(await alerts.triage.groupInProject(p.id, groupId))) throw notFound("violation group");
    return { project: p, groupId };
  };

  api.add("post", "/projects/:id/violations/:groupId/triage", "write", async (ctx) => {
    const { project, groupId } = await group(ctx);
    const { state } = parseInput(triageSchema, ctx.request.body, "body");
    await alerts.triage.set(project.id, groupId, state, actor(ctx), Date.now());
    await alerts.changed();
    const dto: GroupTriageDto = presentTriage(
      await alerts.triage.get(groupId),
      await alerts.triage.history(groupId),
    );
    ctx.body = dto;
  });

  api.add("get", "/projects/:id/violations/:groupId/alerts", "read", async (ctx) => {
    const { project, groupId } = await group(ctx);
    const events = await alerts.outbox.groupEvents(project.id, groupId);
    const dto: GroupAlertsDto = {
      triage: presentTriage(await alerts.triage.get(groupId), await alerts.triage.history(groupId)),
      events: events.map((e) => presentEvent(e.event, e.deliveries)),
    };
    ctx.body = dto;
  });
}
