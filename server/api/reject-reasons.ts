// The ids ingest counts refused reports under (`rejected:<id>`), each with the label and sentence the dashboard
// shows (#16: the project page showed `invalid_tag: 1, malformed_json: 1`). The id vocabulary is the contract's
// RejectReason; `satisfies` makes a new id without a label a type error.
import type { RejectedCountDto, RejectReason, RejectReasonLabel } from "../contract.ts";

export const REJECT_REASONS = {
  malformed_json: {
    label: "Not valid JSON",
    description: "The body was empty or not valid JSON, so no report could be read from it.",
  },
  malformed: {
    label: "Unreadable body",
    description: "The request body could not be read (cut off, or not decodable with its Content-Encoding).",
  },
  not_a_report: {
    label: "Not a CSP report",
    description: "Valid JSON, but not a Content-Security-Policy report in any shape a browser sends.",
  },
  too_many_reports: {
    label: "Batch too large",
    description: "One request carried more reports than a single batch may hold.",
  },
  unsupported_media_type: {
    label: "Wrong content type",
    description:
      "The Content-Type was not one browsers use for CSP reports (application/csp-report, application/reports+json, application/json).",
  },
  unsupported_encoding: {
    label: "Unsupported compression",
    description: "The Content-Encoding was not gzip, deflate, br or identity.",
  },
  unsupported_charset: {
    label: "Unsupported character set",
    description: "The Content-Type named a character set other than UTF-8.",
  },
  body_too_large: {
    label: "Body too large",
    description: "The request body was larger than INGEST_BODY_LIMIT allows.",
  },
  invalid_tag: {
    label: "Bad version or environment tag",
    description:
      "The report URL's ?v= was not a positive integer, or its ?env= not 1-32 letters, digits, '.', '_' or '-'.",
  },
  rate_limited: {
    label: "Rate limited",
    description:
      "A client or the project sent reports faster than the rate limit allows; browsers retry later.",
  },
  foreign_origin: {
    label: "From another site",
    description:
      "The report's page is not on one of the project's allowed origins (Settings → Allowed origins).",
  },
  daily_cap: {
    label: "Daily cap reached",
    description: "The project had already taken its daily report cap (Settings → Daily cap).",
  },
  queue_full: {
    label: "Server busy",
    description:
      "The write queue was full, so the report was refused before it could be stored; browsers retry.",
  },
} as const satisfies Record<RejectReason, RejectReasonLabel>;

const isRejectReason = (id: string): id is RejectReason => Object.hasOwn(REJECT_REASONS, id);

/**
 * The refused reports among a project's counters (`rejected:<id>` → count), labelled, most first. An id outside the
 * vocabulary (stored by an older version) is kept, labelled with itself.
 */
export function presentRejected(totals: Readonly<Record<string, number>>): RejectedCountDto[] {
  const out: RejectedCountDto[] = [];
  for (const [kind, count] of Object.entries(totals)) {
    if (!kind.startsWith("rejected:") || count <= 0) continue;
    const id = kind.slice("rejected:".length);
    const known = isRejectReason(id);
    const l: RejectReasonLabel = known
      ? REJECT_REASONS[id]
      : { label: id, description: "Refused by an earlier version of Cinch for this reason." };
    out.push({ id, known, count, label: l.label, description: l.description });
  }
  return out.sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1));
}
