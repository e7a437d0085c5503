// A wildcard decision's evidence is summed over the groups it covers (#16: "Evidence: 0 reports · 0 pages" while
// its three subdomain groups held 54 reports), whether the covered sources are new or already in the base policy.
import { describe, expect, test } from "vitest";
import { buildPolicy } from "../../server/policy/build.ts";
import { group } from "./helpers.ts";

const REPORTING = { reportUri: "https://cinch.example/r/k", reportToGroup: "cinch" };
const counts = { a: 20, b: 18, c: 16 } as const;
const groups = Object.entries(counts).map(([s, count]) =>
  group("img-src", `https://${s}.cdn.example.co.uk`, { count, pages: [`https://shop.example/${s}`] }),
);
const ID = "img-src https://*.example.co.uk";

describe("wildcard evidence", () => {
  test.each([
    { name: "sources the build adds", base: undefined },
    {
      name: "sources already in the base policy",
      base: "default-src 'self'; img-src 'self' https://a.cdn.example.co.uk https://b.cdn.example.co.uk https://c.cdn.example.co.uk",
    },
  ])("$name: 54 reports on 3 pages from 3 groups", ({ base }) => {
    const d = buildPolicy({ groups, base, ...REPORTING }).decisions.find((x) => x.id === ID);
    expect(d).toBeDefined();
    expect(d!.evidence.count).toBe(54);
    expect([...d!.evidence.pages].sort()).toEqual([
      "https://shop.example/a",
      "https://shop.example/b",
      "https://shop.example/c",
    ]);
    expect([...d!.groupIds].sort()).toEqual(groups.map((g) => g.id).sort());
  });

  test("groups of another directive or another domain are not its evidence", () => {
    const others = [
      group("script-src-elem", "https://a.cdn.example.co.uk", { count: 7 }),
      group("img-src", "https://elsewhere.example", { count: 9 }),
    ];
    const d = buildPolicy({ groups: [...groups, ...others], ...REPORTING }).decisions.find(
      (x) => x.id === ID,
    );
    expect(d!.evidence.count).toBe(54);
  });
});
