// The policy API's answers (/api/projects/:id/policy/*), type-only, built by server/api/present-policy.ts and
// read as they are by the dashboard (web/src/api/client.ts). Re-exported by server/contract.ts. No runtime code.

import type { ScoreBreakdownDto } from "./dashboard.ts";

// ── Vocabularies ────────────────────────────────────────────────────────────────────────────────────────────

/** A policy version's place in the rollout: draft → report-only → enforced → retired. */
export type VersionState = "draft" | "report-only" | "enforced" | "retired";

/** Export formats of GET /policy/export and the public pipeline URL. */
export type ExportFormat =
  | "header"
  | "meta"
  | "nginx"
  | "apache"
  | "caddy"
  | "iis"
  | "helmet"
  | "nextjs"
  | "phoenix"
  | "rails"
  | "django"
  | "cloudflare";

/** Without a version, the export serves the enforced version, the report-only candidate, or both. */
export type DeployState = "both" | "enforced" | "report-only";

export type Grade = "A" | "B" | "C" | "D" | "F";

export type Severity = "high" | "medium" | "low" | "info" | "syntax";

// ── Build (GET /policy/suggestion, POST /policy/build) ────────────────────────────────────────────────────────

/** One stored report behind a suggestion or decision. */
export type EvidenceSampleDto = {
  sample: string;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: number | null;
  /** The version (`?v=N`) it was sent under: null when untagged, absent when the build did not read it. */
  policyVersion?: number | null;
};

/** The reports behind a suggestion or decision: the first 10 pages and 3 samples; times in epoch ms. */
export type EvidenceDto = {
  count: number;
  pages: string[];
  firstSeen: number;
  lastSeen: number;
  samples: EvidenceSampleDto[];
};

/** One proposed change to one directive; `id` is stable across builds. refuse = a product rule forbids it. */
export type SuggestionDto = {
  id: string;
  directive: string;
  source: string;
  action: "add" | "remove" | "refuse";
  reason: string;
  evidence: EvidenceDto;
  groupIds: (string | number)[];
  /** Whether the candidate includes this change. */
  applied: boolean;
  /** A hash computed from a report sample: verify it under report-only before enforcing. */
  verify?: boolean;
};

/** A risky choice the builder never makes by itself; applied only once accepted. */
export type DecisionDto = {
  id: string;
  kind: "unsafe-keyword" | "nonce" | "unsafe-hashes" | "wildcard" | "blocked-in-production";
  directive: string;
  /** Sources accepting adds. */
  add: string[];
  /** Sources accepting removes (the origins a wildcard replaces). */
  remove: string[];
  reason: string;
  risk: string;
  evidence: EvidenceDto;
  groupIds: (string | number)[];
  accepted: boolean;
  /** blocked-in-production: the enforced version that blocked it, and how many reports it blocked. */
  blockedSince?: number;
  blockedReports?: number;
};

/** One problem with a policy; `points` is what it costs the grade before per-check caps. */
export type FindingDto = {
  severity: Severity;
  directive: string;
  value: string | null;
  message: string;
  /** Stable id of the check (csp_evaluator's type name, or Cinch's). */
  check: string;
  origin: "csp_evaluator" | "cinch";
  points: number;
};

/** One deduction from the score: the points it cost and the finding behind it. */
export type ReasonDto = { points: number; check: string; directive: string; message: string };

/** The candidate policy built from the stored reports, and everything needed to judge it. */
export type BuildResultDto = {
  policy: string;
  /** The policy the build started from (the current version, or the starter). */
  base: string;
  /** The version `base` came from (null: the starter policy or a given base). */
  baseVersion: number | null;
  /** One page of the suggestions (`offset`, `limit`); `suggestionCount` counts them all. */
  suggestions: SuggestionDto[];
  suggestionCount: number;
  offset: number;
  limit: number;
  /**
   * One page of the decisions (`decisionOffset`, `decisionLimit`), blocked-in-production ones first;
   * `decisionCount` counts them all.
   */
  decisions: DecisionDto[];
  decisionCount: number;
  decisionOffset: number;
  decisionLimit: number;
  grade: Grade;
  score: number;
  findings: FindingDto[];
  reasons: ReasonDto[];
  /** What the score is made of (contract/dashboard.ts); every answer carries it (optional for older fixtures). */
  breakdown?: ScoreBreakdownDto;
  /** The policy's length in characters. */
  size: number;
  warnings: string[];
};

/** POST /policy/build: choices on top of the stored reports (all optional). */
export type BuildRequest = {
  base?: string;
  accepted?: string[];
  rejected?: string[];
  acceptUnsafe?: { directive: string; keyword: string }[];
  minCount?: number;
  sinceDays?: number;
};

// ── Evaluate (POST /policy/evaluate) ───────────────────────────────────────────────────────────────────────

/** Something the parser flagged; `value` is the offending source of an invalid-source issue. */
export type PolicyIssueDto = {
  kind: "duplicate" | "unknown" | "deprecated" | "invalid-name" | "invalid-source" | "multiple-policies";
  directive: string;
  message: string;
  value?: string;
};

/** A policy's grade, its findings, and the minified text. */
export type EvaluationDto = {
  grade: Grade;
  score: number;
  findings: FindingDto[];
  reasons: ReasonDto[];
  /** What the score is made of (contract/dashboard.ts); every answer carries it (optional for older fixtures). */
  breakdown?: ScoreBreakdownDto;
  size: number;
  minified: string;
  minifiedSize: number;
  issues: PolicyIssueDto[];
};

// ── Preview (POST /policy/preview) ─────────────────────────────────────────────────────────────────────────

export type PreviewTotalsDto = { groups: number; reports: number; recentReports: number };
export type PreviewBucketDto = PreviewTotalsDto & { key: string };

export type PreviewGroupDto = {
  id: string | number;
  directive: string;
  blocked: string;
  count: number;
  recentCount: number;
  /** The directive whose list decided (null: nothing governs the type). */
  governing: string | null;
  pages: string[];
  /** Allowed only on a condition reports cannot prove. */
  condition?: "nonce" | "sample-hash" | "strict-dynamic";
};

/** What enforcing a policy would block, replayed over the stored groups; lists cut to `limit` entries. */
export type PreviewDto = {
  total: PreviewTotalsDto;
  blocked: PreviewTotalsDto;
  conditional: PreviewTotalsDto;
  byDirective: PreviewBucketDto[];
  /** Keyed `${directive} ${blocked}`. */
  bySource: PreviewBucketDto[];
  byPage: PreviewBucketDto[];
  blockedGroups: PreviewGroupDto[];
  conditionalGroups: PreviewGroupDto[];
  /** Full lengths of the lists. */
  counts: {
    blockedGroups: number;
    conditionalGroups: number;
    byDirective: number;
    bySource: number;
    byPage: number;
  };
  summary: string;
  limit: number;
};

// ── Versions (/policy/versions…) ──────────────────────────────────────────────────────────────────────────

export type PolicyVersionDto = {
  version: number;
  state: VersionState;
  policy: string;
  /** The policy as served: report URLs tagged with ?v=N. */
  servedPolicy: string;
  notes: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
};

/** GET /policy/versions. */
export type PolicyVersionListDto = { versions: PolicyVersionDto[] };

/** The header lines to deploy now (after a state change, and in the rollout status). */
export type DeployHeadersDto = { deploy: string };

/** POST /policy/versions/:version/state: the version, and the header(s) to deploy now. */
export type PolicyVersionMovedDto = PolicyVersionDto & DeployHeadersDto;

export type CompareGroupDto = {
  id: string | number;
  directive: string;
  blocked: string;
  countFrom: number;
  countTo: number;
};

/** GET /policy/versions/compare: groups `to` saw and `from` did not, the reverse, and both. */
export type CompareDto = {
  from: number;
  to: number;
  added: CompareGroupDto[];
  resolved: CompareGroupDto[];
  persisting: CompareGroupDto[];
};

// ── Deploy (/policy/rollout, /policy/export, /policy/key) ────────────────────────────────────────────────────

/** One line of a version's "ready to enforce" checklist: what holds, or what is still missing. */
export type RolloutChecklistItemDto = { id: string; ok: boolean; text: string };

/** A version's rollout status: how long and on how much traffic it ran report-only, and what it would break. */
export type VersionRolloutDto = {
  version: number;
  state: VersionState;
  /** When it started report-only (epoch ms), null if it never ran report-only. */
  reportOnlySince: number | null;
  /** How long it ran (or has been running) report-only, in ms. */
  ranMs: number;
  /** Reports tagged ?v=N, and distinct pages among them. */
  reports: number;
  pages: number;
  /** The enforced version its groups are compared with (null: none, or this is it). */
  comparedWith: number | null;
  /** Groups reported under this version and never under the enforced one: what enforcing it would break. */
  newGroups: { id: string | number; directive: string; blocked: string; count: number }[];
  hashes: { verified: string[]; failed: string[]; pending: string[] };
  checklist: RolloutChecklistItemDto[];
  ready: boolean;
};

/** GET /policy/rollout. */
export type RolloutDto = {
  /** The deployed versions: the enforced one and the report-only candidate beside it. */
  enforced: number | null;
  reportOnly: number | null;
  /** The header lines to deploy now (as DeployHeadersDto). */
  deploy: string;
  /** Reports without ?v=N since a version was deployed: someone serves a policy copied without the tag. */
  untagged: { reports: number; since: string } | null;
  /** Non-retired versions, newest first. */
  versions: VersionRolloutDto[];
};

/** GET /policy/export (text): which policy, in which format and mode. */
export type ExportRequest = {
  format: ExportFormat;
  version?: number;
  reportOnly?: boolean;
  companions: boolean;
  state?: DeployState;
};

/** A project's public, read-only policy key and the URL deploy pipelines fetch. */
export type PolicyKeyDto = { policyKey: string; url: string };
