// Policy API DTOs as the dashboard reads them. Typed loosely on purpose: the policy routes are still landing, so
// every field the UI does not strictly need is optional and the client normalizes what it receives.

/** The reports behind a suggestion or decision. Times are ISO strings or epoch ms. */
export type EvidenceDto = {
  count: number;
  pages: string[];
  firstSeen?: string | number;
  lastSeen?: string | number;
  samples: {
    sample?: string;
    documentUrl?: string;
    blockedUrl?: string;
    sourceFile?: string;
    line?: number | null;
  }[];
};

/** One proposed change to one directive; `id` is stable across builds. */
export type SuggestionDto = {
  id: string;
  directive: string;
  source: string;
  action: string;
  reason: string;
  unsafe?: boolean;
  verify?: boolean;
  applied?: boolean;
  evidence: EvidenceDto;
};

/** A choice the builder leaves to the user (unsafe keyword, nonce, unsafe-hashes, wildcard). */
export type DecisionDto = {
  id: string;
  kind: string;
  directive: string;
  add: string[];
  remove: string[];
  reason: string;
  risk: string;
  evidence: EvidenceDto;
  accepted?: boolean;
};

export type FindingDto = { severity: string; directive: string; value: string | null; message: string };

export type BuildResultDto = {
  policy: string;
  /** The policy the build started from (the current one), when the server says. */
  base?: string;
  suggestions: SuggestionDto[];
  decisions: DecisionDto[];
  grade: string;
  score?: number;
  findings: FindingDto[];
  size?: number;
  warnings: string[];
};

export type BuildRequest = {
  base?: string;
  accept?: string[];
  reject?: string[];
  acceptUnsafe?: { directive: string; keyword: string }[];
};

export type PreviewGroupDto = { id?: string | number; directive: string; blocked: string; count: number };
export type PreviewDto = { blockedGroups: number; blockedReports: number; groups: PreviewGroupDto[] };

export const VERSION_STATES = ["draft", "report-only", "enforced"] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export type PolicyVersionDto = {
  version: number;
  policy: string;
  state: string;
  createdAt?: string;
  note?: string;
};

export type CompareGroupDto = { id?: string | number; directive: string; blocked: string; count?: number };
export type CompareDto = {
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

export type ExportRequest = {
  format: ExportFormat;
  version?: number;
  reportOnly: boolean;
  companions: boolean;
};

export type TokenScope = "read" | "write" | "admin";
export type ApiTokenDto = {
  id: string;
  name: string;
  scope: string;
  createdAt?: string;
  lastUsedAt?: string | null;
};
