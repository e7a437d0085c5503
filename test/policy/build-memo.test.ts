// A memoized build (policy/build-memo.ts) answers exactly what a fresh build answers, build after build, while the
// groups change the way the policy cache changes them: a changed group is a new object, the others stay the same.
import { describe, expect, test } from "vitest";
import { buildPolicy } from "../../server/policy/build.ts";
import { BuildMemo } from "../../server/policy/build-memo.ts";
import type { BuildInput } from "../../server/policy/build-types.ts";
import type { PolicyGroup } from "../../server/policy/groups.ts";
import { prng } from "../../bench/workload.ts";
import { builderGroups } from "../../bench/builder.ts";
import { corpusGroups } from "./corpus-groups.ts";
import { group, PAGE } from "./helpers.ts";

const BASES = [
  undefined,
  "default-src 'self'; script-src 'self' https://old.example; img-src 'self' data:; object-src 'none'",
  "default-src 'self' 'unsafe-inline' *; report-uri /r",
];

/** One commit as the cache applies it: some groups replaced by new objects with more reports, some new groups. */
function commit(groups: PolicyGroup[], rnd: () => number, step: number): PolicyGroup[] {
  const out = [...groups];
  for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
    const i = Math.floor(rnd() * out.length);
    const g = out[i]!;
    out[i] = {
      ...g,
      count: g.count + 1 + Math.floor(rnd() * 3),
      lastSeen: g.lastSeen + 1,
      pages: rnd() < 0.3 ? [...g.pages, `${PAGE}p${step}`] : g.pages,
    };
  }
  if (rnd() < 0.6) {
    const host = `https://n${step}.${rnd() < 0.5 ? "img.example.com" : "other.example"}`;
    out.push({
      ...group(rnd() < 0.5 ? "img-src" : "script-src-elem", host, { count: rnd() < 0.5 ? 1 : 4 }),
      id: 10_000 + step,
    });
  }
  return out;
}

describe("a memoized build equals a fresh build", () => {
  test.each([1, 2, 3, 4])("corpus groups, 25 commits, changing inputs (seed %i)", (seed) => {
    const rnd = prng(seed);
    const memo = new BuildMemo();
    let groups: PolicyGroup[] = corpusGroups();
    let reused = 0;
    let refolds = 0;
    for (let step = 0; step < 25; step++) {
      groups = commit(groups, rnd, step);
      // Now and then the user's choices, the base or the hash versions change too.
      const input: BuildInput = {
        groups,
        base: BASES[Math.floor(step / 9) % BASES.length],
        reportUri: "https://cinch.example/r/k",
        minCount: step % 7 === 6 ? 5 : 2,
        accepted: step % 5 === 4 ? ["img-src https://d.img.example.com"] : [],
        rejected: step % 4 === 3 ? ["img-src https://a.img.example.com"] : [],
        hashVersions: step > 12 ? { "'sha256-abc='": 1 } : {},
        enforcedVersion: 1,
      };
      const memoized = buildPolicy(input, memo);
      reused += memo.last.plansReused;
      if (!memo.aggregate.last.whole) refolds++;
      expect(memoized).toEqual(buildPolicy(input));
    }
    // The memo did its work: most plans came from the build before.
    expect(reused).toBeGreaterThan(10 * corpusGroups().length);
    // And most builds folded only the changed groups' suggestions and decisions again.
    expect(refolds).toBeGreaterThan(12);
  });

  test("2,000 synthetic groups: the sort is merged, plans and the final steps are reused, answers equal", () => {
    const rnd = prng(9);
    const memo = new BuildMemo();
    let groups = builderGroups(2_000, 1_000_000);
    const input = (gs: PolicyGroup[]): BuildInput => ({ groups: gs, reportUri: "https://cinch.example/r/k" });
    expect(buildPolicy(input(groups), memo)).toEqual(buildPolicy(input(groups)));
    for (let step = 0; step < 6; step++) {
      groups = [...groups];
      const i = Math.floor(rnd() * groups.length);
      groups[i] = { ...groups[i]!, count: groups[i]!.count + 1 };
      // A new group below the evidence threshold: the candidate's text does not change.
      groups.push({ ...group("img-src", `https://once${step}.example`, { count: 1 }), id: 50_000 + step });
      const memoized = buildPolicy(input(groups), memo);
      expect(memo.last).toMatchObject({ sortMerged: true, finalReused: true, plansMade: 2 });
      // Only what the two changed groups ask for was folded again.
      expect(memo.aggregate.last.whole).toBe(false);
      expect(memo.aggregate.last.refolded).toBeLessThanOrEqual(4);
      expect(memoized).toEqual(buildPolicy(input(groups)));
    }
  });

  test("a changed group (a new object) changes the answer as a fresh build does", () => {
    const memo = new BuildMemo();
    const g = { ...group("img-src", "https://x.example", { count: 1 }), id: 1 };
    const first = buildPolicy({ groups: [g] }, memo);
    expect(first.suggestions[0]?.applied).toBe(false); // 1 report: below the threshold
    const bumped = { ...g, count: 5 };
    const second = buildPolicy({ groups: [bumped] }, memo);
    expect(second).toEqual(buildPolicy({ groups: [bumped] }));
    expect(second.suggestions[0]?.applied).toBe(true);
  });
});

describe("wildcard decisions' evidence", () => {
  // 5 registrable domains × 8 subdomains, reported under two directives: each directive gets 5 wildcard decisions.
  const start = (): PolicyGroup[] => {
    const out: PolicyGroup[] = [];
    let id = 1;
    for (let d = 0; d < 5; d++)
      for (let s = 0; s < 8; s++)
        for (const directive of ["img-src", "script-src-elem"])
          out.push({ ...group(directive, `https://s${s}.vendor${d}.example`, { count: 2 + s }), id: id++ });
    return out;
  };

  test("reused for untouched domains, rebuilt where a group changed; every build equals a fresh one", () => {
    const rnd = prng(5);
    const memo = new BuildMemo();
    let groups = start();
    const input = (gs: PolicyGroup[]): BuildInput => ({ groups: gs, reportUri: "https://cinch.example/r/k" });
    const first = buildPolicy(input(groups), memo);
    expect(first.decisions.filter((d) => d.kind === "wildcard")).toHaveLength(10);
    expect(memo.last.wildcardsMade).toBe(10);
    let reused = 0;
    for (let step = 0; step < 12; step++) {
      groups = [...groups];
      if (step % 3 === 0) {
        // More reports for one subdomain: its domain's decision under that directive is rebuilt.
        const i = Math.floor(rnd() * groups.length);
        groups[i] = {
          ...groups[i]!,
          count: groups[i]!.count + 3,
          pages: [...groups[i]!.pages, `${PAGE}x${step}`],
        };
      } else if (step % 3 === 1) {
        // A report for a host a covered source matches under another directive's group.
        groups.push({
          ...group("img-src", `https://s${step % 8}.vendor${step % 5}.example`),
          id: 1_000 + step,
        });
      } else {
        groups.push({
          ...group("img-src", `https://n${step}.elsewhere.example`, { count: 1 }),
          id: 2_000 + step,
        });
      }
      const memoized = buildPolicy(input(groups), memo);
      reused += memo.last.wildcardsReused;
      expect(memo.last.wildcardsReused + memo.last.wildcardsMade).toBe(10);
      expect(memoized).toEqual(buildPolicy(input(groups)));
    }
    expect(reused).toBeGreaterThan(12 * 7);
  });
});

describe("the wildcard step as a whole", () => {
  // 6 registrable domains × 5 subdomains in img-src, each well above the evidence threshold: 6 wildcard decisions.
  const start = (): PolicyGroup[] => {
    const out: PolicyGroup[] = [];
    let id = 1;
    for (let d = 0; d < 6; d++)
      for (let s = 0; s < 5; s++)
        out.push({ ...group("img-src", `https://s${s}.vendor${d}.example`, { count: 3 + s }), id: id++ });
    return out;
  };
  const input = (gs: PolicyGroup[]): BuildInput => ({ groups: gs, reportUri: "https://cinch.example/r/k" });

  test("taken again after a report for a new host, its evidence remade only where a changed group reports a covered host", () => {
    const memo = new BuildMemo();
    let groups = start();
    expect(buildPolicy(input(groups), memo).decisions.filter((d) => d.kind === "wildcard")).toHaveLength(6);
    expect(memo.last.wildcardStageReused).toBe(false);

    // A new host below the evidence threshold: the candidate is the same, no covered host changed.
    groups = [...groups, { ...group("img-src", "https://once.elsewhere.example", { count: 1 }), id: 100 }];
    expect(buildPolicy(input(groups), memo)).toEqual(buildPolicy(input(groups)));
    expect(memo.last).toMatchObject({ wildcardStageReused: true, wildcardsReused: 6, wildcardsMade: 0 });

    // More reports for a covered subdomain: only its domain's decision gets its evidence again.
    groups = groups.map((g) =>
      g.id === 7 ? { ...g, count: g.count + 10, pages: [...g.pages, `${PAGE}more`] } : g,
    );
    const bumped = buildPolicy(input(groups), memo);
    expect(bumped).toEqual(buildPolicy(input(groups)));
    expect(memo.last).toMatchObject({ wildcardStageReused: true, wildcardsReused: 5, wildcardsMade: 1 });
    expect(bumped.decisions.find((d) => d.id === "img-src https://*.vendor1.example")?.evidence.count).toBe(
      3 + (4 + 10) + 5 + 6 + 7,
    );

    // A new subdomain of another domain, above the threshold, changes the candidate: the step is made again, and the
    // decision whose evidence the step before remade (vendor1's, whose covered sources are the same) is not taken from
    // the memo's older copy.
    groups = [...groups, { ...group("img-src", "https://s9.vendor4.example", { count: 5 }), id: 101 }];
    expect(buildPolicy(input(groups), memo)).toEqual(buildPolicy(input(groups)));
    expect(memo.last).toMatchObject({ wildcardStageReused: false, wildcardsMade: 1, wildcardsReused: 5 });
  });

  test("a new report for an already covered host under a new group is counted in the decision's evidence", () => {
    const memo = new BuildMemo();
    let groups = start();
    buildPolicy(input(groups), memo);
    // Same host as a covered source, another page: a new group object for a covered host.
    groups = [...groups, { ...group("img-src", "https://s0.vendor3.example/x.png", { count: 1 }), id: 200 }];
    const after = buildPolicy(input(groups), memo);
    expect(after).toEqual(buildPolicy(input(groups)));
    expect(after.decisions.find((d) => d.id === "img-src https://*.vendor3.example")?.groupIds).toContain(
      200,
    );
  });
});

describe("the memo over random commits with wildcards, choices and groups gone", () => {
  test.each([11, 12, 13])("every build equals a fresh one (seed %i)", (seed) => {
    const rnd = prng(seed);
    const memo = new BuildMemo();
    let groups: PolicyGroup[] = [];
    let id = 1;
    for (let d = 0; d < 6; d++)
      for (let s = 0; s < 4 + d; s++)
        for (const directive of ["img-src", "script-src-elem", "connect-src"])
          if (rnd() < 0.7)
            groups.push({
              ...group(directive, `https://s${s}.vendor${d}.example`, { count: 1 + (s % 4) }),
              id: id++,
            });
    let stageReused = 0;
    let stageMade = 0;
    for (let step = 0; step < 40; step++) {
      groups = [...groups];
      const roll = rnd();
      if (roll < 0.3) {
        // More reports for a group (maybe over the threshold now).
        const i = Math.floor(rnd() * groups.length);
        groups[i] = { ...groups[i]!, count: groups[i]!.count + 1, lastSeen: groups[i]!.lastSeen + 1 };
      } else if (roll < 0.55) {
        // A new host, often below the threshold.
        const d = Math.floor(rnd() * 8);
        groups.push({
          ...group(rnd() < 0.5 ? "img-src" : "connect-src", `https://n${step}.vendor${d}.example`, {
            count: rnd() < 0.7 ? 1 : 3,
          }),
          id: id++,
        });
      } else if (roll < 0.7 && groups.length > 10) {
        // A group leaves the window.
        groups.splice(Math.floor(rnd() * groups.length), 1);
      } else if (roll < 0.8) {
        // A group blocked in production (a new object marked), or no longer.
        const i = Math.floor(rnd() * groups.length);
        const g = groups[i]!;
        groups[i] = g.enforcedReports
          ? { ...g, enforcedReports: 0 }
          : { ...g, enforcedReports: 2, blockedSince: 1 };
      }
      const input: BuildInput = {
        groups,
        reportUri: "https://cinch.example/r/k",
        minCount: step % 11 === 10 ? 3 : 2,
        accepted:
          step % 6 === 5 ? ["img-src https://*.vendor1.example", "img-src https://s0.vendor2.example"] : [],
        rejected: step % 7 === 6 ? ["connect-src https://s1.vendor3.example"] : [],
        enforcedVersion: 1,
      };
      expect(buildPolicy(input, memo)).toEqual(buildPolicy(input));
      if (memo.last.wildcardStageReused) stageReused++;
      else stageMade++;
    }
    // Both ways were taken: the step again (with or without remade evidence) and made whole.
    expect(stageReused).toBeGreaterThan(5);
    expect(stageMade).toBeGreaterThan(2);
  });
});
