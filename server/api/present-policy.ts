// Presenters for the policy API: engine results and version records → the DTOs of server/contract/policy.ts,
// field by field, so an engine field never reaches the dashboard by accident and a renamed one fails to compile.
import { presentScoreBreakdown } from "./present-dashboard.ts";
import type {
  BuildResultDto,
  CompareDto,
  CompareGroupDto,
  DecisionDto,
  EvaluationDto,
  EvidenceDto,
  EvidenceSampleDto,
  FindingDto,
  PolicyIssueDto,
  PolicyKeyDto,
  PolicyVersionDto,
  PolicyVersionListDto,
  PolicyVersionMovedDto,
  PreviewBucketDto,
  PreviewDto,
  PreviewGroupDto,
  PreviewTotalsDto,
  ReasonDto,
  RolloutDto,
  SuggestionDto,
  VersionRolloutDto,
} from "../contract.ts";
import type { BuildResult, Decision, Evidence, Suggestion } from "../policy/build-types.ts";
import type { PolicyIssue } from "../policy/csp.ts";
import type { Finding } from "../policy/findings.ts";
import type { Evaluation, Reason } from "../policy/grade.ts";
import type { PolicySample } from "../policy/groups.ts";
import type { PreviewBucket, PreviewGroup, PreviewResult, PreviewTotals } from "../policy/preview.ts";
import type { RolloutStatus } from "../policy/rollout.ts";
import type { VersionComparison } from "../policy/versions.ts";
import { withPolicyVersion } from "../policy/versions.ts";
import type { PolicyState, PolicyVersionRecord } from "../store/policies.ts";

// Evidence in API answers: the first pages and samples only (count, firstSeen and lastSeen stay whole), so
// a build over tens of thousands of groups does not answer tens of megabytes of repeated pages and samples.
const EVIDENCE_PAGES = 10;
/** Samples per suggestion or decision in an answer. */
export const EVIDENCE_SAMPLES = 3;

const presentSample = (s: PolicySample): EvidenceSampleDto => ({
  sample: s.sample,
  documentUrl: s.documentUrl,
  blockedUrl: s.blockedUrl,
  sourceFile: s.sourceFile,
  line: s.line,
  ...(s.policyVersion !== undefined ? { policyVersion: s.policyVersion } : {}),
});

/** The reports behind a suggestion or decision, cut to the first pages and samples. */
function presentEvidence(e: Evidence): EvidenceDto {
  return {
    count: e.count,
    pages: e.pages.slice(0, EVIDENCE_PAGES),
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    samples: e.samples.slice(0, EVIDENCE_SAMPLES).map(presentSample),
  };
}

/** Evidence as the answer shows it: `withSamples` may add samples the build did not read. */
export type EvidenceSource = (e: Evidence, groupIds: readonly (string | number)[]) => Evidence;

const presentSuggestion = (s: Suggestion, evidence: EvidenceSource): SuggestionDto => ({
  id: s.id,
  directive: s.directive,
  source: s.source,
  action: s.action,
  reason: s.reason,
  evidence: presentEvidence(evidence(s.evidence, s.groupIds)),
  groupIds: [...s.groupIds],
  applied: s.applied,
  ...(s.verify !== undefined ? { verify: s.verify } : {}),
});

const presentDecision = (d: Decision, evidence: EvidenceSource): DecisionDto => ({
  id: d.id,
  kind: d.kind,
  directive: d.directive,
  add: [...d.add],
  remove: [...d.remove],
  reason: d.reason,
  risk: d.risk,
  evidence: presentEvidence(evidence(d.evidence, d.groupIds)),
  groupIds: [...d.groupIds],
  accepted: d.accepted,
  ...(d.blockedSince !== undefined ? { blockedSince: d.blockedSince } : {}),
  ...(d.blockedReports !== undefined ? { blockedReports: d.blockedReports } : {}),
});

const presentFinding = (f: Finding): FindingDto => ({
  severity: f.severity,
  directive: f.directive,
  value: f.value,
  message: f.message,
  check: f.check,
  origin: f.origin,
  points: f.points,
});

const presentReason = (r: Reason): ReasonDto => ({
  points: r.points,
  check: r.check,
  directive: r.directive,
  message: r.message,
});

/** Which page of a build's suggestions and of its decisions an answer shows. */
export type BuildPage = { offset: number; limit: number; decisionOffset: number; decisionLimit: number };

/**
 * The suggestions and decisions one answer shows. Decisions are listed blocked-in-production first (what the
 * enforced policy blocked on real pages must never be on a later page), then in the build's order.
 */
export function shownItems(
  r: Pick<BuildResult, "suggestions" | "decisions">,
  page: BuildPage,
): { suggestions: Suggestion[]; decisions: Decision[] } {
  const blocked = r.decisions.filter((d) => d.kind === "blocked-in-production");
  const ordered =
    blocked.length === 0
      ? r.decisions
      : [...blocked, ...r.decisions.filter((d) => d.kind !== "blocked-in-production")];
  return {
    suggestions: r.suggestions.slice(page.offset, page.offset + page.limit),
    decisions: ordered.slice(page.decisionOffset, page.decisionOffset + page.decisionLimit),
  };
}

type BuildOpts = BuildPage & {
  base: string;
  baseVersion: number | null;
  /** Default: the build's own evidence. */
  evidence?: EvidenceSource;
};

/** A build's answer up to its grade: the candidate, one page of its suggestions and one of its decisions. */
export function presentBuildHead(r: BuildResult, opts: BuildOpts) {
  const evidence = opts.evidence ?? ((e) => e);
  const shown = shownItems(r, opts);
  return {
    policy: r.policy,
    base: opts.base,
    baseVersion: opts.baseVersion,
    suggestions: shown.suggestions.map((s) => presentSuggestion(s, evidence)),
    suggestionCount: r.suggestions.length,
    offset: opts.offset,
    limit: opts.limit,
    decisions: shown.decisions.map((d) => presentDecision(d, evidence)),
    decisionCount: r.decisions.length,
    decisionOffset: opts.decisionOffset,
    decisionLimit: opts.decisionLimit,
  } satisfies Partial<BuildResultDto>;
}

/** A build's grade, findings and size: what a build that did not change the candidate shares with the last one. */
export function presentBuildGrade(
  r: Pick<BuildResult, "grade" | "score" | "findings" | "reasons" | "policy">,
) {
  return {
    grade: r.grade,
    score: r.score,
    findings: r.findings.map(presentFinding),
    reasons: r.reasons.map(presentReason),
    breakdown: presentScoreBreakdown(r.findings),
    size: r.policy.length,
  } satisfies Partial<BuildResultDto>;
}

/** A build: the candidate, one page of its suggestions and one of its decisions, and the grade. */
export function presentBuild(r: BuildResult, opts: BuildOpts): BuildResultDto {
  return { ...presentBuildHead(r, opts), ...presentBuildGrade(r), warnings: [...r.warnings] };
}

const presentIssue = (i: PolicyIssue): PolicyIssueDto => ({
  kind: i.kind,
  directive: i.directive,
  message: i.message,
  ...(i.value !== undefined ? { value: i.value } : {}),
});

/** A policy's grade and findings, its minified text, and what the parser flagged. */
export function presentEvaluation(
  e: Evaluation,
  policy: string,
  minified: string,
  issues: readonly PolicyIssue[],
): EvaluationDto {
  return {
    grade: e.grade,
    score: e.score,
    findings: e.findings.map(presentFinding),
    reasons: e.reasons.map(presentReason),
    breakdown: presentScoreBreakdown(e.findings),
    size: policy.length,
    minified,
    minifiedSize: minified.length,
    issues: issues.map(presentIssue),
  };
}

const presentTotals = (t: PreviewTotals): PreviewTotalsDto => ({
  groups: t.groups,
  reports: t.reports,
  recentReports: t.recentReports,
});

const presentBucket = (b: PreviewBucket): PreviewBucketDto => ({ key: b.key, ...presentTotals(b) });

const presentPreviewGroup = (g: PreviewGroup): PreviewGroupDto => ({
  id: g.id,
  directive: g.directive,
  blocked: g.blocked,
  count: g.count,
  recentCount: g.recentCount,
  governing: g.governing,
  pages: [...g.pages],
  ...(g.condition !== undefined ? { condition: g.condition } : {}),
});

/** The impact preview, its lists cut to `limit` entries (the engine cut them; `counts` has the full lengths). */
export function presentPreview(r: PreviewResult, limit: number): PreviewDto {
  return {
    total: presentTotals(r.total),
    blocked: presentTotals(r.blocked),
    conditional: presentTotals(r.conditional),
    byDirective: r.byDirective.map(presentBucket),
    bySource: r.bySource.map(presentBucket),
    byPage: r.byPage.map(presentBucket),
    blockedGroups: r.blockedGroups.map(presentPreviewGroup),
    conditionalGroups: r.conditionalGroups.map(presentPreviewGroup),
    counts: {
      blockedGroups: r.counts.blockedGroups,
      conditionalGroups: r.counts.conditionalGroups,
      byDirective: r.counts.byDirective,
      bySource: r.counts.bySource,
      byPage: r.counts.byPage,
    },
    summary: r.summary,
    limit,
  };
}

/** A stored version, with the policy as served (its report URL tagged ?v=N so reports are attributed to it). */
export function presentVersion(v: PolicyVersionRecord): PolicyVersionDto {
  return {
    version: v.version,
    state: v.state,
    policy: v.policy,
    servedPolicy: withPolicyVersion(v.policy, v.version),
    notes: v.notes,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

/** Every version of a project, oldest first. */
export function presentVersions(list: readonly PolicyVersionRecord[]): PolicyVersionListDto {
  return { versions: list.map(presentVersion) };
}

/** A version after a state change, with the header lines to deploy now. */
export function presentMoved(v: PolicyVersionRecord, deploy: string): PolicyVersionMovedDto {
  return { ...presentVersion(v), deploy };
}

type ComparedGroup = VersionComparison["added"][number];

/** Groups `to` saw and `from` did not, the reverse, and both, with their counts under each version. */
export function presentComparison(cmp: VersionComparison, from: number, to: number): CompareDto {
  const slim = (g: ComparedGroup): CompareGroupDto => ({
    id: g.id,
    directive: g.directive,
    blocked: g.blocked,
    countFrom: g.countsByVersion?.[from] ?? 0,
    countTo: g.countsByVersion?.[to] ?? 0,
  });
  return {
    from,
    to,
    added: cmp.added.map(slim),
    resolved: cmp.resolved.map(slim),
    persisting: cmp.persisting.map(slim),
  };
}

/** One version's rollout status; `state` is the stored one (the engine takes any string). */
export function presentVersionRollout(s: RolloutStatus, state: PolicyState): VersionRolloutDto {
  return {
    version: s.version,
    state,
    reportOnlySince: s.reportOnlySince,
    ranMs: s.ranMs,
    reports: s.reports,
    pages: s.pages,
    comparedWith: s.comparedWith,
    newGroups: s.newGroups.map((g) => ({
      id: g.id,
      directive: g.directive,
      blocked: g.blocked,
      count: g.count,
    })),
    hashes: {
      verified: [...s.hashes.verified],
      failed: [...s.hashes.failed],
      pending: [...s.hashes.pending],
    },
    checklist: s.checklist.map((c) => ({ id: c.id, ok: c.ok, text: c.text })),
    ready: s.ready,
  };
}

/** What is deployed, the header lines to deploy, untagged reports, and each live version's status. */
export function presentRollout(r: {
  enforced: number | null;
  reportOnly: number | null;
  deploy: string;
  untagged: { reports: number; since: number } | null;
  versions: VersionRolloutDto[];
}): RolloutDto {
  return {
    enforced: r.enforced,
    reportOnly: r.reportOnly,
    deploy: r.deploy,
    untagged: r.untagged && { reports: r.untagged.reports, since: new Date(r.untagged.since).toISOString() },
    versions: r.versions,
  };
}

/** The public, read-only policy key and the URL deploy pipelines fetch the enforced header from. */
export function presentPolicyKey(policyKey: string, publicUrl: string): PolicyKeyDto {
  return { policyKey, url: `${publicUrl}/p/${policyKey}/policy?format=header` };
}
