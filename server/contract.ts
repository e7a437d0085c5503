// Type-only DTOs shared by the API (server/api) and the dashboard (web/src/api/client.ts). No runtime code.
// The policy API's answers are in contract/policy.ts, the alerts API's in contract/alerts.ts and the script
// inventory's in contract/scripts.ts, re-exported here: the dashboard imports this file only.

export type * from "./contract/policy.ts";
export type * from "./contract/alerts.ts";
export type * from "./contract/dashboard.ts";
export type * from "./contract/scripts.ts";
import type { TriageState } from "./contract/alerts.ts";
import type {
  GroupBreakdownsDto,
  PageMatch,
  ProjectCountsDto,
  ViolationsCountingDto,
} from "./contract/dashboard.ts";
import type { ScriptSettingsDto } from "./contract/scripts.ts";

export type IgnoreRulesDto = { hosts: string[]; schemes: string[]; sampleContains: string[] };

export type ProjectSettingsDto = {
  ignoreRules: IgnoreRulesDto;
  sampleRate: number;
  dailyCap: number | null;
  allowedOrigins: string[];
  evidenceThreshold: number;
} & ScriptSettingsDto;

export type InstallDto = {
  reportUri: string;
  /** Value of the Reporting-Endpoints header, e.g. `cinch="https://…/r/KEY"`. */
  reportingEndpoints: string;
  /** Value of a starter Content-Security-Policy-Report-Only header. */
  reportOnlyPolicy: string;
  /** Whole header lines, ready to paste. */
  headers: string[];
  notes: string[];
};

export type ProjectDto = {
  id: string;
  name: string;
  reportKey: string;
  reportUri: string;
  reportingEndpoints: string;
  reportOnlyPolicy: string;
  install: InstallDto;
  settings: ProjectSettingsDto;
  builtin: boolean;
  createdAt: string;
  /** Violations (noise excluded) in the last 24 hours and 7 days, hourly over 7 days, and noise apart. */
  counts?: ProjectCountsDto;
};

export type GroupDto = {
  id: number;
  directive: string;
  blocked: string;
  /** Reports in the requested window. */
  count: number;
  /** Reports since the group was first seen. */
  total: number;
  firstSeen: string;
  lastSeen: string;
  noise: string | null;
  pages: string[];
  browsers: string[];
  /** In listings: reports per equal slice of the window (24 at most), oldest first. */
  trend?: number[];
  /** The group's triage state (contract/alerts.ts); "open" when never triaged. */
  triage?: TriageState;
  /** With the page filter: whether `count` is that page's reports ("counted") or the page is only listed. */
  pageMatch?: PageMatch;
};

export type ViolationsDto = {
  groups: GroupDto[];
  totals: { groups: number; reports: number; byDirective: Record<string, number> };
  window: { since: string; until: string };
  /** What `count` and `totals.reports` count (contract/dashboard.ts). */
  counting?: ViolationsCountingDto;
};

export type SeriesDto = { points: { hour: string; directive: string; count: number }[] };

export type SampleDto = {
  receivedAt: string;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: number | null;
  column: number | null;
  sample: string;
  statusCode: number | null;
  browser: string;
  disposition: string | null;
  policyVersion: number | null;
  env: string;
};

export type GroupDetailDto = {
  group: GroupDto;
  samples: SampleDto[];
  series: { hour: string; count: number }[];
  byVersion: Record<string, number>;
  byDisposition: Record<string, number>;
  byEnv: Record<string, number>;
} & Partial<GroupBreakdownsDto>;

export type StatsDto = {
  totals: Record<string, number>;
  hourly: { hour: string; counts: Record<string, number> }[];
};

/** One live-tail event (Server-Sent Events on /api/projects/:id/tail). */
export type TailEventDto = {
  receivedAt: string;
  directive: string;
  blocked: string;
  documentUrl: string;
  noise: string | null;
  browser: string;
};

/** POST /api/session and POST /api/setup answer 201 with this (and set the session cookie). */
export type SignedInDto = { csrfToken: string };

/** GET /api/session: who is signed in, and the CSRF token to send as X-CSRF-Token on state-changing requests. */
export type SessionDto = { user: { email: string }; csrfToken: string };

/** GET /api/setup: whether the first admin still has to be created. */
export type SetupStateDto = { needed: boolean };

export type ApiTokenScope = "read" | "write" | "admin";

/** An API token as listed (never the token itself). */
export type ApiTokenDto = {
  id: string;
  name: string;
  scope: ApiTokenScope;
  createdAt: string;
  lastUsedAt: string | null;
};

/** POST /api/tokens: the token is in this answer once and never shown again. */
export type CreatedApiTokenDto = ApiTokenDto & { token: string };

export type MovedDto = { groups: number; reports: number };

/** What a change of ignore rules moved: stored groups to noise, and ignore-rule noise back. */
export type ReclassifiedDto = { ignored: MovedDto; restored: MovedDto };

/** PATCH /api/projects/:id: the project, and `reclassified` when the ignore rules were part of the change. */
export type UpdatedProjectDto = ProjectDto & { reclassified?: ReclassifiedDto };
