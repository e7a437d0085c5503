// Presenters of the script inventory (#18): store records → contract DTOs, field by field.
import type {
  ScriptDetailDto,
  ScriptDto,
  ScriptEventDto,
  ScriptEventKind,
  ScriptPatternDto,
  ScriptReviewDto,
} from "../contract/scripts.ts";
import type { ScriptEventRecord, ScriptPatternRecord, ScriptRecord } from "../store/scripts.ts";
import {
  advice,
  hashable,
  isPaymentPage,
  isScriptEventKind,
  onPaymentPage,
  realHashes,
  sri,
  sriTag,
  statusOf,
} from "../scripts/inventory.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

export function presentScript(s: ScriptRecord, paymentPages: readonly string[]): ScriptDto {
  return {
    id: s.id,
    url: s.url,
    origin: s.origin,
    status: statusOf(s),
    firstSeen: iso(s.firstSeen),
    lastSeen: iso(s.lastSeen),
    pages: s.pages.map((p) => p.url),
    hashes: realHashes(s).map((h) => ({
      hash: h.hash,
      firstSeen: iso(h.firstSeen),
      lastSeen: iso(h.lastSeen),
    })),
    hashable: hashable(s),
    sri: sri(s),
    onPaymentPage: onPaymentPage(s, paymentPages),
    pattern: s.url.includes("*") ? s.url : null,
  };
}

export function presentReview(s: ScriptRecord): ScriptReviewDto | null {
  if (!s.review) return null;
  return {
    status: s.review.status,
    justification: s.review.justification,
    by: s.review.by,
    at: iso(s.review.at),
  };
}

export function presentEvent(e: ScriptEventRecord): ScriptEventDto {
  // Stored kinds are written by Cinch only; an unknown one (a newer version's) shows as the closest neutral kind.
  const kind: ScriptEventKind = isScriptEventKind(e.kind) ? e.kind : "script-reviewed";
  return {
    id: e.id,
    scriptId: e.scriptId,
    url: e.url,
    kind,
    at: iso(e.at),
    detail: e.detail,
    actor: e.actor,
  };
}

export function presentScriptDetail(
  s: ScriptRecord,
  paymentPages: readonly string[],
  events: readonly ScriptEventRecord[],
  hourly: number[],
): ScriptDetailDto {
  return {
    ...presentScript(s, paymentPages),
    pageDetails: s.pages.map((p) => ({
      url: p.url,
      firstSeen: iso(p.firstSeen),
      lastSeen: iso(p.lastSeen),
      payment: isPaymentPage(p.url, paymentPages),
    })),
    review: presentReview(s),
    events: events.map(presentEvent),
    sriTag: sriTag(s),
    advice: advice(s),
    hourly,
  };
}

export function presentPattern(p: ScriptPatternRecord): ScriptPatternDto {
  return {
    id: p.id,
    pattern: p.pattern,
    float: p.float,
    acceptedBy: p.acceptedBy,
    acceptedAt: iso(p.acceptedAt),
  };
}
