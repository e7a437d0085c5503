// The builder's wildcard step (build.ts step 3): each fetch directive's subdomain collapses offered as decisions, with
// the groups the covered sources allow as their evidence (wildcard-evidence.ts).
// With a memo, the step is the last build's when the candidate's source lists are (BuildMemo.wildcardStage): the same
// collapses, and the same additions behind the covered sources. Then only the collapses covering a host that a group
// changed since the last build reported (the only groups a covered host source can match, or back) get their evidence
// again; the others' decisions are the last build's. A commit seldom changes the candidate (a new source must pass
// the evidence threshold), so the per-collapse work (keys, covered hosts, backing, the reason text: ~55 ms of a
// ~115 ms build at 20,000 groups and 2,520 collapses, measured 2026-12-07) is skipped in most builds.
import type { BuildMemo, StageCollapse, WildcardStage } from "./build-memo.ts";
import type { Decision, Suggestion } from "./build-types.ts";
import { effectiveDirective, type Policy } from "./csp.ts";
import { isFetchDirective } from "./directives.ts";
import type { PolicyGroup } from "./groups.ts";
import { wildcardCollapses } from "./ladder.ts";
import type { Plan } from "./plan.ts";
import { coveredHosts, groupHosts, wantedBy, wildcardEvidence } from "./wildcard-evidence.ts";

/** One collapse's inputs, and its evidence when the memo has it from the last build. */
type Job = {
  directive: string;
  wildcard: string;
  covers: string[];
  hosts: string[] | null;
  governs: (g: PolicyGroup) => boolean;
  backing: Suggestion[];
  memoKey: string;
  backingKey: string;
  reused: ReturnType<BuildMemo["wildcardEvidence"]>;
};

/** The ids of `additions` among `covered`, in order, joined: what the step's backing suggestions are. */
const backingOf = (additions: readonly Suggestion[], covered: ReadonlySet<string>): string => {
  const ids: string[] = [];
  for (const s of additions) if (covered.has(s.id)) ids.push(s.id);
  return ids.join("\n");
};

/**
 * Offer the candidate's wildcard collapses on `plan` as decisions. `additions`: the build's add suggestions in id
 * order (those of covered sources back a collapse's evidence).
 */
export function planWildcards(
  plan: Plan,
  candidate: Policy,
  groups: readonly PolicyGroup[],
  additions: readonly Suggestion[],
  wildcardMin: number,
  urlsOf: (g: PolicyGroup) => readonly URL[],
  memo?: BuildMemo,
): void {
  // Which directive governs a reported one depends on the candidate's directive names only.
  const structure = candidate.directives.map((d) => d.name).join(" ");
  const lists = candidate.directives.map((d) => (isFetchDirective(d.name) ? d.values.join(" ") : null));
  const hostsOf = memo ? (g: PolicyGroup) => memo.hostsOf(g, () => groupHosts(urlsOf(g))) : undefined;
  const changedHosts = memo && hostsOf ? memo.changedHosts(hostsOf) : null;
  const stageKey = `${wildcardMin}\n${structure}\n${lists.map((l) => (l === null ? "\u0000" : l)).join("\n")}`;

  const last = memo?.wildcardStage(stageKey);
  if (memo && last && changedHosts !== null && reusable(last, plan, additions, memo)) {
    again(last, plan, candidate, groups, urlsOf, hostsOf!, changedHosts, memo);
    return;
  }

  // 1. Each fetch directive's collapses, over the sources the candidate now has.
  const collapseLists = new Set<string>();
  const collapsesOf = candidate.directives.map((d, i) =>
    lists[i] === null
      ? []
      : memo
        ? memo.collapsesOf(
            d.values,
            wildcardMin,
            () => wildcardCollapses(d.values, wildcardMin),
            collapseLists,
            lists[i]!,
          )
        : wildcardCollapses(d.values, wildcardMin),
  );
  const coveredSources = new Map<string, Set<string>>();
  candidate.directives.forEach((d, i) => {
    for (const c of collapsesOf[i]!) {
      let sources = coveredSources.get(d.name);
      if (!sources) coveredSources.set(d.name, (sources = new Set()));
      for (const source of c.covers) sources.add(source);
    }
  });
  // The additions of covered sources by directive, then source (indexes into `additions`). Indexing every addition
  // made a map entry and an array for each of ~18,700 at 20,000 groups: ~6 ms of every build (profile, 2026-12-07).
  const additionIndex = new Map<string, Map<string, number[]>>();
  additions.forEach((s, i) => {
    if (!coveredSources.get(s.directive)?.has(s.source)) return;
    let bySource = additionIndex.get(s.directive);
    if (!bySource) additionIndex.set(s.directive, (bySource = new Map()));
    const list = bySource.get(s.source);
    if (list) list.push(i);
    else bySource.set(s.source, [i]);
  });

  // 2. Each collapse's inputs, and whether the memo has its evidence; then the evidence of the others, through an
  // index of only the hosts and groups they can cover (indexing all 20,000 groups was ~15 ms of a build).
  const jobs: Job[] = [];
  const ids = new Set<string>();
  let storable = memo !== undefined;
  for (const [di, d] of candidate.directives.entries()) {
    const collapses = collapsesOf[di]!;
    if (collapses.length === 0) continue;
    // Evidence: every group the covered sources allow, not only this build's additions (#16). The candidate does not
    // change in this step: which directive governs a reported one is looked up once per name.
    const governing = new Map<string, boolean>();
    const governs = (g: PolicyGroup) => {
      let yes = governing.get(g.directive);
      if (yes === undefined) {
        yes = effectiveDirective(candidate, g.directive)?.name === d.name;
        governing.set(g.directive, yes);
      }
      return yes;
    };
    for (const c of collapses) {
      // The additions behind the covered sources, in the order of `additions`.
      const backingIndexes = new Set<number>();
      const bySource = additionIndex.get(d.name);
      for (const source of c.covers) for (const i of bySource?.get(source) ?? []) backingIndexes.add(i);
      const backing = [...backingIndexes].sort((a, b) => a - b).map((i) => additions[i]!);
      const id = `${d.name} ${c.wildcard}`;
      const covered = c.covers.join(" ");
      const hosts = coveredHosts(c.covers, covered);
      // A decision's evidence is the last build's when none of its inputs changed (BuildMemo.wildcardEvidence).
      const memoKey = `${structure}\n${id}\n${covered}`;
      const backingKey = backing.map((s) => s.id).join("\n");
      const fresh = !plan.decisions.has(id) && !ids.has(id);
      // A collapse whose decision merges with another one, or covers sources that are not plain hosts, makes the step
      // depend on more than the memo checks: it is not kept whole.
      if (!fresh || hosts === null) storable = false;
      ids.add(id);
      const reused = memo && fresh ? memo.wildcardEvidence(memoKey, backingKey, hosts, changedHosts) : null;
      jobs.push({
        directive: d.name,
        wildcard: c.wildcard,
        covers: c.covers,
        hosts,
        governs,
        backing,
        memoKey,
        backingKey,
        reused,
      });
    }
  }
  const wanted = memo ? wantedBy(jobs.filter((j) => !j.reused)) : undefined;
  const evidenceOf = wildcardEvidence(groups, urlsOf, hostsOf, memo?.coverMatches, wanted);
  const made: Decision[] = [];
  for (const j of jobs) {
    const id = `${j.directive} ${j.wildcard}`;
    const fresh = !plan.decisions.has(id);
    const decision = plan.decide(
      "wildcard",
      id,
      j.directive,
      { add: [j.wildcard], remove: j.covers },
      {
        reason: `${j.covers.length} subdomains of one registrable domain (Public Suffix List): ${j.covers.join(" ")}`,
        risk: `${j.wildcard} allows every subdomain, including ones you do not control or have forgotten`,
      },
      j.reused ? [] : evidenceOf(j.governs, j.backing, j.covers),
    );
    if (j.reused) Object.assign(decision, j.reused);
    else if (memo && fresh) Object.assign(decision, memo.rememberWildcard(j.memoKey, j.backingKey, decision));
    // Kept for the next build (a memo's only): copies, as stage 4 marks the build's own as accepted.
    if (memo) made.push({ ...decision });
  }
  memo?.keepCollapses(collapseLists);

  if (memo && storable) {
    const covered = new Set<string>();
    const byHost = new Map<string, number[]>();
    jobs.forEach((j, i) => {
      for (const source of j.covers) covered.add(`${j.directive} ${source}`);
      for (const h of j.hosts ?? []) {
        const list = byHost.get(h);
        if (list) list.push(i);
        else byHost.set(h, [i]);
      }
    });
    memo.rememberStage({
      key: stageKey,
      covered,
      byHost,
      backing: backingOf(additions, covered),
      collapses: jobs.map((j, i) => ({
        directive: j.directive,
        wildcard: j.wildcard,
        covers: j.covers,
        hosts: j.hosts,
        backing: j.backing.map((s) => s.id),
        memoKey: j.memoKey,
        backingKey: j.backingKey,
        decision: made[i]!,
      })),
    });
  } else memo?.rememberStage(null);
}

/** The last build's step holds for this one (see the file's header): the same additions back the collapses. */
function reusable(
  last: WildcardStage,
  plan: Plan,
  additions: readonly Suggestion[],
  memo: BuildMemo,
): boolean {
  for (const c of last.collapses) if (plan.decisions.has(`${c.directive} ${c.wildcard}`)) return false;
  // Every addition of a memoized build comes from the memo's fold (the base's own sources are only ever removed, the
  // suspect groups' additions become decisions): the only additions that can have come or gone since the last build
  // are among the suggestions it folded again. When none of them is covered, the backing is the same (comparing
  // it whole looked up all ~19,000 additions: ~6 ms per build at 20,000 groups, 2026-12-07).
  const touched = memo.aggregate.touchedSuggestions;
  if (touched !== null && ![...touched].some((id) => last.covered.has(id))) return true;
  return backingOf(additions, last.covered) === last.backing;
}

/**
 * The last build's step again: its decisions, but the evidence of the collapses covering a host some changed group
 * reported made afresh (and kept, in the stage and in the memo's per-decision evidence).
 */
function again(
  last: WildcardStage,
  plan: Plan,
  candidate: Policy,
  groups: readonly PolicyGroup[],
  urlsOf: (g: PolicyGroup) => readonly URL[],
  hostsOf: (g: PolicyGroup) => readonly string[],
  changedHosts: ReadonlySet<string>,
  memo: BuildMemo,
): void {
  const dirty = new Set<number>();
  for (const h of changedHosts) for (const i of last.byHost.get(h) ?? []) dirty.add(i);
  const backingOf = (c: StageCollapse) =>
    c.backing.map((id) => plan.suggestions.get(id)).filter((s) => s !== undefined);
  const redo = [...dirty].map((i) => ({
    hosts: last.collapses[i]!.hosts,
    backing: backingOf(last.collapses[i]!),
  }));
  const evidenceOf =
    redo.length > 0 ? wildcardEvidence(groups, urlsOf, hostsOf, memo.coverMatches, wantedBy(redo)) : null;
  const governs = new Map<string, (g: PolicyGroup) => boolean>();
  last.collapses.forEach((c, i) => {
    if (!dirty.has(i)) {
      plan.decisions.set(c.decision.id, { ...c.decision });
      return;
    }
    let inDirective = governs.get(c.directive);
    if (!inDirective) {
      const names = new Map<string, boolean>();
      inDirective = (g: PolicyGroup) => {
        let yes = names.get(g.directive);
        if (yes === undefined)
          names.set(g.directive, (yes = effectiveDirective(candidate, g.directive)?.name === c.directive));
        return yes;
      };
      governs.set(c.directive, inDirective);
    }
    const decision = plan.decide(
      "wildcard",
      c.decision.id,
      c.directive,
      { add: [c.wildcard], remove: c.covers },
      { reason: c.decision.reason, risk: c.decision.risk },
      evidenceOf!(inDirective, backingOf(c), c.covers),
    );
    Object.assign(decision, memo.rememberWildcard(c.memoKey, c.backingKey, decision));
    c.decision = { ...decision };
  });
  memo.reusedStage(last, dirty.size);
}
