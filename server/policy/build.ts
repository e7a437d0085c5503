// The policy builder: base policy + violation groups → candidate policy, suggestions and decisions.
import { checkedDirective, policyChecker } from "./allow.ts";
import { RecordingPlan, replay, type BuildMemo } from "./build-memo.ts";
import type { AllowResult, ViolationLike } from "./allow.ts";
import type { BuildInput, BuildResult, Decision, Suggestion } from "./build-types.ts";
import { clonePolicy, getDirective, parsePolicy, serializePolicy, setDirective } from "./csp.ts";
import type { Directive, Policy } from "./csp.ts";
import { isRecognisedDirective } from "./directives.ts";
import { meetsThreshold, pageOf } from "./evidence.ts";
import { isKnownBypassOrigin } from "./evaluate.ts";
import { evaluatePolicy } from "./grade.ts";
import type { PolicyGroup } from "./groups.ts";
import { ambiguousWarnings, inlineDirective, planEval, planInline, type InlineContext } from "./inline.ts";
import { sourceFor } from "./ladder.ts";
import { minifyPolicy } from "./minify.ts";
import { sortPolicy } from "./order.ts";
import { ensureDirective, isForbidden, placementTarget } from "./placement.ts";
import { Plan } from "./plan.ts";
import { groupUrls, isAcceptedUnsafe, planBaseSources } from "./prune.ts";
import { starterPolicy } from "./starter.ts";
import { planWildcards } from "./wildcard-stage.ts";
import { blockedInProduction, suspectDecisions } from "./suspect.ts";

/** Builder defaults (documented in BuildInput). */
export const BUILD_DEFAULTS = {
  minCount: 2,
  minPages: 1,
  nonce: "CINCH_NONCE",
  wildcardMinSubdomains: 3,
} as const;

// Rule 7: directives that do not fall back get a safe value when the base has none.
const STRUCTURE: [string, string[]][] = [
  ["base-uri", ["'self'"]],
  ["form-action", ["'self'"]],
  ["frame-ancestors", ["'self'"]],
];

/** Why an addition is applied or not (the text its reason gets). */
export type Why = "applied" | "suspect" | "rejected" | "below";

/** An addition as decided: applied or not, and its reason saying why not. */
function decided(s: Suggestion, why: Why, minCount: number, minPages: number): Suggestion {
  s.applied = why === "applied";
  if (why === "suspect") s.reason += " (also blocked in production: decide it under Blocked in production)";
  else if (why === "below")
    s.reason += ` (below the evidence threshold: ${s.evidence.count} report(s) on ${s.evidence.pages.length} page(s), need at least ${minCount} report(s) on ${minPages} page(s))`;
  return s;
}

/** The order groups are planned in. */
const groupKey = (g: PolicyGroup): string => `${g.directive} ${g.blocked} ${g.id}`;

function compareIds(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Is every URL of the group (or its keyword) allowed by the candidate as it stands? */
function alreadyAllowed(
  allows: (v: ViolationLike, blockedUrl?: URL) => AllowResult,
  urls: readonly URL[],
  g: PolicyGroup,
): boolean {
  const documentUrl = pageOf(g) ?? "https://invalid.invalid/";
  const sample = g.samples.find((s) => s.sample !== "")?.sample ?? "";
  if (g.blocked.includes("://") && urls.length > 0) {
    // Each URL's href, checked with the URL already parsed (parsing an href gives the same URL back).
    return urls.every(
      (u) => allows({ directive: g.directive, blocked: u.href, documentUrl, sample }, u).allowed,
    );
  }
  return allows({ directive: g.directive, blocked: g.blocked, documentUrl, sample }).allowed;
}

/**
 * The sources to add for one origin: the origin itself, or — for script directives on a host csp_evaluator
 * knows serves JSONP / AngularJS — the exact script URLs reported (the ladder's lowest rung).
 */
function narrowed(
  target: string,
  source: string,
  g: PolicyGroup,
  directive: string,
  urlsOf: (g: PolicyGroup) => readonly URL[],
): [string, string][] {
  if (source === "'self'") return [[source, "same-origin resources: allowed as 'self'"]];
  const reason = `reports from ${directive} for ${source}`;
  if (!target.startsWith("script-src") || !source.includes("://") || !isKnownBypassOrigin(source))
    return [[source, reason]];
  const urls = [...new Set(urlsOf(g).map((u) => `${u.origin}${u.pathname}`))].filter((u) => !u.endsWith("/"));
  if (urls.length === 0)
    return [
      [
        source,
        `${reason}; csp_evaluator knows this host as a CSP bypass, but no script URL was reported to narrow it`,
      ],
    ];
  return urls.map((u) => [
    u,
    `${reason}; exact URL because csp_evaluator knows ${source} serves JSONP or AngularJS, which bypass an origin-wide source`,
  ]);
}

/**
 * Plan what each group needs, on the candidate as it stands after base removals. Groups that were inline or
 * eval, undecidably, go to `ambiguous`: they get no suggestion, only the builder's warning.
 */
function planGroups(
  plan: Plan,
  candidate: Policy,
  groups: readonly PolicyGroup[],
  input: BuildInput,
  origins: Map<string, string>,
  urlsOf: (g: PolicyGroup) => readonly URL[],
  ambiguous: PolicyGroup[],
  memo: BuildMemo | undefined,
  /** With a memo: fold the groups' plans into `plan` through the memo's aggregate instead of replaying each. */
  fold = false,
): string[] {
  const warnings: string[] = [];
  const ctx = { hashVersions: input.hashVersions ?? {}, nonce: input.nonce ?? BUILD_DEFAULTS.nonce };
  let trustedTypes = 0;
  // The candidate does not change while groups are planned: its source lists are compiled once.
  const allows = policyChecker(candidate);
  for (const g of groups) {
    let p = memo?.plan(g);
    if (p === undefined) {
      // Every call a group's planning makes on the plan has the group itself as its evidence ([g]): replayable.
      const rec = memo ? new RecordingPlan(fold ? new Plan() : plan) : null;
      const allowed = alreadyAllowed(allows, urlsOf(g), g);
      const kind = allowed
        ? null
        : planGroup(rec ?? plan, candidate, g, ctx, urlsOf, (s, d) => {
            if (!fold) origins.set(s.id, d);
            rec?.originOfLast(d);
          });
      p = {
        allowed,
        calls: rec?.calls ?? [],
        ambiguous: kind === "inline-or-eval",
        trustedTypes: kind === "trusted-types",
      };
      memo?.remember(g, p);
    } else if (!p.allowed && !fold) replay(plan, g, p.calls, origins);
    if (p.ambiguous) ambiguous.push(g);
    if (p.trustedTypes) trustedTypes++;
  }
  if (memo && fold) {
    // The changes the memo's sort saw, in the trusted groups' terms (a group blocked in production is planned apart).
    const ch = memo.changes;
    const changes = ch && { added: ch.added.filter((g) => !blockedInProduction(g)), removed: ch.removed };
    memo.aggregate.update(groups, memo.key, (g) => memo.planOf(g), changes, groupKey);
    memo.aggregate.emit(plan);
  }
  if (trustedTypes > 0)
    warnings.push(`${trustedTypes} Trusted Types group(s) are not turned into sources; fix them in code`);
  return warnings;
}

/** Plan one group the candidate does not allow yet; answers the ladder's kind. */
function planGroup(
  plan: Plan,
  candidate: Policy,
  g: PolicyGroup,
  ctx: InlineContext,
  urlsOf: (g: PolicyGroup) => readonly URL[],
  origin: (s: Suggestion, directive: string) => void,
): string {
  const ladder = sourceFor(g.blocked, pageOf(g));
  const directive = g.blocked === "inline" ? inlineDirective(checkedDirective(g)) : checkedDirective(g);
  const target = placementTarget(candidate, directive);
  switch (ladder.kind) {
    case "inline":
      planInline(plan, g, target, ctx);
      break;
    case "eval":
      planEval(plan, g, target);
      break;
    case "inline-or-eval":
      break;
    case "wasm-eval":
      // WebAssembly CSP: 'wasm-unsafe-eval' allows compilation without allowing JS eval.
      origin(
        plan.suggest("add", target, "'wasm-unsafe-eval'", "WebAssembly was compiled on these pages", [g]),
        directive,
      );
      break;
    case "trusted-types":
      break;
    case "unusable":
      break;
    case "source": {
      const source = ladder.source;
      if (target === "object-src") {
        plan.suggest(
          "refuse",
          target,
          source,
          "object-src stays 'none': plugins are a script-execution vector",
          [g],
        );
      } else if (target === "base-uri") {
        plan.suggest("refuse", target, source, "base-uri stays 'self' or 'none'", [g]);
      } else if (isForbidden(target, source)) {
        plan.suggest(
          "refuse",
          target,
          source,
          `${source} is never allowed in ${target}: it would allow code from anywhere`,
          [g],
        );
      } else {
        for (const [src, reason] of narrowed(target, source, g, directive, urlsOf)) {
          origin(plan.suggest("add", target, src, reason, [g]), directive);
        }
      }
    }
  }
  return ladder.kind;
}

// `*`, http: and https: also allowed the page's own origin; their replacement keeps it (rule 6).
const SELF_COVERING = new Set(["*", "http:", "https:"]);

function applySuggestion(
  candidate: Policy,
  s: Suggestion,
  origin: string | undefined,
  warnings: string[],
): void {
  if (s.action === "remove") {
    const d = getDirective(candidate, s.directive);
    if (d) d.values = d.values.filter((v) => v !== s.source);
    if (
      d &&
      SELF_COVERING.has(s.source.toLowerCase()) &&
      !d.values.some((v) => v.toLowerCase() === "'self'")
    ) {
      d.values.push("'self'");
    }
  } else if (s.action === "add") {
    const d = ensureDirective(candidate, s.directive, origin ?? s.directive, warnings);
    d.values.push(s.source);
  }
}

function applyDecision(candidate: Policy, d: Decision, warnings: string[]): void {
  const target = ensureDirective(candidate, d.directive, d.directive, warnings);
  target.values = target.values.filter((v) => !d.remove.includes(v));
  target.values.push(...d.add);
}

/**
 * Build a candidate policy from a base policy and violation groups (docs/architecture.md "Product rules"):
 * fallback-aware placement, origin-level sources ('self' when same-origin), hashes from whole samples
 * (to verify), nonce / unsafe-keyword / wildcard decisions left to the user, an evidence threshold,
 * removal of loose and unused base sources, always object-src 'none', base-uri, form-action,
 * frame-ancestors and reporting. Deterministic: the same input gives a byte-identical policy.
 */
export function buildPolicy(input: BuildInput, memo?: BuildMemo): BuildResult {
  const warnings: string[] = [];
  const target = { reportUri: input.reportUri, reportToGroup: input.reportToGroup };
  const base = parsePolicy(input.base ?? starterPolicy(target));
  for (const issue of base.issues) warnings.push(`base policy: ${issue.message}`);
  // A group naming no CSP directive ("<img", "constructor") is kept as reported but is no evidence for anything:
  // its inline samples fell through to script-src and became applied hashes (#11 item 3).
  const kept: PolicyGroup[] = [];
  let unrecognised = 0;
  for (const g of input.groups) {
    if (!isRecognisedDirective(g.directive)) unrecognised++;
    else if (input.since === undefined || g.lastSeen >= input.since) kept.push(g);
  }
  if (unrecognised > 0)
    warnings.push(`${unrecognised} group(s) name no CSP directive and are not turned into sources`);
  // Sorted by `${directive} ${blocked} ${id}` (keys built once, not per comparison; the sort is stable).
  const groups = memo
    ? memo.sort(kept, groupKey)
    : kept
        .map((g) => ({ id: groupKey(g), g }))
        .sort(compareIds)
        .map((k) => k.g);
  const accepted = new Set(input.accepted ?? []);
  const rejected = new Set(input.rejected ?? []);
  const acceptUnsafe = input.acceptUnsafe ?? [];
  const minCount = input.minCount ?? BUILD_DEFAULTS.minCount;
  const minPages = input.minPages ?? BUILD_DEFAULTS.minPages;
  const plan = new Plan();

  const candidate = clonePolicy(base);
  candidate.issues = [];
  for (const [name, values] of STRUCTURE)
    if (!getDirective(candidate, name)) setDirective(candidate, name, values);

  // 1. The base's own sources: unsafe, loose, failed or unused ones are removed (rejectable).
  // Each group's URLs, parsed once for the whole build (read-only), or once while the group object lives (memo).
  const groupUrlCache = new Map<PolicyGroup, URL[]>();
  const urlsOf = memo
    ? (g: PolicyGroup): readonly URL[] => memo.urlsOf(g, groupUrls)
    : (g: PolicyGroup): readonly URL[] => {
        let urls = groupUrlCache.get(g);
        if (!urls) {
          urls = groupUrls(g);
          groupUrlCache.set(g, urls);
        }
        return urls;
      };
  planBaseSources(plan, base, groups, {
    dropUnused: input.dropUnused ?? groups.length > 0,
    acceptUnsafe,
    hashVersions: input.hashVersions ?? {},
    urlsOf,
  });
  for (const s of plan.suggestions.values()) {
    const keepsUnsafe =
      isAcceptedUnsafe(acceptUnsafe, s.directive, s.source) || accepted.has(`${s.directive} ${s.source}`);
    s.applied = !rejected.has(s.id) && !keepsUnsafe;
    if (s.applied) applySuggestion(candidate, s, undefined, warnings);
  }

  // 2. What the groups need on top. Groups the enforced policy blocked in production are planned apart: what they
  // ask for becomes a decision (suspect.ts), and the same change is never applied on evidence from other groups.
  const origins = new Map<string, string>();
  const suspect = groups.filter(blockedInProduction);
  const trusted = suspect.length === 0 ? groups : groups.filter((g) => !blockedInProduction(g));
  const ambiguous: PolicyGroup[] = [];
  // A group's plan depends on the group, this candidate, the hash versions and the nonce only.
  memo?.begin(
    JSON.stringify([
      serializePolicy(candidate),
      input.hashVersions ?? {},
      input.nonce ?? BUILD_DEFAULTS.nonce,
    ]),
  );
  warnings.push(...planGroups(plan, candidate, trusted, input, origins, urlsOf, ambiguous, memo, true));
  const suspectPlan = new Plan();
  planGroups(suspectPlan, candidate, suspect, input, origins, urlsOf, ambiguous, memo);
  // Inline or eval, undecidable: said in plain words, with how to tell, never a hash or an unsafe keyword.
  warnings.push(...ambiguousWarnings(ambiguous));
  const suspectIds = suspectDecisions(plan, suspectPlan, suspect, input.enforcedVersion);
  // No suggestion is added after this point (ids are unique, so the order is fully determined): sorted once.
  const sortedSuggestions = [...plan.suggestions.values()].sort(compareIds);
  const additions: Suggestion[] = [];
  const shared = memo?.aggregate;
  // Usually nothing is accepted, rejected or blocked in production: three lookups per addition saved (~19,000).
  const chosen = rejected.size > 0 || suspectIds.size > 0 || accepted.size > 0;
  const landing = new Map<string, Directive>();
  for (let i = 0; i < sortedSuggestions.length; i++) {
    let s = sortedSuggestions[i]!;
    if (s.action !== "add") continue;
    // Blocked in production says so even when rejected too.
    const why: Why =
      chosen && suspectIds.has(s.id)
        ? "suspect"
        : chosen && rejected.has(s.id)
          ? "rejected"
          : meetsThreshold(s.evidence, minCount, minPages) || (chosen && accepted.has(s.id))
            ? "applied"
            : "below";
    // A suggestion the memo's fold shares between builds is never changed: its decided copy is the last build's when
    // decided alike (at 20,000 groups a copy and a reason text per suggestion per build was ~10 ms and ~4 MB).
    if (shared?.shares(s)) {
      const last = memo!.decided(s, why, minCount, minPages);
      s = last ?? memo!.decide(s, why, minCount, minPages, decided({ ...s }, why, minCount, minPages));
    } else decided(s, why, minCount, minPages);
    sortedSuggestions[i] = s;
    additions.push(s);
    if (why === "applied") {
      // The directive an addition lands in, once per name (ensureDirective creates it on the first).
      let into = landing.get(s.directive);
      if (!into)
        landing.set(
          s.directive,
          (into = ensureDirective(
            candidate,
            s.directive,
            origins.get(s.id) ?? memo?.aggregate.originOf(s.id) ?? s.directive,
            warnings,
          )),
        );
      into.values.push(s.source);
    }
  }

  // 3. Wildcard collapses are offered over the sources the candidate now has (wildcard-stage.ts).
  const wildcardMin = input.wildcardMinSubdomains ?? BUILD_DEFAULTS.wildcardMinSubdomains;
  planWildcards(plan, candidate, groups, additions, wildcardMin, urlsOf, memo);

  // 4. Decisions: only what the user accepted.
  const decisions = [...plan.decisions.values()].sort(compareIds);
  for (const d of decisions) {
    const keyword = d.kind === "unsafe-keyword" ? d.add[0] : undefined;
    d.accepted =
      accepted.has(d.id) || (keyword !== undefined && isAcceptedUnsafe(acceptUnsafe, d.directive, keyword));
    if (d.accepted) applyDecision(candidate, d, warnings);
  }
  for (const a of acceptUnsafe) {
    const keyword = a.keyword.startsWith("'") ? a.keyword.toLowerCase() : `'${a.keyword.toLowerCase()}'`;
    if (!decisions.some((d) => d.accepted && d.directive === a.directive && d.add.includes(keyword))) {
      ensureDirective(candidate, a.directive, a.directive, warnings).values.push(keyword);
    }
  }

  // 5. Always: no plugins, and reports back to Cinch (rule 7).
  const objectSrc = getDirective(candidate, "object-src");
  if (objectSrc && objectSrc.values.length > 0 && objectSrc.values.join(" ") !== "'none'")
    warnings.push(`object-src ${objectSrc.values.join(" ")} replaced by 'none'`);
  setDirective(candidate, "object-src", ["'none'"]);
  if (input.reportUri) setDirective(candidate, "report-uri", [input.reportUri]);
  if (input.reportToGroup) setDirective(candidate, "report-to", [input.reportToGroup]);
  if (!getDirective(candidate, "report-uri") && !getDirective(candidate, "report-to")) {
    warnings.push("no report-uri or report-to: pass the collector's URL so the policy reports back to Cinch");
  }

  // Minified and graded: a pure function of the candidate's text and the budget (the same text as the last build's
  // when a commit only changed evidence).
  const finish = () => {
    const minified = minifyPolicy(serializePolicy(sortPolicy(candidate)), { budget: input.budget });
    const policy = serializePolicy(sortPolicy(parsePolicy(minified.policy)));
    return {
      policy,
      minifyWarnings: minified.warnings,
      evaluation: evaluatePolicy(policy, { budget: input.budget }),
    };
  };
  const { policy, minifyWarnings, evaluation } = memo
    ? memo.finalFor(`${input.budget ?? ""}\n${serializePolicy(candidate)}`, finish)
    : finish();
  warnings.push(...minifyWarnings);
  const suggestions = sortedSuggestions;
  return { policy, suggestions, decisions, ...evaluation, warnings };
}
