// Type-only DTOs of the alerts API (#14): channels, rules, deliveries, group triage, and the webhook payload.
// No runtime code: re-exported by server/contract.ts for the dashboard.

/** Where an alert goes: a signed JSON POST, a Slack (or Teams/Discord-compatible) incoming webhook, or email. */
export type AlertChannelKind = "webhook" | "slack" | "email";

/**
 * What a rule watches. `digest` is the daily or weekly email summary (params.period, params.hour); `regression` is a
 * resolved group that reappears; `script-new` / `script-changed` are the script inventory's (#18): a script seen for
 * the first time, a hash not seen before for a known script.
 */
export type AlertRuleKind =
  | "new-group"
  | "enforced-block"
  | "spike"
  | "silence"
  | "quota"
  | "policy-drift"
  | "regression"
  | "digest"
  | "script-new"
  | "script-changed";

/** A group's triage state; `muted` groups never alert. */
export type TriageState = "open" | "acknowledged" | "resolved" | "muted";

/** A delivery's status: `pending` (waiting for its next attempt), `delivering` (claimed by a node), `delivered`, `failed` (gave up). */
export type AlertDeliveryStatus = "pending" | "delivering" | "delivered" | "failed";

/** An instance-wide channel as listed. A webhook's secret is never returned again after creation. */
export type AlertChannelDto = {
  id: string;
  name: string;
  kind: AlertChannelKind;
  /** webhook/slack: the URL with its path hidden past the first segment (a Slack URL is a credential); email: null. */
  url: string | null;
  /** email: the recipients; others: []. */
  to: string[];
  /** webhook: whether bodies are signed (always true for webhooks created by Cinch). */
  signed: boolean;
  createdAt: string;
  /** Rules (in any project) that send to this channel. */
  rules: number;
};

/** POST /api/alert-channels answers 201 with the channel and, for a webhook whose secret Cinch generated, the secret (shown once). */
export type CreatedAlertChannelDto = AlertChannelDto & { secret?: string };

/** POST /api/alert-channels body. */
export type AlertChannelInput = {
  name: string;
  kind: AlertChannelKind;
  url?: string;
  to?: string[];
  secret?: string;
};

export type AlertChannelsDto = { channels: AlertChannelDto[] };

/** POST /api/alert-channels/:id/test: one attempt, sent at once, not through the outbox. */
export type AlertChannelTestDto = {
  delivered: boolean;
  /** HTTP status of the receiver (webhook/slack) or the SMTP reply code (email), when one came. */
  responseCode: number | null;
  error: string | null;
  durationMs: number;
};

/** Per-kind parameters; every field is optional and has a default (docs/alerts.md). */
export type AlertRuleParams = {
  /** new-group, enforced-block, spike, regression: only these directives (default: all). */
  directives?: string[];
  /** new-group: only groups first seen while an enforced version exists ("enforced") or always ("any", default). */
  under?: "any" | "enforced";
  /** enforced-block: a group with no enforce reports in the last `days` days (default 7). */
  days?: number;
  /** spike: last hour above `factor` × the hourly average over the previous 24 h (default 20). */
  factor?: number;
  /** silence: no reports for `hours` hours (default 6). */
  hours?: number;
  /** quota: the percentages of the daily cap that alert (default [80, 100]). */
  levels?: number[];
  /** digest: "daily" (default) or "weekly". */
  period?: "daily" | "weekly";
  /** digest: the UTC hour it is sent at (default 8). */
  hour?: number;
  /** digest, weekly: the UTC weekday, 0 = Sunday (default 1, Monday). */
  weekday?: number;
};

export type AlertRuleDto = {
  id: string;
  projectId: string;
  kind: AlertRuleKind;
  channels: string[];
  /** Reports needed before it fires (new-group: the group's total; spike: the last hour's count). */
  minCount: number;
  /** The same rule does not alert twice for the same group (or project-level condition) within this many minutes. */
  quietMinutes: number;
  params: AlertRuleParams;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastFiredAt: string | null;
};

/** POST /api/projects/:id/alerts body (a bare `{"kind": "new-group", "channels": [id]}` is useful). */
export type AlertRuleInput = {
  kind: AlertRuleKind;
  channels: string[];
  minCount?: number;
  quietMinutes?: number;
  params?: AlertRuleParams;
  enabled?: boolean;
};

/** PATCH /api/projects/:id/alerts/:ruleId body: any field but kind. */
export type AlertRulePatch = Partial<Omit<AlertRuleInput, "kind">>;

export type AlertRulesDto = { rules: AlertRuleDto[] };

/** POST /api/projects/:id/alerts/preview (body: AlertRuleInput, channels may be []): what it would have fired over the last 7 days. */
export type AlertRulePreviewDto = {
  since: string;
  until: string;
  /** Alerts it would have raised, newest first (at most 100), after the quiet period. */
  fired: { at: string; title: string; groupId: number | null; count: number }[];
  total: number;
  /** Kinds that cannot be replayed from stored data (policy-drift, quota before today) say so here. */
  note: string | null;
};

/** One line of a project's delivery log. */
export type AlertDeliveryDto = {
  id: string;
  eventId: string;
  ruleId: string | null;
  kind: AlertRuleKind;
  title: string;
  groupId: number | null;
  channelId: string | null;
  channelName: string;
  channelKind: AlertChannelKind;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  responseCode: number | null;
  createdAt: string;
  deliveredAt: string | null;
};

/** GET /api/projects/:id/alerts/deliveries?status=&limit= (newest first). */
export type AlertDeliveriesDto = { deliveries: AlertDeliveryDto[] };

/** One alert raised for a project (the outbox). */
export type AlertEventDto = {
  id: string;
  ruleId: string | null;
  kind: AlertRuleKind;
  title: string;
  groupId: number | null;
  createdAt: string;
  deliveries: { channelName: string; status: AlertDeliveryStatus }[];
};

export type TriageChangeDto = { state: TriageState; by: string; at: string };

export type GroupTriageDto = {
  state: TriageState;
  /** Who set the current state, and when (null while never triaged). */
  by: string | null;
  at: string | null;
  /** Newest first. */
  history: TriageChangeDto[];
};

/** POST /api/projects/:id/violations/:groupId/triage body; the answer is GroupTriageDto. */
export type TriageInput = { state: TriageState };

/** GET /api/projects/:id/violations/:groupId/alerts: the group's triage and the alerts it raised (newest first). */
export type GroupAlertsDto = { triage: GroupTriageDto; events: AlertEventDto[] };

/**
 * The JSON body POSTed to a webhook channel (docs/alerts.md), signed with `X-Cinch-Signature: sha256=<hex HMAC-SHA256
 * of the raw body under the channel's secret>`; `X-Cinch-Delivery: <delivery id>` is the same on every retry.
 */
export type AlertWebhookPayload = {
  event: AlertRuleKind | "test";
  id: string;
  createdAt: string;
  title: string;
  project: { id: string; name: string; url: string };
  group: {
    id: number;
    directive: string;
    blocked: string;
    count: number;
    total: number;
    firstSeen: string;
    lastSeen: string;
    url: string;
    triage: TriageState;
  } | null;
  sample: {
    documentUrl: string;
    blockedUrl: string;
    sourceFile: string;
    sample: string;
    disposition: string;
    browser: string;
    receivedAt: string;
  } | null;
  rule: {
    id: string;
    kind: AlertRuleKind;
    minCount: number;
    quietMinutes: number;
    params: AlertRuleParams;
  } | null;
  /** Kind-specific facts: spike {lastHour, hourlyAverage, factor}; silence {hours, lastReportAt}; quota {level,
   *  count, cap}; policy-drift {observed, expected, reports}; enforced-block {days}; digest {text}. */
  details: Record<string, unknown>;
};
