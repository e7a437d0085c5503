// The dashboard's numbers (#16): stat cards, per-group page and browser breakdowns, filter values, rejected
// reasons with labels, the test report and field errors. Type-only, built by server/api and read by the dashboard
// (web/src/api/client.ts). Re-exported by server/contract.ts. No runtime code.

import type { Grade, ReasonDto } from "./policy.ts";

// ── One definition of the counts ──────────────────────────────────────────────────────────────────────────────

/**
 * What a number counts. "violations" is the one definition used everywhere: reports Cinch accepted and did not
 * classify as noise (extensions, injected software, browser-internal, ignore rules, test reports).
 */
export type CountKind = "violations" | "noise" | "groups" | "sampled" | "rejected";

/** The ids ingest counts a refused report under (`rejected:<id>` in the project's counters). Closed vocabulary. */
export type RejectReason =
  | "malformed_json"
  | "malformed"
  | "not_a_report"
  | "too_many_reports"
  | "unsupported_media_type"
  | "unsupported_encoding"
  | "unsupported_charset"
  | "body_too_large"
  | "invalid_tag"
  | "rate_limited"
  | "foreign_origin"
  | "daily_cap"
  | "queue_full";

/** A reason's human label and one-sentence description (server/reports/reject-reasons.ts holds the table). */
export type RejectReasonLabel = { label: string; description: string };

/** Refused reports of one reason. `known` is false for an id outside the vocabulary (then label = id). */
export type RejectedCountDto = { id: string; known: boolean; count: number } & RejectReasonLabel;

/** One stat card: its value and exactly what it counts. */
export type StatCardDto = {
  id: CountKind;
  /** Short title, e.g. "Violations". */
  label: string;
  value: number;
  /** One sentence saying what is counted, e.g. "Reports in the window, noise excluded, matching the filters". */
  counts: string;
  /** Whether the explorer's filters narrow this number (false: project-wide over the window). */
  followsFilters: boolean;
};

/**
 * How the page filter counted. Per-page counts are kept per group per UTC day (top pages of each day + "other"),
 * so with a page filter the counts cover the whole UTC days the window touches (`since`/`until` here), every
 * tag (disposition, version, environment) of the page's reports.
 */
export type PageCountingDto = {
  page: string;
  since: string;
  until: string;
  /**
   * Groups listed because the page is in their stored page list but with no per-page counts for it in the window
   * (they predate per-page counting, or the page fell into "other"): listed with `pageMatch: "listed"` and count 0.
   */
  listedOnly: number;
};

/** GET /api/projects/:id/violations: `counting` says what `count` and `totals.reports` count. */
export type ViolationsCountingDto = {
  kind: "violations" | "noise" | "all";
  /** One sentence for the table caption. */
  label: string;
  /** Set when the page filter is active. */
  page: PageCountingDto | null;
};

/** GET /api/projects/:id/summary (same filters as /violations): the stat cards. */
export type SummaryDto = {
  window: { since: string; until: string };
  cards: StatCardDto[];
  /** Refused reports in the window by reason, with labels (project-wide: refused reports belong to no group). */
  rejected: RejectedCountDto[];
  page: PageCountingDto | null;
};

/** Reports in the last 24 h / 7 days on the projects list: violations (noise excluded), and noise apart. */
export type ProjectCountsDto = {
  last24h: number;
  last7d: number;
  /** Violations per hour over 7 days, oldest first. */
  hourly: number[];
  noise24h: number;
  /** What last24h counts, e.g. "Violations (noise excluded) in the last 24 hours". */
  label: string;
};

// ── Where and in which browsers ───────────────────────────────────────────────────────────────────────────────

export type BreakdownRowDto = {
  value: string;
  count: number;
  /** count / counted, 0–1. */
  share: number;
};

/**
 * A group's reports by page (document URL) or by browser in the window. Stored bounded: per group per UTC day,
 * the first N distinct values of that day are counted, the rest go to "other".
 */
export type BreakdownDto = {
  dimension: "page" | "browser";
  /** The top values over the window, most reports first (at most 10). */
  rows: BreakdownRowDto[];
  /** Reports not in `rows`: values beyond the stored top N of a day, and beyond the 10 shown. */
  other: { count: number; share: number };
  /** Reports the rows and other cover. */
  counted: number;
  /** Reports of the group in the window with no per-page/browser counts (received before counting began). */
  uncounted: number;
  /** Values known from the group's stored list (first pages/browsers ever seen), without counts. */
  listed: string[];
  /** The counted span: whole UTC days. */
  since: string;
  until: string;
};

/** The extra fields of GET /api/projects/:id/violations/:groupId. */
export type GroupBreakdownsDto = { pageBreakdown: BreakdownDto; browserBreakdown: BreakdownDto };

/** How a listed group matched the page filter: counted per page, or only by its stored page list. */
export type PageMatch = "counted" | "listed";

// ── Filter values ─────────────────────────────────────────────────────────────────────────────────────────────

export type FilterValueDto<T> = { value: T; count: number };

/** GET /api/projects/:id/filter-values?since&until: values seen in the window, with their report counts. */
export type FilterValuesDto = {
  /** Policy versions (`?v=N` on the report URL); 0 = untagged. */
  versions: FilterValueDto<number>[];
  /** Environments (`?env=`); "" = untagged. */
  environments: FilterValueDto<string>[];
  dispositions: FilterValueDto<string>[];
  directives: FilterValueDto<string>[];
};

// ── Grade ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** What the score is made of: 100 minus each deduction, family caps applied, floored at 0, then the letter. */
export type ScoreBreakdownDto = {
  start: number;
  deductions: ReasonDto[];
  /** Families whose repeated findings are capped: points asked vs counted. */
  caps: { label: string; max: number; asked: number; counted: number }[];
  lost: number;
  score: number;
  grade: Grade;
  thresholds: { grade: Grade; min: number }[];
  /** e.g. "100 − 25 (high: script-src) − 5 (allowlist advice, capped) = 70 → C". */
  summary: string;
};

// ── First run ─────────────────────────────────────────────────────────────────────────────────────────────────

/** POST /api/projects/:id/test-report: a real report sent to the project's public report URI. */
export type TestReportDto = {
  arrived: boolean;
  /** Where it was sent: the project's report URI. */
  reportUri: string;
  /** The ingest endpoint's HTTP status; null when it could not be reached. */
  status: number | null;
  /** The group it is stored in (noise "test-report": shown, flagged, kept out of the builder and alerts). */
  groupId: number | null;
  elapsedMs: number;
  /** One sentence: what happened and, when it failed, what to check. */
  message: string;
};

// ── Errors ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Every error answer. `field` (dotted path, e.g. "ignoreRules.hosts") and `line` (1-based item of a list) are
 * set when one input caused it; the message names them ("Blocked hosts, line 2: use a host like ads.example.net").
 * A group that no longer exists answers 404 `group_not_found`.
 */
export type ApiErrorDto = { error: string; message: string; field?: string; line?: number };
