// The alert rule form's draft (strings, as typed), its defaults, and its validation into the API's rule body.
// Pure: the form component renders the errors at their fields.
import type {
  AlertRuleDto,
  AlertRuleInput,
  AlertRuleKind,
  AlertRuleParams,
} from "../../../server/contract.ts";

export type RuleDraft = {
  kind: AlertRuleKind;
  channels: string[];
  minCount: string;
  quietMinutes: string;
  enabled: boolean;
  /** Directive names separated by spaces or commas; empty means all. */
  directives: string;
  under: "any" | "enforced";
  days: string;
  factor: string;
  hours: string;
  /** Percentages of the daily cap, separated by spaces or commas. */
  levels: string;
  period: "daily" | "weekly";
  hour: string;
  weekday: string;
};

export type RuleField = Exclude<keyof RuleDraft, "kind" | "enabled" | "under" | "period">;
export type RuleErrors = Partial<Record<RuleField, string>>;

/**
 * The minimum count and quiet period the server gives each kind when a rule leaves them out (its
 * server/alerts/vocabulary.ts ruleDefaults), pre-filled so the form says what a rule will do: a new group alerts
 * on its first report, at most once an hour; a spike needs 50 reports in the hour and waits 6 hours.
 */
export const KIND_DEFAULTS: Record<AlertRuleKind, { minCount: number; quietMinutes: number }> = {
  "new-group": { minCount: 1, quietMinutes: 60 },
  "enforced-block": { minCount: 1, quietMinutes: 60 },
  regression: { minCount: 1, quietMinutes: 60 },
  spike: { minCount: 50, quietMinutes: 360 },
  silence: { minCount: 1, quietMinutes: 1440 },
  "policy-drift": { minCount: 1, quietMinutes: 1440 },
  quota: { minCount: 1, quietMinutes: 1440 },
  digest: { minCount: 1, quietMinutes: 60 },
  "script-new": { minCount: 1, quietMinutes: 60 },
  "script-changed": { minCount: 1, quietMinutes: 60 },
};

/** The parameters' defaults, as the server resolves a rule's missing ones (csper's 20× for spikes). */
export const RULE_DEFAULTS = {
  days: 7,
  factor: 20,
  hours: 6,
  levels: [80, 100],
  period: "daily",
  hour: 8,
  weekday: 1,
} as const;

/** Which parameters each kind reads (the rest are not sent). */
export const KIND_PARAMS: Record<AlertRuleKind, readonly (keyof AlertRuleParams)[]> = {
  "new-group": ["directives", "under"],
  "enforced-block": ["directives", "days"],
  spike: ["directives", "factor"],
  silence: ["hours"],
  quota: ["levels"],
  "policy-drift": [],
  regression: ["directives"],
  digest: ["period", "hour", "weekday"],
  "script-new": [],
  "script-changed": [],
};

/**
 * What the minimum count counts, for the kinds that read it (the server ignores it for silence, quota, regression
 * and digests, so the form hides it there).
 */
export const MIN_COUNT_HINT: Partial<Record<AlertRuleKind, string>> = {
  "new-group": "Reports a new group needs before it alerts (1: its first report).",
  "enforced-block": "Enforce reports needed after the quiet days (1: the first one).",
  spike: "Reports the last hour needs as well as the factor.",
  "policy-drift": "Reports with an unknown policy needed before it alerts.",
};

export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
] as const;

/** A new rule: new violations, to the first channel when there is one. */
export function newRuleDraft(channels: readonly string[] = []): RuleDraft {
  const d = RULE_DEFAULTS;
  const k = KIND_DEFAULTS["new-group"];
  return {
    kind: "new-group",
    channels: channels.slice(0, 1),
    minCount: String(k.minCount),
    quietMinutes: String(k.quietMinutes),
    enabled: true,
    directives: "",
    under: "any",
    days: String(d.days),
    factor: String(d.factor),
    hours: String(d.hours),
    levels: d.levels.join(", "),
    period: d.period,
    hour: String(d.hour),
    weekday: String(d.weekday),
  };
}

/**
 * Change a draft's kind: the minimum count and quiet period follow the new kind's defaults unless the user
 * changed them from the old kind's.
 */
export function withKind(d: RuleDraft, kind: AlertRuleKind): RuleDraft {
  const was = KIND_DEFAULTS[d.kind];
  const now = KIND_DEFAULTS[kind];
  return {
    ...d,
    kind,
    minCount: d.minCount.trim() === String(was.minCount) ? String(now.minCount) : d.minCount,
    quietMinutes:
      d.quietMinutes.trim() === String(was.quietMinutes) ? String(now.quietMinutes) : d.quietMinutes,
  };
}

/** The draft of a saved rule (parameters it does not set show their defaults). */
export function ruleDraftOf(r: AlertRuleDto): RuleDraft {
  const base = newRuleDraft();
  const p = r.params;
  return {
    ...base,
    kind: r.kind,
    channels: [...r.channels],
    minCount: String(r.minCount),
    quietMinutes: String(r.quietMinutes),
    enabled: r.enabled,
    directives: (p.directives ?? []).join(", "),
    under: p.under ?? base.under,
    days: String(p.days ?? base.days),
    factor: String(p.factor ?? base.factor),
    hours: String(p.hours ?? base.hours),
    levels: (p.levels ?? RULE_DEFAULTS.levels).join(", "),
    period: p.period ?? base.period,
    hour: String(p.hour ?? base.hour),
    weekday: String(p.weekday ?? base.weekday),
  };
}

const words = (s: string): string[] => s.split(/[\s,]+/).filter(Boolean);

/** A whole number in [min, max], or null. Blank is not a number here: the form pre-fills every default. */
function wholeIn(s: string, min: number, max: number): number | null {
  const t = s.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

const quoted = (s: string) => `“${s.trim()}”`;

/**
 * Validate a draft into the API's rule body, or say per field what is wrong, naming the value. `forPreview`
 * allows no channel (a preview sends nothing).
 */
export function ruleInputOf(
  d: RuleDraft,
  opts: { forPreview?: boolean } = {},
): { input: AlertRuleInput } | { errors: RuleErrors } {
  const errors: RuleErrors = {};
  const uses = new Set(KIND_PARAMS[d.kind]);
  if (d.channels.length === 0 && !opts.forPreview)
    errors.channels = "Choose at least one channel to send to.";
  const minCount = wholeIn(d.minCount, 1, 1_000_000_000);
  if (minCount === null)
    errors.minCount = `Minimum count must be a whole number of at least 1, not ${quoted(d.minCount)}.`;
  const quietMinutes = wholeIn(d.quietMinutes, 0, 129_600);
  if (quietMinutes === null)
    errors.quietMinutes = `Quiet period must be a whole number of minutes from 0 to 129600 (90 days: alerts are kept that long), not ${quoted(d.quietMinutes)}.`;

  const params: AlertRuleParams = {};
  if (uses.has("directives")) {
    const list = words(d.directives.toLowerCase());
    const bad = list.filter((x) => !/^[a-z][a-z-]*$/.test(x));
    if (list.length > 30) errors.directives = `Name at most 30 directives (there are ${list.length}).`;
    else if (bad.length)
      errors.directives = `Not a directive name: ${bad.map(quoted).join(", ")}. Use names like script-src-elem, separated by commas.`;
    else if (list.length) params.directives = [...new Set(list)];
  }
  if (uses.has("under")) params.under = d.under;
  if (uses.has("days")) {
    const days = wholeIn(d.days, 1, 90);
    if (days === null) errors.days = `Days must be a whole number from 1 to 90, not ${quoted(d.days)}.`;
    else params.days = days;
  }
  if (uses.has("factor")) {
    const t = d.factor.trim();
    const factor = Number(t);
    if (!t || !Number.isFinite(factor) || factor <= 1 || factor > 1000)
      errors.factor = `Factor must be a number above 1 and at most 1000, not ${quoted(d.factor)}.`;
    else params.factor = factor;
  }
  if (uses.has("hours")) {
    const hours = wholeIn(d.hours, 1, 720);
    if (hours === null) errors.hours = `Hours must be a whole number from 1 to 720, not ${quoted(d.hours)}.`;
    else params.hours = hours;
  }
  if (uses.has("levels")) {
    const raw = words(d.levels.replace(/%/g, " "));
    const levels = raw.map((x) => wholeIn(x, 1, 100));
    const bad = raw.filter((_, i) => levels[i] === null);
    if (raw.length === 0) errors.levels = "Give at least one percentage of the daily cap, e.g. 80, 100.";
    else if (raw.length > 5) errors.levels = `Give at most 5 percentages (there are ${raw.length}).`;
    else if (bad.length)
      errors.levels = `Percentages must be whole numbers from 1 to 100, not ${bad.map(quoted).join(", ")}.`;
    else params.levels = [...new Set(levels as number[])].sort((a, b) => a - b);
  }
  if (uses.has("period")) params.period = d.period;
  if (uses.has("hour")) {
    const hour = wholeIn(d.hour, 0, 23);
    if (hour === null) errors.hour = `Hour must be a whole number from 0 to 23 (UTC), not ${quoted(d.hour)}.`;
    else params.hour = hour;
  }
  if (uses.has("weekday") && d.period === "weekly") {
    const weekday = wholeIn(d.weekday, 0, 6);
    if (weekday === null) errors.weekday = "Choose a weekday.";
    else params.weekday = weekday;
  }
  if (Object.keys(errors).length || minCount === null || quietMinutes === null) return { errors };
  return {
    input: { kind: d.kind, channels: [...d.channels], minCount, quietMinutes, params, enabled: d.enabled },
  };
}

/** What a saved rule's parameters mean, in a few words for the rules table. */
export function paramsSummary(r: Pick<AlertRuleDto, "kind" | "params">): string {
  const p = r.params;
  const dirs = p.directives?.length ? `${p.directives.join(", ")} only` : null;
  const parts: (string | null)[] = [];
  switch (r.kind) {
    case "new-group":
      parts.push(dirs, p.under === "enforced" ? "while a version is enforced" : null);
      break;
    case "enforced-block":
      parts.push(dirs, `none in the last ${p.days ?? RULE_DEFAULTS.days} days`);
      break;
    case "spike":
      parts.push(dirs, `${p.factor ?? RULE_DEFAULTS.factor}× the hourly average`);
      break;
    case "silence":
      parts.push(`no reports for ${p.hours ?? RULE_DEFAULTS.hours} hours`);
      break;
    case "quota":
      parts.push(
        `at ${(p.levels ?? RULE_DEFAULTS.levels).map((l) => `${l} %`).join(" and ")} of the daily cap`,
      );
      break;
    case "policy-drift":
    case "script-new":
    case "script-changed":
      break;
    case "regression":
      parts.push(dirs);
      break;
    case "digest": {
      const hour = `${String(p.hour ?? RULE_DEFAULTS.hour).padStart(2, "0")}:00 UTC`;
      parts.push(
        (p.period ?? RULE_DEFAULTS.period) === "weekly"
          ? `weekly, ${WEEKDAYS[p.weekday ?? RULE_DEFAULTS.weekday] ?? "Monday"} at ${hour}`
          : `daily at ${hour}`,
      );
      break;
    }
  }
  return parts.filter(Boolean).join("; ") || "—";
}
