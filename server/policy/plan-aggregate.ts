// The trusted groups' suggestions and decisions, kept from one memoized build to the next (build-memo.ts). Each
// group's planning is a list of calls with the group alone as evidence (GroupPlan), so what the groups ask for
// together is a fold of those calls in build order. Between two builds a commit usually changes a few groups of
// thousands: only the suggestions and decisions the changed groups (old objects gone, new ones) call are folded
// again, over their groups in build order; the others are handed out again. Measured at 20,000 groups after one
// new report: replaying every group's calls was ~35 ms of a ~190 ms build on a busy 2-core machine (2026-12-07).
// Folded values are frozen (their evidence, lists and group ids): each build gets a shallow copy it may set
// `applied`, `accepted` and `reason` on, and a build that tried to change the shared parts would throw.
import type { Decision, Suggestion } from "./build-types.ts";
import type { GroupPlan, PlanCall } from "./build-memo.ts";
import type { PolicyGroup } from "./groups.ts";
import { Plan, suggestionId } from "./plan.ts";

/** A fold of the calls for one id: the result, the groups that called it (build order), the last origin given. */
type Folded<T> = { value: T; groups: PolicyGroup[]; origin: string | undefined };

/** The groups that are new objects, and those gone, since the last update (BuildMemo.changes). */
export type GroupChanges = { added: readonly PolicyGroup[]; removed: readonly PolicyGroup[] };

/** More changed groups than this fold everything afresh. */
const REFOLD_MAX = 512;

const idOf = (c: PlanCall): string =>
  c.call === "suggest" ? suggestionId(c.action, c.directive, c.source) : c.id;

/** Make `plan` carry one recorded call, with `g` as its evidence (what replaying the call does). */
export function applyCall(plan: Plan, g: PolicyGroup, c: PlanCall): Suggestion | Decision {
  if (c.call === "suggest") return plan.suggest(c.action, c.directive, c.source, c.reason, [g], c.verify);
  return plan.decide(
    c.kind,
    c.id,
    c.directive,
    { add: [...c.add], ...(c.remove ? { remove: [...c.remove] } : {}) },
    { reason: c.reason, risk: c.risk },
    [g],
  );
}

/** The values folds hand out: shared by the builds, never changed (see the file's header). */
const SHARED = new WeakSet<Suggestion | Decision>();

function freeze<T extends Suggestion | Decision>(x: T): T {
  SHARED.add(x);
  if ("action" in x) Object.freeze(x);
  Object.freeze(x.evidence.pages);
  Object.freeze(x.evidence.samples);
  Object.freeze(x.evidence);
  Object.freeze(x.groupIds);
  if ("add" in x) {
    Object.freeze(x.add);
    Object.freeze(x.remove);
  }
  return x;
}

/** Insert or remove `id` in the sorted list `ids`. */
function place(ids: string[], id: string, present: boolean): void {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  const has = ids[lo] === id;
  if (present && !has) ids.splice(lo, 0, id);
  else if (!present && has) ids.splice(lo, 1);
}

export class PlanAggregate {
  private key: string | null = null;
  private members = new Set<PolicyGroup>();
  private suggestions = new Map<string, Folded<Suggestion>>();
  private decisions = new Map<string, Folded<Decision>>();
  /** The suggestions' ids in order: the build sorts what it is handed, and sorting sorted input is linear. */
  private order: string[] = [];
  /** For tests and benchmarks: ids folded again in the last update, and whether it folded everything. */
  readonly last = { refolded: 0, whole: false };
  /**
   * The suggestion ids the last update folded again (the only ones that can have come or gone since the update
   * before), or null when it folded everything.
   */
  touchedSuggestions: ReadonlySet<string> | null = null;

  /**
   * Bring the fold up to `groups` (in build order, which is the order of `orderKey`, unique per group) under plan
   * key `key`. `planOf` gives each group's plan, those gone since the last update included (the memo still holds
   * theirs); `changes` are the groups added to `groups` and gone from it since then (a count that does not add up
   * folds everything), or null when that is not known.
   */
  update(
    groups: readonly PolicyGroup[],
    key: string,
    planOf: (g: PolicyGroup) => GroupPlan | undefined,
    changes: GroupChanges | null,
    orderKey: (g: PolicyGroup) => string,
  ): void {
    const added = (changes?.added ?? []).filter((g) => !this.members.has(g));
    const removed = (changes?.removed ?? []).filter((g) => this.members.has(g));
    const changed = [...removed, ...added];
    const plans = changed.map(planOf);
    if (
      this.key !== key ||
      changes === null ||
      changed.length > REFOLD_MAX ||
      plans.some((p) => p === undefined) ||
      this.members.size - removed.length + added.length !== groups.length
    ) {
      this.foldAll(groups, key, planOf);
      return;
    }
    for (const g of removed) this.members.delete(g);
    for (const g of added) this.members.add(g);
    const touched = { suggest: new Set<string>(), decide: new Set<string>() };
    for (const p of plans) for (const c of p!.calls) touched[c.call].add(idOf(c));
    const gather = (old: PolicyGroup[] | undefined, call: PlanCall["call"], id: string): PolicyGroup[] => {
      const gs = (old ?? []).filter((g) => this.members.has(g));
      for (const g of added)
        if (planOf(g)!.calls.some((c) => c.call === call && idOf(c) === id) && !gs.includes(g)) gs.push(g);
      const keyed = gs.map((g) => ({ k: orderKey(g), g }));
      return keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.g);
    };
    for (const id of touched.suggest) {
      this.refold(this.suggestions, "suggest", id, gather, planOf);
      place(this.order, id, this.suggestions.has(id));
    }
    for (const id of touched.decide) this.refold(this.decisions, "decide", id, gather, planOf);
    this.last.refolded = touched.suggest.size + touched.decide.size;
    this.last.whole = false;
    this.touchedSuggestions = touched.suggest;
  }

  /** Is `x` a value a fold hands out (shared by builds: copy it to change it)? */
  shares(x: Suggestion | Decision): boolean {
    return SHARED.has(x);
  }

  /** The directive a folded suggestion was asked for, when another than its own (build.ts `origins`). */
  originOf(id: string): string | undefined {
    return this.suggestions.get(id)?.origin;
  }

  /**
   * Add the fold to `plan` (merging into what it already has, as direct calls would). Suggestions are handed out as
   * they are (`shares`); decisions are copied. Their origins are not copied (most suggestions have one; ~3 ms per
   * build at 20,000 groups): the build asks originOf.
   */
  emit(plan: Plan): void {
    for (const id of this.order) {
      const f = this.suggestions.get(id)!;
      const s = f.value;
      if (plan.suggestions.has(id))
        plan.suggest(s.action, s.directive, s.source, s.reason, f.groups, s.verify);
      else plan.suggestions.set(id, s);
    }
    for (const [id, f] of this.decisions) {
      const d = f.value;
      if (plan.decisions.has(id))
        plan.decide(d.kind, id, d.directive, d, { reason: d.reason, risk: d.risk }, f.groups);
      else plan.decisions.set(id, { ...d });
    }
  }

  private foldAll(
    groups: readonly PolicyGroup[],
    key: string,
    planOf: (g: PolicyGroup) => GroupPlan | undefined,
  ): void {
    const plan = new Plan();
    this.suggestions = new Map();
    this.decisions = new Map();
    for (const g of groups) {
      const p = planOf(g);
      if (!p || p.allowed) continue;
      for (const c of p.calls) {
        const value = applyCall(plan, g, c);
        const into = c.call === "suggest" ? this.suggestions : this.decisions;
        let f = into.get(value.id) as Folded<Suggestion | Decision> | undefined;
        if (!f) into.set(value.id, (f = { value, groups: [], origin: undefined }) as never);
        if (f.groups[f.groups.length - 1] !== g) f.groups.push(g);
        if (c.call === "suggest" && c.origin !== undefined) f.origin = c.origin;
      }
    }
    for (const f of this.suggestions.values()) freeze(f.value);
    for (const f of this.decisions.values()) freeze(f.value);
    this.order = [...this.suggestions.keys()].sort();
    this.key = key;
    this.members = new Set(groups);
    this.last.refolded = this.suggestions.size + this.decisions.size;
    this.last.whole = true;
    this.touchedSuggestions = null;
  }

  /** Fold one id again over its groups now (gone if none calls it any more). */
  private refold<T extends Suggestion | Decision>(
    into: Map<string, Folded<T>>,
    call: PlanCall["call"],
    id: string,
    gather: (old: PolicyGroup[] | undefined, call: PlanCall["call"], id: string) => PolicyGroup[],
    planOf: (g: PolicyGroup) => GroupPlan | undefined,
  ): void {
    const groups = gather(into.get(id)?.groups, call, id);
    const plan = new Plan();
    let value: T | undefined;
    let origin: string | undefined;
    for (const g of groups) {
      for (const c of planOf(g)!.calls) {
        if (c.call !== call || idOf(c) !== id) continue;
        value = applyCall(plan, g, c) as T;
        if (c.call === "suggest" && c.origin !== undefined) origin = c.origin;
      }
    }
    if (value === undefined) into.delete(id);
    else into.set(id, { value: freeze(value), groups, origin });
  }
}
