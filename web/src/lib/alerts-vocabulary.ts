// The alerts API's closed vocabularies as lists the dashboard iterates (rule kinds, channel kinds, triage states,
// delivery statuses), with the words the pages use for them. Their types come from the server's contract.
import type {
  AlertChannelKind,
  AlertDeliveryStatus,
  AlertRuleKind,
  TriageState,
} from "../../../server/contract.ts";

export const ALERT_RULE_KINDS = [
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

/** Each kind's name and what it watches, in the words the rules form uses. */
export const RULE_KIND_TEXT: Record<AlertRuleKind, { label: string; help: string }> = {
  "new-group": {
    label: "New violation",
    help: "A violation group never seen before (noise excluded): a new script, font or API origin, or an injected one.",
  },
  "enforced-block": {
    label: "Blocked in production",
    help: "Reports with disposition enforce for a group that had none in the last days: the page broke after enforcement.",
  },
  spike: {
    label: "Spike",
    help: "A group's count in the last hour is far above its hourly average over the previous 24 hours.",
  },
  silence: {
    label: "Silence",
    help: "No reports at all for some hours while a version runs: the header is gone or reporting broke.",
  },
  quota: { label: "Daily cap", help: "The project reached a share of its daily cap of reports." },
  "policy-drift": {
    label: "Policy drift",
    help: "Reports whose policy matches none of the project's versions: someone changed the header outside Cinch.",
  },
  regression: { label: "Regression", help: "A group marked resolved is reported again." },
  digest: {
    label: "Digest",
    help: "A daily or weekly summary: new groups, breakage, top groups, noise, the grade.",
  },
  "script-new": {
    label: "New script",
    help: "A script the pages never ran before (from csp-hash and integrity-violation reports): review it in Scripts.",
  },
  "script-changed": {
    label: "Script changed",
    help: "A known script arrived with a hash not seen before: its bytes changed (PCI DSS 11.6.1).",
  },
};

export const ALERT_CHANNEL_KINDS = [
  "webhook",
  "slack",
  "email",
] as const satisfies readonly AlertChannelKind[];

export const CHANNEL_KIND_TEXT: Record<AlertChannelKind, string> = {
  webhook: "Webhook",
  slack: "Slack",
  email: "Email",
};

/** In the order the group page offers them; "open" is the state of a group nobody triaged. */
export const TRIAGE_STATES = [
  "open",
  "acknowledged",
  "resolved",
  "muted",
] as const satisfies readonly TriageState[];

export const TRIAGE_TEXT: Record<TriageState, { label: string; action: string; help: string }> = {
  open: { label: "Open", action: "Reopen", help: "Alerts as usual." },
  acknowledged: {
    label: "Acknowledged",
    action: "Acknowledge",
    help: "Someone is on it; it still alerts.",
  },
  resolved: {
    label: "Resolved",
    action: "Resolve",
    help: "Fixed; reported again, it raises a regression alert.",
  },
  muted: { label: "Muted", action: "Mute", help: "Never alerts." },
};

export function isTriageState(v: string | null): v is TriageState {
  return (TRIAGE_STATES as readonly string[]).includes(v ?? "");
}

export const DELIVERY_STATUS_TEXT: Record<AlertDeliveryStatus, string> = {
  pending: "Pending",
  delivering: "Sending",
  delivered: "Delivered",
  failed: "Failed",
};
