// Types of the builder's input and output (suggestions, decisions, evidence).
import type { Finding } from "./findings.ts";
import type { Grade, Reason } from "./grade.ts";
import type { PolicyGroup, PolicySample } from "./groups.ts";

/** The reports behind a suggestion or decision. */
export type Evidence = {
  count: number;
  pages: string[];
  firstSeen: number;
  lastSeen: number;
  samples: PolicySample[];
};

export const SUGGESTION_ACTIONS = ["add", "remove", "refuse"] as const;
/** add / remove a source; refuse = the reports asked for a source a product rule forbids. */
export type SuggestionAction = (typeof SUGGESTION_ACTIONS)[number];

/** One proposed change to one directive. `id` is stable across builds: accept/reject by id. */
export type Suggestion = {
  id: string;
  directive: string;
  source: string;
  action: SuggestionAction;
  reason: string;
  evidence: Evidence;
  groupIds: (string | number)[];
  /** Whether the candidate policy includes this change. */
  applied: boolean;
  /** A hash computed from a report sample: verify it under report-only before enforcing. */
  verify?: boolean;
};

export const DECISION_KINDS = [
  "unsafe-keyword",
  "nonce",
  "unsafe-hashes",
  "wildcard",
  "blocked-in-production",
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** A choice left to the user: never applied unless accepted (by id, or acceptUnsafe for keywords). */
export type Decision = {
  id: string;
  kind: DecisionKind;
  directive: string;
  /** Sources accepting adds. */
  add: string[];
  /** Sources accepting removes (the origins a wildcard replaces). */
  remove: string[];
  reason: string;
  risk: string;
  evidence: Evidence;
  groupIds: (string | number)[];
  accepted: boolean;
  /** blocked-in-production: the enforced version that blocked it, and how many reports it blocked. */
  blockedSince?: number;
  blockedReports?: number;
};

/** An unsafe keyword the user explicitly accepts for a directive. */
export type UnsafeAcceptance = { directive: string; keyword: string };

/** The builder's input. Only `groups` is required. */
export type BuildInput = {
  /** The current policy; default: the strict starter policy. */
  base?: string;
  /** Non-noise violation groups. */
  groups: readonly PolicyGroup[];
  /**
   * The enforced version, named in "blocked in production since vN" when a group carries no `blockedSince`;
   * groups with `enforcedReports` are decisions whatever their count (see suspect.ts).
   */
  enforcedVersion?: number;
  /** report-uri value (Cinch's ingest URL); replaces the base's. */
  reportUri?: string;
  /** report-to group name; replaces the base's. */
  reportToGroup?: string;
  /** Evidence threshold: fewest reports before a source is applied (default 2). */
  minCount?: number;
  /** Evidence threshold: fewest distinct pages (default 1). */
  minPages?: number;
  /** Evidence window start (epoch ms): groups last seen before it are ignored. */
  since?: number;
  /** Drop base sources no report in the window matched (default true when there are groups). */
  dropUnused?: boolean;
  /** Suggestion or decision ids the user accepted (applied even below the threshold). */
  accepted?: readonly string[];
  /** Suggestion ids the user rejected (never applied). */
  rejected?: readonly string[];
  /** Unsafe keywords the user explicitly accepts. */
  acceptUnsafe?: readonly UnsafeAcceptance[];
  /** Hash source → the first policy version that carried it (for hash verification). */
  hashVersions?: Readonly<Record<string, number>>;
  /** Nonce placeholder the server substitutes per response (default "CINCH_NONCE"). */
  nonce?: string;
  /** Fewest subdomains of one registrable domain before proposing `*.domain` (default 3). */
  wildcardMinSubdomains?: number;
  /** Size budget in characters (default 2,000). */
  budget?: number;
};

/** The builder's output: the candidate policy and everything the user needs to judge it. */
export type BuildResult = {
  policy: string;
  suggestions: Suggestion[];
  decisions: Decision[];
  grade: Grade;
  score: number;
  findings: Finding[];
  reasons: Reason[];
  warnings: string[];
};
