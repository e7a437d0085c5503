// A build's answer as JSON text (api/build-answer.ts) is the text of JSON.stringify(presentBuild(…)), whatever the
// answer's JSON keeps from the builds before (the policy's and the grade's JSON, while the memo hands out the same).
import { expect, test } from "vitest";
import { answerJson } from "../../server/api/build-answer.ts";
import { presentBuild } from "../../server/api/present-policy.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { BuildMemo } from "../../server/policy/build-memo.ts";
import type { PolicyGroup } from "../../server/policy/groups.ts";
import { group } from "../policy/helpers.ts";

const page = { offset: 0, limit: 5, decisionOffset: 0, decisionLimit: 5, base: "", baseVersion: null };

test("the answer's text equals the presented build's, build after build, memoized or not, in any order", () => {
  const memo = new BuildMemo();
  let groups: PolicyGroup[] = [];
  for (let d = 0; d < 4; d++)
    for (let s = 0; s < 4; s++)
      groups.push({
        ...group("img-src", `https://s${s}.v${d}.example`, { count: 2 + s }),
        id: groups.length + 1,
      });
  const seen = new Set<string>();
  const results = [];
  for (let step = 0; step < 12; step++) {
    // Below the threshold (same candidate: the memo hands out the same grade), or above it (a new candidate).
    groups = [
      ...groups,
      {
        ...group("script-src-elem", `https://n${step}.example`, { count: step % 3 === 0 ? 5 : 1 }),
        id: 100 + step,
      },
    ];
    const input = {
      groups,
      reportUri: "https://cinch.example/r/k",
      budget: step % 5 === 4 ? 200 : undefined,
    };
    const built = buildPolicy(input, step % 4 === 3 ? undefined : memo);
    results.push(built);
    const text = answerJson(built, { ...page, base: `base ${step}` }, new Map());
    expect(text).toBe(JSON.stringify(presentBuild(built, { ...page, base: `base ${step}` })));
    seen.add(text);
  }
  // Older results answered again, after newer ones were kept: each still its own.
  for (const [i, built] of results.entries()) {
    const ctx = { ...page, offset: i % 3, base: "again" };
    expect(answerJson(built, ctx, new Map())).toBe(JSON.stringify(presentBuild(built, ctx)));
  }
  expect(seen.size).toBe(12);
});
