// Alerts' DTOs built field by field from store records (#14): never a Prisma row, never a channel's secret.
import type {
  AlertChannelDto,
  AlertDeliveryDto,
  AlertEventDto,
  AlertRuleDto,
  GroupTriageDto,
} from "../contract/alerts.ts";
import type { ChannelRecord, RuleRecord } from "../store/alert-config.ts";
import type { DeliveryRecord, EventRecord } from "../store/alert-outbox.ts";
import type { TriageChange, TriageRecord } from "../store/triage.ts";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A webhook or Slack URL shown without its path past the first segment: a Slack URL's path is its credential. */
export function redactUrl(url: string): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    const first = u.pathname.split("/").filter(Boolean)[0];
    return `${u.origin}/${first ? `${first}/…` : ""}`;
  } catch {
    return null;
  }
}

export const presentChannel = (c: ChannelRecord, rules: number): AlertChannelDto => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  url: c.kind === "email" ? null : redactUrl(c.url),
  to: c.kind === "email" ? [...c.to] : [],
  signed: c.kind === "webhook" && c.secret !== "",
  createdAt: c.createdAt.toISOString(),
  rules,
});

export const presentRule = (r: RuleRecord): AlertRuleDto => ({
  id: r.id,
  projectId: r.projectId,
  kind: r.kind,
  channels: [...r.channels],
  minCount: r.minCount,
  quietMinutes: r.quietMinutes,
  params: { ...r.params },
  enabled: r.enabled,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  lastFiredAt: iso(r.lastFiredAt),
});

export const presentDelivery = (d: DeliveryRecord, e: EventRecord | undefined): AlertDeliveryDto => ({
  id: d.id,
  eventId: d.eventId,
  ruleId: e?.ruleId ?? null,
  kind: e?.kind ?? "new-group",
  title: e?.title ?? "",
  groupId: e?.groupId ?? null,
  channelId: d.channelId,
  channelName: d.channelName,
  channelKind: d.channelKind,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === "pending" ? iso(d.nextAttemptAt) : null,
  lastError: d.lastError,
  responseCode: d.responseCode,
  createdAt: new Date(d.createdAt).toISOString(),
  deliveredAt: iso(d.deliveredAt),
});

export const presentEvent = (e: EventRecord, deliveries: readonly DeliveryRecord[]): AlertEventDto => ({
  id: e.id,
  ruleId: e.ruleId,
  kind: e.kind,
  title: e.title,
  groupId: e.groupId,
  createdAt: new Date(e.createdAt).toISOString(),
  deliveries: deliveries.map((d) => ({ channelName: d.channelName, status: d.status })),
});

export const presentTriage = (t: TriageRecord, history: readonly TriageChange[]): GroupTriageDto => ({
  state: t.state,
  by: t.by,
  at: iso(t.at),
  history: history.map((h) => ({ state: h.state, by: h.by, at: new Date(h.at).toISOString() })),
});
