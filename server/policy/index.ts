// The policy engine's public API: parse, match, build, grade, minify, preview and export CSP policies.
export { parsePolicy, parsePolicyList, serializePolicy, effectiveDirective, getDirective } from "./csp.ts";
export type { Directive, Policy, PolicyIssue, PolicyIssueKind } from "./csp.ts";
export { fallbackChain, FETCH_DIRECTIVES, OTHER_DIRECTIVES, DEPRECATED_DIRECTIVES } from "./directives.ts";
export { parseSource, canonicalSource, compareSources, KEYWORDS, UNSAFE_KEYWORDS } from "./source.ts";
export type { Source } from "./source.ts";
export { urlMatchesSource, urlMatchesSourceList } from "./match.ts";
export { allowsViolation } from "./allow.ts";
export type { AllowCondition, AllowResult, ViolationLike } from "./allow.ts";
export { hashSource, isWholeSample } from "./hash.ts";
export { groupsFromViolations } from "./groups.ts";
export type { GroupingOptions, PolicyGroup, PolicySample } from "./groups.ts";
export { buildPolicy, BUILD_DEFAULTS } from "./build.ts";
export type {
  BuildInput,
  BuildResult,
  Decision,
  DecisionKind,
  Evidence,
  Suggestion,
  SuggestionAction,
  UnsafeAcceptance,
} from "./build-types.ts";
export { evaluatePolicy, GRADES } from "./grade.ts";
export type { Evaluation, Grade, Reason } from "./grade.ts";
export { SEVERITIES } from "./findings.ts";
export type { Finding, Severity } from "./findings.ts";
export { minifyPolicy, DEFAULT_SIZE_BUDGET } from "./minify.ts";
export type { MinifyOptions, MinifyResult, Removal } from "./minify.ts";
export { previewImpact } from "./preview.ts";
export type { PreviewBucket, PreviewGroup, PreviewOptions, PreviewResult, PreviewTotals } from "./preview.ts";
export { exportPolicy, EXPORT_FORMATS, ExportError, isExportFormat, headerSet } from "./export/index.ts";
export type { CompanionOptions, ExportErrorId, ExportFormat, ExportOptions } from "./export/index.ts";
export { withPolicyVersion, withVersionParam, compareVersions } from "./versions.ts";
export type { VersionComparison } from "./versions.ts";
export { starterPolicy } from "./starter.ts";
export type { ReportingTarget } from "./starter.ts";
export { inlineHashes, hashDirectives } from "./html-hashes.ts";
export type { InlineHash, InlineKind } from "./html-hashes.ts";
