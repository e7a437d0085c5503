// Type-only DTOs of the script inventory API (#18): every script the project's pages run (from `csp-hash` and
// `integrity-violation` reports), its hashes, pages, review and change log. No runtime code: re-exported by
// server/contract.ts for the dashboard.

/**
 * A script's review state. `new`: never reviewed. `authorized` / `rejected`: reviewed with a justification.
 * `changed`: was authorized, then a hash not seen before arrived (review again), unless its URL pattern floats.
 */
export type ScriptStatus = "new" | "authorized" | "rejected" | "changed";

/** What a reviewer may set (POST …/review). */
export type ScriptReviewStatus = "authorized" | "rejected";

/**
 * A change-log entry's kind. `script-new`: first report for a URL. `script-changed`: a hash not seen before for a
 * known URL. `script-gone`: not seen for the project's `scriptGoneDays` (a scheduled check). `script-no-sri`:
 * seen on a payment page without SRI (once per script and page). `script-reviewed`: a person authorized or
 * rejected it (the justification is in `detail`).
 */
export type ScriptEventKind =
  "script-new" | "script-changed" | "script-gone" | "script-no-sri" | "script-reviewed";

/** One hash the browser computed for the script (`sha384-…`, SRI syntax), and when it was seen. */
export type ScriptHashDto = { hash: string; firstSeen: string; lastSeen: string };

/** One page (document URL without query or fragment) the script ran on. */
export type ScriptPageDto = { url: string; firstSeen: string; lastSeen: string; payment: boolean };

/** The last review: who, when, why. */
export type ScriptReviewDto = { status: ScriptReviewStatus; justification: string; by: string; at: string };

/** One script in the inventory, as listed by GET /api/projects/:id/scripts. */
export type ScriptDto = {
  id: number;
  /** The script URL without query or fragment, or the accepted pattern (with `*`) it is grouped under. */
  url: string;
  origin: string;
  status: ScriptStatus;
  firstSeen: string;
  lastSeen: string;
  /** Page URLs it ran on, most recent first (at most 50 kept per script). */
  pages: string[];
  /** Non-empty hashes, most recently seen first. */
  hashes: ScriptHashDto[];
  /**
   * true: the browser could hash it (same-origin, or cross-origin in CORS mode). false: the last `csp-hash`
   * report carried an empty hash (cross-origin without CORS: add `crossorigin="anonymous"` to the tag and
   * `Access-Control-Allow-Origin` to the script's response). null: no `csp-hash` report yet.
   */
  hashable: boolean | null;
  /**
   * false: loaded without SRI (an `integrity-violation` came within the day before its last sighting). true:
   * such reports came earlier and stopped while the script is still seen. null: never reported without SRI
   * (it has SRI, or the page does not send `Integrity-Policy-Report-Only`).
   */
  sri: boolean | null;
  /** Whether one of its pages matches the project's payment-page patterns. */
  onPaymentPage: boolean;
  /** The accepted URL pattern it is grouped under (then `url` is that pattern), or null. */
  pattern: string | null;
};

/** GET /api/projects/:id/scripts (filters: status, payment=1, origin, missingSri=1, changed=1). */
export type ScriptsDto = {
  scripts: ScriptDto[];
  /** Scripts per status in the whole inventory (not only the filtered list). */
  counts: Record<ScriptStatus, number>;
};

/** One entry of the inventory's change log. */
export type ScriptEventDto = {
  id: number;
  scriptId: number;
  url: string;
  kind: ScriptEventKind;
  at: string;
  /**
   * script-changed: the new hash; script-no-sri: the page; script-gone: when it was last seen (ISO);
   * script-reviewed: "<status>: <justification>"; script-new: "".
   */
  detail: string;
  /** script-reviewed: who; others: null. */
  actor: string | null;
};

/** GET /api/projects/:id/scripts/events (since, until, kind, scriptId). */
export type ScriptEventsDto = { events: ScriptEventDto[] };

/** GET /api/projects/:id/scripts/:scriptId, and the answer of POST …/review. */
export type ScriptDetailDto = ScriptDto & {
  /** Every page kept, with first/last seen and whether it is a payment page. */
  pageDetails: ScriptPageDto[];
  review: ScriptReviewDto | null;
  /** The script's change log, newest first. */
  events: ScriptEventDto[];
  /**
   * With exactly one hash seen (and hashable): the tag to paste,
   * `<script src="…" integrity="sha384-…" crossorigin="anonymous"></script>`; otherwise null.
   */
  sriTag: string | null;
  /** Why there is no tag, or what to change (no CORS, several hashes, pattern): a sentence, or null. */
  advice: string | null;
  /** Reports per hour over the last 7 days (oldest first, 168 entries). */
  hourly: number[];
};

/** POST /api/projects/:id/scripts/:scriptId/review body. */
export type ScriptReviewInput = { status: ScriptReviewStatus; justification: string };

/** GET /api/projects/:id/scripts/sri: paste-ready tags, and the scripts still loaded without SRI. */
export type ScriptSriDto = {
  tags: { scriptId: number; url: string; tag: string }[];
  missing: { scriptId: number; url: string; reason: string }[];
};

/**
 * A URL pattern grouping versioned paths: a `*` in place of the version, as in `https://cdn.example/lib@*` followed
 * by `/x.js`. `float`: a new hash under it needs no new review.
 */
export type ScriptPatternDto = {
  id: number;
  pattern: string;
  float: boolean;
  acceptedBy: string;
  acceptedAt: string;
};

/** GET /api/projects/:id/scripts/patterns: accepted patterns and suggestions from versioned URLs seen. */
export type ScriptPatternsDto = {
  patterns: ScriptPatternDto[];
  suggestions: { pattern: string; examples: string[] }[];
};

/** POST /api/projects/:id/scripts/patterns body. */
export type ScriptPatternInput = { pattern: string; float: boolean };

/** GET /api/projects/:id/scripts/export?format=json (since, until: ISO dates; events in that period). */
export type ScriptExportDto = {
  project: { id: string; name: string };
  generatedAt: string;
  period: { since: string; until: string };
  scripts: (ScriptDto & { review: ScriptReviewDto | null })[];
  events: ScriptEventDto[];
};

/** The project settings of the inventory (part of ProjectSettingsDto). */
export type ScriptSettingsDto = {
  /** Put 'report-sha384' in the script directive of the policies Cinch serves and the install values. */
  reportScriptHashes: boolean;
  /** Path patterns (`/checkout/*`, `/pay`) of payment pages; `*` matches any characters. */
  paymentPages: string[];
  /** A script not seen for this many days gets a script-gone event. */
  scriptGoneDays: number;
};
