// Words and badges of the script inventory (#18): statuses, change-log kinds, and what "SRI" and "hashable" mean.
import type { ScriptDto, ScriptEventKind, ScriptStatus } from "../../../server/contract.ts";

export const SCRIPT_STATUSES = [
  "new",
  "changed",
  "authorized",
  "rejected",
] as const satisfies readonly ScriptStatus[];

export const isScriptStatus = (s: string | null): s is ScriptStatus =>
  (SCRIPT_STATUSES as readonly string[]).includes(s ?? "");

/** Label, badge class and a one-line meaning per status. */
export const STATUS_TEXT: Record<ScriptStatus, { label: string; badge: string; help: string }> = {
  new: {
    label: "New",
    badge: "badge-triage-acknowledged",
    help: "Seen, never reviewed.",
  },
  changed: {
    label: "Changed — review",
    badge: "badge-triage-open",
    help: "Was authorized, then a hash not seen before arrived: review it again.",
  },
  authorized: {
    label: "Authorized",
    badge: "badge-triage-resolved",
    help: "Reviewed and allowed, with a written justification.",
  },
  rejected: {
    label: "Rejected",
    badge: "badge-delivery-failed",
    help: "Reviewed and not allowed: remove it from the pages.",
  },
};

export const EVENT_TEXT: Record<ScriptEventKind, string> = {
  "script-new": "New script",
  "script-changed": "New hash",
  "script-gone": "Not seen any more",
  "script-no-sri": "On a payment page without SRI",
  "script-reviewed": "Reviewed",
};

/** Whether the browser could hash the script, in words. */
export function hashableText(s: Pick<ScriptDto, "hashable">): string {
  if (s.hashable === true) return "Hashed";
  if (s.hashable === false) return "Not hashable (no CORS)";
  return "No hash report yet";
}

/** Whether the page loads the script with Subresource Integrity, in words. */
export function sriText(s: Pick<ScriptDto, "sri">): string {
  if (s.sri === false) return "Missing";
  if (s.sri === true) return "Added since";
  return "No report";
}

/** The hash shortened for a table cell ("sha384-mQ4rMC1l…"); the full value goes in the title. */
export const shortHash = (h: string): string => (h.length > 20 ? `${h.slice(0, 19)}…` : h);
