// What one build of a project can hand to the next (pure: no I/O, state the caller owns). Between two builds a
// commit usually changes a few groups of thousands; the cache that holds the groups replaces a changed group with a
// new object and keeps the others as they were, so what was derived from an unchanged group object, or from exactly
// the same text, is still exact and is reused instead of computed again:
// - each group's URLs, and its plan (already allowed, or the suggestions and decisions it asks for) for the same
//   candidate after the base's removals and the same hash versions and nonce;
// - the sorted group order, merged with the few groups that are new objects;
// - wildcard collapses per directive source list, and the minified policy and its grade per candidate text.
// Measured at 18,000 groups (bench "suggestion just after a new report"): the plans are ~40% of a build, wildcard
// collapses ~15%, minify and grade ~20%, the sort ~7%.
// Group objects handed to a memoized build must not be changed in place afterwards (the policy cache never does).
import type { Decision, DecisionKind, Evidence, Suggestion, SuggestionAction } from "./build-types.ts";
import type { Why } from "./build.ts";
import type { PolicyGroup } from "./groups.ts";
import type { Collapse } from "./ladder.ts";
import { Plan } from "./plan.ts";
import { applyCall, PlanAggregate } from "./plan-aggregate.ts";

/** One call a group's planning made on the plan (its own group as the evidence). */
export type PlanCall =
  | {
      call: "suggest";
      action: SuggestionAction;
      directive: string;
      source: string;
      reason: string;
      verify: boolean;
      /** The directive the source was asked for (origins), when planGroups recorded one. */
      origin?: string;
    }
  | {
      call: "decide";
      kind: DecisionKind;
      id: string;
      directive: string;
      add: string[];
      remove: string[] | undefined;
      reason: string;
      risk: string;
    };

/** A wildcard decision's evidence as the last build made it, and what it was made from. */
type WildcardMemo = { backing: string; evidence: Evidence; groupIds: (string | number)[] };

/**
 * The last build's wildcard step as a whole (wildcard-stage.ts): what it read — the candidate's directives and source
 * lists (`key`), the ids of the add suggestions of covered sources (`covered`, `backing`), the covered hosts — and the
 * decisions it made, their evidence frozen.
 */
export type WildcardStage = {
  key: string;
  covered: ReadonlySet<string>;
  /** The collapses by covered host (indexes into `collapses`). */
  byHost: ReadonlyMap<string, readonly number[]>;
  backing: string;
  collapses: StageCollapse[];
};

/** One collapse of a WildcardStage: its inputs, and its decision as the last build made it. */
export type StageCollapse = {
  directive: string;
  wildcard: string;
  covers: string[];
  hosts: string[] | null;
  /** The ids of its backing suggestions. */
  backing: string[];
  memoKey: string;
  backingKey: string;
  decision: Decision;
};

/** A decision's evidence and group ids as kept: frozen, so builds can share them instead of copying. */
const frozenOf = (d: { evidence: Evidence; groupIds: readonly (string | number)[] }) => ({
  evidence: Object.freeze({
    ...d.evidence,
    pages: Object.freeze([...d.evidence.pages]),
    samples: Object.freeze([...d.evidence.samples]),
  }) as Evidence,
  groupIds: Object.freeze([...d.groupIds]) as (string | number)[],
});

/** Freeze a value and everything it holds (the final steps' result is shared by the builds that reuse it). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A group's plan under one candidate: allowed already, or the calls it made and how it was counted. */
export type GroupPlan = {
  allowed: boolean;
  calls: PlanCall[];
  ambiguous: boolean;
  trustedTypes: boolean;
};

type Final<T> = { key: string; value: T };

/** A sort over more changed groups than this is done afresh (a merge is linear, but so is sorting few). */
const MERGE_MAX = 256;

/** State carried from one build to the next of the same project (see the file's header). */
export class BuildMemo {
  /** The candidate after the base's removals, the hash versions and the nonce the plans were made under. */
  private planKey = "";
  private plans = new WeakMap<PolicyGroup, GroupPlan>();
  private urls = new WeakMap<PolicyGroup, URL[]>();
  private hosts = new WeakMap<PolicyGroup, string[]>();
  /** Whether a group's URLs match a wildcard's covered sources (wildcard-evidence.ts), per covered list. */
  readonly coverMatches = new WeakMap<PolicyGroup, Map<string, boolean>>();
  private sorted: { list: PolicyGroup[]; members: Set<PolicyGroup> } | null = null;
  /** The groups that are new objects, and those gone, since the last build's sort; null when it sorted afresh. */
  changes: { added: PolicyGroup[]; removed: PolicyGroup[] } | null = null;
  /** Wildcard decisions' evidence from the last build (see wildcardEvidence). */
  private wildcards = new Map<string, WildcardMemo>();
  private wildcardsSeen = new Set<string>();
  private collapses = new Map<string, Collapse[]>();
  private stage: WildcardStage | null = null;
  /** Shared suggestions as the last build that had them decided them (see decided). */
  private decisionsOf = new WeakMap<
    Suggestion,
    { why: Why; minCount: number; minPages: number; value: Suggestion }
  >();
  private final: Final<unknown> | null = null;
  /** Counters for tests and benchmarks: plans reused and made in the last build. */
  readonly last = {
    plansReused: 0,
    plansMade: 0,
    sortMerged: false,
    finalReused: false,
    wildcardsReused: 0,
    wildcardsMade: 0,
    wildcardStageReused: false,
  };

  /** Start a build whose group plans depend on `planKey` (plans made under another key are dropped). */
  begin(planKey: string): void {
    if (planKey !== this.planKey) {
      this.planKey = planKey;
      this.plans = new WeakMap();
    }
    this.last.plansReused = 0;
    this.last.plansMade = 0;
    this.last.finalReused = false;
    this.last.wildcardsReused = 0;
    this.last.wildcardsMade = 0;
    this.last.wildcardStageReused = false;
    this.wildcardsSeen = new Set();
  }

  /** A group's reported hosts (wildcard-evidence.ts's index keys), once while the group object lives. */
  hostsOf(g: PolicyGroup, compute: () => string[]): string[] {
    let h = this.hosts.get(g);
    if (h === undefined) this.hosts.set(g, (h = compute()));
    return h;
  }

  urlsOf(g: PolicyGroup, parse: (g: PolicyGroup) => URL[]): URL[] {
    let u = this.urls.get(g);
    if (u === undefined) this.urls.set(g, (u = parse(g)));
    return u;
  }

  /** The trusted groups' suggestions and decisions, folded from their plans (plan-aggregate.ts). */
  readonly aggregate = new PlanAggregate();

  /** The key the plans of this build are made under (see begin). */
  get key(): string {
    return this.planKey;
  }

  /** A group's plan under this build's key, if made (not counted as reused). */
  planOf(g: PolicyGroup): GroupPlan | undefined {
    return this.plans.get(g);
  }

  plan(g: PolicyGroup): GroupPlan | undefined {
    const p = this.plans.get(g);
    if (p) this.last.plansReused++;
    return p;
  }

  remember(g: PolicyGroup, p: GroupPlan): void {
    this.last.plansMade++;
    this.plans.set(g, p);
  }

  /**
   * `groups` in the order of `key` (unique per group, compared with `<`), as a fresh stable sort would give it: the
   * previous order without the groups that are gone, merged with the new ones sorted. Ties (two groups with one key)
   * or many changes sort afresh.
   */
  sort(groups: readonly PolicyGroup[], key: (g: PolicyGroup) => string): PolicyGroup[] {
    this.last.sortMerged = false;
    this.changes = null;
    const fresh = (): PolicyGroup[] => {
      const out = groups
        .map((g) => ({ k: key(g), g }))
        .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
        .map((x) => x.g);
      this.sorted = { list: out, members: new Set(out) };
      return out;
    };
    const prev = this.sorted;
    if (prev === null) return fresh();
    const members = new Set(groups);
    const added: PolicyGroup[] = [];
    for (const g of groups) if (!prev.members.has(g)) added.push(g);
    if (added.length > MERGE_MAX) return fresh();
    // Distinct groups, all of the last ones among them: the last order is kept whole (no group gone).
    const whole = members.size === groups.length && prev.list.length === groups.length - added.length;
    const kept = whole ? prev.list : prev.list.filter((g) => members.has(g));
    if (kept.length + added.length !== groups.length) return fresh(); // the same object twice
    const addedKeys = added
      .map((g) => ({ k: key(g), g }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    for (let k = 1; k < addedKeys.length; k++) if (addedKeys[k - 1]!.k === addedKeys[k]!.k) return fresh();
    // Each new group's place in the kept order by binary search: the keys of a few kept groups are made, not of all
    // (a merge that walked the list made ~20,000 key strings per build at 20,000 groups).
    const out: PolicyGroup[] = [];
    let from = 0;
    for (const { k, g } of addedKeys) {
      let lo = from;
      let hi = kept.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const m = key(kept[mid]!);
        if (m === k) return fresh();
        if (m < k) lo = mid + 1;
        else hi = mid;
      }
      for (let i = from; i < lo; i++) out.push(kept[i]!);
      out.push(g);
      from = lo;
    }
    for (let i = from; i < kept.length; i++) out.push(kept[i]!);
    this.sorted = { list: out, members };
    this.last.sortMerged = true;
    this.changes = { added, removed: whole ? [] : prev.list.filter((g) => !members.has(g)) };
    return out;
  }

  /** Wildcard collapses over a directive's sources, from the last build when the list is the same. */
  collapsesOf(
    sources: readonly string[],
    min: number,
    compute: () => Collapse[],
    seen: Set<string>,
    joined = sources.join(" "),
  ): Collapse[] {
    const key = `${min}\n${joined}`;
    seen.add(key);
    let c = this.collapses.get(key);
    if (c === undefined) this.collapses.set(key, (c = compute()));
    // Decisions keep the arrays: each build gets its own.
    return c.map((x) => ({ wildcard: x.wildcard, covers: [...x.covers] }));
  }

  /** Forget collapses and wildcard evidence this build did not ask for (the memo holds one build's worth). */
  keepCollapses(seen: Set<string>): void {
    for (const k of this.collapses.keys()) if (!seen.has(k)) this.collapses.delete(k);
    for (const k of this.wildcards.keys()) if (!this.wildcardsSeen.has(k)) this.wildcards.delete(k);
  }

  /**
   * The hosts of the groups that changed since the last build (hosts as wildcard-evidence.ts keys them), or null
   * when every group counts as changed (the first build, or a sort done afresh).
   */
  changedHosts(hostsOf: (g: PolicyGroup) => readonly string[]): Set<string> | null {
    if (this.changes === null) return null;
    const out = new Set<string>();
    for (const g of [...this.changes.added, ...this.changes.removed]) for (const h of hostsOf(g)) out.add(h);
    return out;
  }

  /**
   * A wildcard decision's covered groups and evidence from the last build, when nothing they depend on changed: the
   * same key (directive structure, decision, covered sources), the same backing suggestions, and no changed group
   * reporting one of the covered hosts (the only groups a covered host source can match, or back). Frozen.
   */
  wildcardEvidence(
    key: string,
    backing: string,
    hosts: readonly string[] | null,
    changed: Set<string> | null,
  ): { evidence: Evidence; groupIds: (string | number)[] } | null {
    this.wildcardsSeen.add(key);
    const m = this.wildcards.get(key);
    if (!m || m.backing !== backing || hosts === null || changed === null) return null;
    for (const h of hosts) if (changed.has(h)) return null;
    this.last.wildcardsReused++;
    return { evidence: m.evidence, groupIds: m.groupIds };
  }

  /** Keep a decision's evidence for the next build; answers it frozen (the decision can share it). */
  rememberWildcard(
    key: string,
    backing: string,
    d: { evidence: Evidence; groupIds: (string | number)[] },
  ): { evidence: Evidence; groupIds: (string | number)[] } {
    this.last.wildcardsMade++;
    const frozen = frozenOf(d);
    this.wildcards.set(key, { backing, ...frozen });
    return frozen;
  }

  /** The last build's wildcard step, if it read the same candidate directives (`key`). */
  wildcardStage(key: string): WildcardStage | null {
    return this.stage?.key === key ? this.stage : null;
  }

  /** Keep this build's wildcard step for the next (null: it depended on more than WildcardStage records). */
  rememberStage(stage: WildcardStage | null): void {
    this.stage = stage;
  }

  /** The last build's wildcard step was taken again, `remade` of its decisions with fresh evidence. */
  reusedStage(stage: WildcardStage, remade: number): void {
    this.last.wildcardStageReused = true;
    this.last.wildcardsReused = stage.collapses.length - remade;
    this.last.wildcardsMade = remade;
  }

  /** A shared suggestion as the last build decided it, when it decided it alike (build.ts `decided`). */
  decided(s: Suggestion, why: Why, minCount: number, minPages: number): Suggestion | undefined {
    const last = this.decisionsOf.get(s);
    return last && last.why === why && last.minCount === minCount && last.minPages === minPages
      ? last.value
      : undefined;
  }

  /** Keep `value`, the shared suggestion `s` as this build decided it. Answers `value`. */
  decide(s: Suggestion, why: Why, minCount: number, minPages: number, value: Suggestion): Suggestion {
    // Frozen: builds share it (a build that tried to change it would throw, not change another's answer).
    this.decisionsOf.set(s, { why, minCount, minPages, value: Object.freeze(value) });
    return value;
  }

  /** The final steps (minify, grade) for the candidate text `key`, from the last build when it is the same. */
  finalFor<T>(key: string, compute: () => T): T {
    if (this.final?.key === key) {
      this.last.finalReused = true;
      return this.final.value as T;
    }
    // Frozen and shared with the builds that reuse it (it was cloned for each: ~5 ms at 20,000 groups).
    const value = deepFreeze(compute());
    this.final = { key, value };
    return value;
  }
}

/**
 * A plan that records each call a group's planning makes (to replay it for the same group object in the next
 * build) and passes it on to the build's plan.
 */
export class RecordingPlan extends Plan {
  calls: PlanCall[] = [];
  constructor(private readonly into: Plan) {
    super();
  }

  override suggest(
    action: SuggestionAction,
    directive: string,
    source: string,
    reason: string,
    groups: readonly PolicyGroup[] = [],
    verify = false,
  ) {
    this.calls.push({ call: "suggest", action, directive, source, reason, verify });
    return this.into.suggest(action, directive, source, reason, groups, verify);
  }

  /** Record the directive a source was asked for, on the last suggestion (build.ts's `origins`). */
  originOfLast(directive: string): void {
    const last = this.calls[this.calls.length - 1];
    if (last?.call === "suggest") last.origin = directive;
  }

  override decide(
    kind: DecisionKind,
    id: string,
    directive: string,
    change: { add: string[]; remove?: string[] },
    text: { reason: string; risk: string },
    groups: readonly PolicyGroup[] = [],
  ): Decision {
    this.calls.push({
      call: "decide",
      kind,
      id,
      directive,
      add: [...change.add],
      remove: change.remove ? [...change.remove] : undefined,
      reason: text.reason,
      risk: text.risk,
    });
    return this.into.decide(kind, id, directive, change, text, groups);
  }
}

/** Replay a group's recorded calls on the build's plan, with the group as their evidence. */
export function replay(
  plan: Plan,
  g: PolicyGroup,
  calls: readonly PlanCall[],
  origins: Map<string, string>,
): void {
  for (const c of calls) {
    const made = applyCall(plan, g, c);
    if (c.call === "suggest" && c.origin !== undefined) origins.set(made.id, c.origin);
  }
}
