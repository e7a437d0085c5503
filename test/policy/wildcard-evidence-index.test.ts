// The wildcard decision's evidence, found through the host index (policy/wildcard-evidence.ts), is exactly the
// definition's: every group behind the covered additions, and every governed group whose reported URL a covered
// source matches — checked against a scan of every group, over hosts in mixed case, with trailing dots and ports.
import { expect, test } from "vitest";
import type { PolicyGroup } from "../../server/policy/groups.ts";
import { urlMatchesSource } from "../../server/policy/match.ts";
import { groupUrls } from "../../server/policy/prune.ts";
import { wildcardEvidence } from "../../server/policy/wildcard-evidence.ts";
import { prng } from "../../bench/workload.ts";

test.each([1, 2, 3])("the index finds what a scan of every group finds (seed %i)", (seed) => {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hosts = ["a.v.example", "b.v.example", "c.v.example", "A.v.example", "d.v.example.", "e.w.example"];
  const groups: PolicyGroup[] = Array.from({ length: 300 }, (_, i) => {
    const host = `${pick(["https", "http", "wss"])}://${pick(hosts)}${pick(["", "", ":8443"])}`;
    return {
      id: i % 7 === 0 ? `dup-${i % 3}` : i,
      directive: pick(["img-src", "script-src-elem", "connect-src"]),
      blocked: host,
      count: 1,
      pages: ["https://site.example/"],
      firstSeen: 0,
      lastSeen: 0,
      samples: [
        {
          sample: "",
          documentUrl: "https://site.example/",
          blockedUrl: `${host}/x.js`,
          sourceFile: "",
          line: null,
        },
      ],
    };
  });
  const governs = (g: PolicyGroup) => g.directive !== "connect-src";
  const urls = new Map(groups.map((g) => [g, groupUrls(g)]));
  const urlsOf = (g: PolicyGroup) => urls.get(g)!;
  const evidenceOf = wildcardEvidence(groups, urlsOf);
  // The same with the match results kept between calls, as a memoized build keeps them.
  const matches = new WeakMap<PolicyGroup, Map<string, boolean>>();
  const remembered = wildcardEvidence(groups, urlsOf, undefined, matches);
  const coverSets = [
    ["https://a.v.example", "https://b.v.example", "https://c.v.example"],
    ["a.v.example", "d.v.example", "https://c.v.example:8443"],
    ["http://A.V.EXAMPLE", "https://d.v.example.", "wss://b.v.example"],
    ["https://*.v.example", "https://a.v.example/x.js"],
  ];
  for (const covers of coverSets) {
    const backing = [{ groupIds: [pick(groups).id, pick(groups).id] }];
    const ids = new Set(backing[0]!.groupIds);
    const scanned = groups.filter(
      (g) =>
        ids.has(g.id) ||
        (governs(g) && urlsOf(g).some((url) => covers.some((source) => urlMatchesSource(url, source, null)))),
    );
    expect(evidenceOf(governs, backing, covers)).toEqual(scanned);
    for (let twice = 0; twice < 2; twice++) expect(remembered(governs, backing, covers)).toEqual(scanned);
    expect(scanned.length).toBeGreaterThan(2);
  }
});
