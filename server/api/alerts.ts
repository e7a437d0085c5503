// The alerts API (#14): instance-wide channels (/api/alert-channels), per-project rules, their preview and the
// delivery log (/api/projects/:id/alerts…). Validate → domain (server/alerts, store) → present (present-alerts.ts).
import { z } from "zod";
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { parseInput } from "../http/query.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { emailSchema } from "../accounts/email.ts";
import { CHANNEL_KINDS, DELIVERY_STATUSES, RULE_KINDS, ruleDefaults } from "../alerts/vocabulary.ts";
import { DestinationError, resolveDestination, urlProblem } from "../alerts/notifier.ts";
import { previewRule } from "../alerts/preview.ts";
import { newSecret } from "../store/alert-config.ts";
import type {
  AlertChannelsDto,
  AlertDeliveriesDto,
  AlertRuleDto,
  AlertRulesDto,
  CreatedAlertChannelDto,
} from "../contract/alerts.ts";
import { presentChannel, presentDelivery, presentRule } from "./present-alerts.ts";

const channelSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    kind: z.enum(CHANNEL_KINDS),
    url: z.string().max(2000, "must be at most 2000 characters").optional(),
    to: z
      .array(emailSchema)
      .min(1, "must name at least one address")
      .max(20, "at most 20 addresses")
      .optional(),
    secret: z
      .string()
      .min(16, "must be at least 16 characters")
      .max(256, "must be at most 256 characters")
      .optional(),
  })
  .strict();

const directive = z.string().regex(/^[a-z-]{1,40}$/, "must be a directive name");
const paramsSchema = z
  .object({
    directives: z.array(directive).max(30).optional(),
    under: z.enum(["any", "enforced"]).optional(),
    days: z.number().int().min(1).max(90).optional(),
    factor: z.number().min(1).max(10_000).optional(),
    hours: z.number().int().min(1).max(720).optional(),
    levels: z.array(z.number().int().min(1).max(100)).min(1).max(5).optional(),
    period: z.enum(["daily", "weekly"]).optional(),
    hour: z.number().int().min(0).max(23).optional(),
    weekday: z.number().int().min(0).max(6).optional(),
  })
  .strict();

const channelIds = z.array(z.string().min(1).max(64)).max(10, "at most 10 channels");
const ruleFields = {
  channels: channelIds,
  minCount: z.number().int().min(1).max(1_000_000_000).optional(),
  quietMinutes: z.number().int().min(0).max(129_600, "must be at most 129600 (90 days)").optional(),
  params: paramsSchema.optional(),
  enabled: z.boolean().optional(),
};
const ruleSchema = z
  .object({
    kind: z.enum(RULE_KINDS),
    ...ruleFields,
    channels: channelIds.min(1, "must name at least one channel"),
  })
  .strict();
const previewSchema = z
  .object({ kind: z.enum(RULE_KINDS), ...ruleFields, channels: channelIds.optional() })
  .strict();
const patchSchema = z
  .object({ ...ruleFields, channels: channelIds.min(1, "must name at least one channel").optional() })
  .strict();

const deliveriesQuery = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, "must be a number from 1 to 500")
      .transform(Number)
      .pipe(z.number().min(1, "must be a number from 1 to 500").max(500, "must be a number from 1 to 500"))
      .default(100),
  })
  .strict();

const id = (v: string | undefined, what: string) =>
  parseInput(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, `must be a ${what} id`), v, what);

/** Register the alert routes. */
export function alertRoutes(api: ApiRouter, deps: AppDeps): void {
  const { alerts, projects } = deps;
  const store = alerts.config;

  const project = async (pid: string | undefined) => {
    const p = await projects.get(pid ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  /** Every channel named must exist (a rule to nowhere is a silent rule). */
  const checkChannels = async (ids: readonly string[]) => {
    for (const c of ids) {
      if (!(await store.channel(c)))
        throw badRequest("unknown_channel", `channels: no alert channel ${JSON.stringify(c)}`);
    }
  };

  api.add("get", "/alert-channels", "read", async (ctx) => {
    const counts = await store.ruleCounts();
    const dto: AlertChannelsDto = {
      channels: (await store.channels()).map((c) => presentChannel(c, counts.get(c.id) ?? 0)),
    };
    ctx.body = dto;
  });

  api.add("post", "/alert-channels", "admin", async (ctx) => {
    const b = parseInput(channelSchema, ctx.request.body, "body");
    if (b.secret !== undefined && b.kind !== "webhook")
      throw badRequest("invalid_input", "secret: only webhook channels are signed");
    let url = "";
    let to: string[] = [];
    if (b.kind === "email") {
      if (b.url !== undefined) throw badRequest("invalid_input", "url: an email channel has no url");
      if (!b.to) throw badRequest("invalid_input", "to: an email channel needs at least one address");
      if (!alerts.notifier.emailConfigured)
        throw badRequest(
          "smtp_not_configured",
          "email channels need SMTP_URL (and SMTP_FROM) in the configuration",
        );
      to = b.to;
    } else {
      if (b.url === undefined) throw badRequest("invalid_input", `url: a ${b.kind} channel needs a url`);
      const problem = urlProblem(b.url);
      if (problem) throw badRequest("invalid_input", `url: ${problem}`);
      if (b.to !== undefined) throw badRequest("invalid_input", `to: a ${b.kind} channel has no addresses`);
      try {
        await resolveDestination(new URL(b.url).hostname, alerts.opts.allowPrivate);
      } catch (err) {
        if (err instanceof DestinationError) throw badRequest("destination_refused", `url: ${err.message}`);
        throw err;
      }
      url = b.url;
    }
    const generated = b.kind === "webhook" && b.secret === undefined ? newSecret() : null;
    const c = await store.createChannel({
      name: b.name,
      kind: b.kind,
      url,
      to,
      secret: b.kind === "webhook" ? (b.secret ?? generated!) : "",
    });
    const dto: CreatedAlertChannelDto = {
      ...presentChannel(c, 0),
      ...(generated ? { secret: generated } : {}),
    };
    ctx.status = 201;
    ctx.body = dto;
  });

  api.add("delete", "/alert-channels/:id", "admin", async (ctx) => {
    if (!(await store.deleteChannel(id(ctx.params.id, "channel")))) throw notFound("alert channel");
    await alerts.changed();
    ctx.status = 204;
  });

  api.add("post", "/alert-channels/:id/test", "admin", async (ctx) => {
    const c = await store.channel(id(ctx.params.id, "channel"));
    if (!c) throw notFound("alert channel");
    ctx.body = await alerts.test(c);
  });

  api.add("get", "/projects/:id/alerts", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const dto: AlertRulesDto = { rules: (await store.rules(p.id)).map(presentRule) };
    ctx.body = dto;
  });

  api.add("post", "/projects/:id/alerts", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    const b = parseInput(ruleSchema, ctx.request.body, "body");
    await checkChannels(b.channels);
    const d = ruleDefaults(b.kind);
    const r = await store.createRule(p.id, {
      kind: b.kind,
      channels: b.channels,
      minCount: b.minCount ?? d.minCount,
      quietMinutes: b.quietMinutes ?? d.quietMinutes,
      params: b.params ?? {},
      enabled: b.enabled ?? true,
    });
    await alerts.changed();
    const dto: AlertRuleDto = presentRule(r);
    ctx.status = 201;
    ctx.body = dto;
  });

  api.add("post", "/projects/:id/alerts/preview", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const b = parseInput(previewSchema, ctx.request.body, "body");
    const d = ruleDefaults(b.kind);
    ctx.body = await previewRule(deps.db.prisma, p, {
      kind: b.kind,
      minCount: b.minCount ?? d.minCount,
      quietMinutes: b.quietMinutes ?? d.quietMinutes,
      params: b.params ?? {},
    });
  });

  api.add("get", "/projects/:id/alerts/deliveries", "read", async (ctx) => {
    const p = await project(ctx.params.id);
    const q = parseInput(deliveriesQuery, ctx.query);
    const list = await alerts.outbox.deliveries(p.id, q);
    const events = await alerts.outbox.eventsById(list.map((d) => d.eventId));
    const dto: AlertDeliveriesDto = {
      deliveries: list.map((d) => presentDelivery(d, events.get(d.eventId))),
    };
    ctx.body = dto;
  });

  api.add("patch", "/projects/:id/alerts/:ruleId", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    const ruleId = id(ctx.params.ruleId, "rule");
    const b = parseInput(patchSchema, ctx.request.body, "body");
    if (b.channels) await checkChannels(b.channels);
    const r = await store.updateRule(p.id, ruleId, b);
    if (!r) throw notFound("alert rule");
    await alerts.changed();
    ctx.body = presentRule(r);
  });

  api.add("delete", "/projects/:id/alerts/:ruleId", "write", async (ctx) => {
    const p = await project(ctx.params.id);
    if (!(await store.deleteRule(p.id, id(ctx.params.ruleId, "rule")))) throw notFound("alert rule");
    await alerts.changed();
    ctx.status = 204;
  });
}
