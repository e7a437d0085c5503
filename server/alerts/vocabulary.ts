// The alerts' closed vocabularies (#14) and each rule kind's defaults, so a bare {"kind", "channels"} is useful.
import type {
  AlertChannelKind,
  AlertDeliveryStatus,
  AlertRuleKind,
  AlertRuleParams,
  TriageState,
} from "../contract/alerts.ts";

export const CHANNEL_KINDS = ["webhook", "slack", "email"] as const satisfies readonly AlertChannelKind[];
export const RULE_KINDS = [
  "new-group",
  "enforced-block",
  "spike",
  "silence",
  "quota",
  "policy-drift",
  "regression",
  "digest",
  "script-new",
  "script-changed",
] as const satisfies readonly AlertRuleKind[];
export const TRIAGE_STATES = [
  "open",
  "acknowledged",
  "resolved",
  "muted",
] as const satisfies readonly TriageState[];
export const DELIVERY_STATUSES = [
  "pending",
  "delivering",
  "delivered",
  "failed",
] as const satisfies readonly AlertDeliveryStatus[];

export const isChannelKind = (s: unknown): s is AlertChannelKind =>
  (CHANNEL_KINDS as readonly unknown[]).includes(s);
export const isRuleKind = (s: unknown): s is AlertRuleKind => (RULE_KINDS as readonly unknown[]).includes(s);
export const isTriageState = (s: unknown): s is TriageState =>
  (TRIAGE_STATES as readonly unknown[]).includes(s);
export const isDeliveryStatus = (s: unknown): s is AlertDeliveryStatus =>
  (DELIVERY_STATUSES as readonly unknown[]).includes(s);

/** Kinds evaluated from what each commit changed; the others run on the scheduler's tick. */
export const COMMIT_KINDS: ReadonlySet<AlertRuleKind> = new Set([
  "new-group",
  "enforced-block",
  "regression",
]);

/** Parameters with every default filled in. */
export type ResolvedParams = {
  directives: string[];
  under: "any" | "enforced";
  days: number;
  factor: number;
  hours: number;
  levels: number[];
  period: "daily" | "weekly";
  hour: number;
  weekday: number;
};

/** Defaults: csper's 20× for spikes; a week without enforce reports before a block counts as new; 6 h of silence. */
export function resolveParams(p: AlertRuleParams): ResolvedParams {
  return {
    directives: p.directives ?? [],
    under: p.under ?? "any",
    days: p.days ?? 7,
    factor: p.factor ?? 20,
    hours: p.hours ?? 6,
    levels: p.levels ?? [80, 100],
    period: p.period ?? "daily",
    hour: p.hour ?? 8,
    weekday: p.weekday ?? 1,
  };
}

/** Default quiet period and minimum count per kind (minutes, reports). */
export function ruleDefaults(kind: AlertRuleKind): { quietMinutes: number; minCount: number } {
  switch (kind) {
    case "new-group":
    case "enforced-block":
    case "regression":
      return { quietMinutes: 60, minCount: 1 };
    case "spike":
      return { quietMinutes: 360, minCount: 50 };
    case "silence":
    case "policy-drift":
      return { quietMinutes: 24 * 60, minCount: 1 };
    case "quota":
      return { quietMinutes: 24 * 60, minCount: 1 };
    case "digest":
      return { quietMinutes: 60, minCount: 1 };
    // Each change-log event is its own key: the quiet period is how far back a tick looks for events (#18).
    case "script-new":
    case "script-changed":
      return { quietMinutes: 60, minCount: 1 };
  }
}
