// Policy API DTOs as the dashboard reads them. Typed loosely on purpose: the policy routes are still landing, so
// every field the UI does not strictly need is optional and the client normalizes what it receives.

/** The reports behind a suggestion or decision (times in epoch ms). */
export type EvidenceDto = {
  count: number;
  pages: string[];
  firstSeen: number;
  lastSeen: number;
  samples: {
    sample: string;
    documentUrl: string;
    blockedUrl: string;
    sourceFile: string;
    line: number | null;
  }[];
};

/** One proposed change to one directive; `id` is stable across builds. refuse = a product rule forbids it. */
export type SuggestionDto = {
  id: string;
  directive: string;
  source: string;
  action: "add" | "remove" | "refuse" | (string & {});
  reason: string;
  evidence: EvidenceDto;
  groupIds: (string | number)[];
  /** Whether the candidate includes this change. */
  applied: boolean;
  /** A hash computed from a report sample: verify it under report-only before enforcing. */
  verify?: boolean;
};

/** A risky choice the builder never makes by itself (unsafe keyword, nonce, unsafe-hashes, wildcard). */
export type DecisionDto = {
  id: string;
  kind: "unsafe-keyword" | "nonce" | "unsafe-hashes" | "wildcard" | "blocked-in-production" | (string & {});
  directive: string;
  add: string[];
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

export type FindingDto = {
  severity: string;
  directive: string;
  value: string | null;
  message: string;
  check?: string;
};

export type BuildResultDto = {
  policy: string;
  /** The policy the build started from (the current version, or the starter). */
  base: string;
  /** The version `base` came from (null: the starter policy or a given base). */
  baseVersion: number | null;
  suggestions: SuggestionDto[];
  /** All suggestions of the build; `suggestions` is the first page of them. */
  suggestionCount: number;
  decisions: DecisionDto[];
  grade: string;
  score: number | null;
  findings: FindingDto[];
  size: number;
  warnings: string[];
};

export type BuildRequest = {
  base?: string;
  accepted?: string[];
  rejected?: string[];
  acceptUnsafe?: { directive: string; keyword: string }[];
};

export type PreviewTotals = { groups: number; reports: number; recentReports: number };
export type PreviewGroupDto = {
  id: string | number;
  directive: string;
  blocked: string;
  count: number;
  recentCount: number;
  governing: string | null;
  pages: string[];
};
export type PreviewDto = {
  total: PreviewTotals;
  blocked: PreviewTotals;
  conditional: PreviewTotals;
  blockedGroups: PreviewGroupDto[];
  conditionalGroups: PreviewGroupDto[];
  summary: string;
};

export const VERSION_STATES = ["draft", "report-only", "enforced", "retired"] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/** Allowed state moves (mirrors the server: forward through the rollout, back one step, retire). */
export const VERSION_MOVES: Record<VersionState, readonly VersionState[]> = {
  draft: ["report-only", "enforced", "retired"],
  "report-only": ["enforced", "retired", "draft"],
  enforced: ["report-only", "retired"],
  retired: ["report-only"],
};

export type PolicyVersionDto = {
  version: number;
  policy: string;
  /** The policy as served: report URLs tagged with ?v=N. */
  servedPolicy?: string;
  state: VersionState | (string & {});
  createdAt?: string;
  updatedAt?: string;
  notes?: Record<string, unknown>;
};

export type CompareGroupDto = {
  id: string | number;
  directive: string;
  blocked: string;
  countFrom: number;
  countTo: number;
};
export type CompareDto = {
  from: number;
  to: number;
  added: CompareGroupDto[];
  resolved: CompareGroupDto[];
  persisting: CompareGroupDto[];
};

export const EXPORT_FORMATS = [
  "header",
  "meta",
  "nginx",
  "apache",
  "caddy",
  "iis",
  "helmet",
  "nextjs",
  "phoenix",
  "rails",
  "django",
  "cloudflare",
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Without a version, the export serves what is deployed: the enforced version, the report-only one, or both. */
export const DEPLOY_STATES = ["both", "enforced", "report-only"] as const;
export type DeployState = (typeof DEPLOY_STATES)[number];

export type ExportRequest = {
  format: ExportFormat;
  version?: number;
  /** Absent: the server's default (what is deployed, or the version in its own state). */
  reportOnly?: boolean;
  companions: boolean;
  /** Without `version`: which of the deployed policies (default both: two headers). */
  state?: DeployState;
};
