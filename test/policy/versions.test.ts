// Rollout helpers: ?v=N on report URLs, comparing what two versions saw, and the starter policy.
import { describe, expect, test } from "vitest";
import { compareVersions, withPolicyVersion, withVersionParam } from "../../server/policy/versions.ts";
import { starterPolicy } from "../../server/policy/starter.ts";
import { group } from "./helpers.ts";

describe("versions", () => {
  test.each([
    { url: "https://c.example/r/k", v: 3, out: "https://c.example/r/k?v=3" },
    { url: "https://c.example/r/k?v=2", v: 3, out: "https://c.example/r/k?v=3" },
    { url: "https://c.example/r/k?env=prod", v: 1, out: "https://c.example/r/k?env=prod&v=1" },
    { url: "/relative", v: 1, out: "/relative" },
  ])("withVersionParam($url, $v)", ({ url, v, out }) => {
    expect(withVersionParam(url, v)).toBe(out);
  });

  test("withPolicyVersion tags report-uri only", () => {
    expect(
      withPolicyVersion("default-src 'self'; report-uri https://c.example/r/k; report-to cinch", 4),
    ).toBe("default-src 'self'; report-uri https://c.example/r/k?v=4; report-to cinch");
  });

  test("compareVersions: added, resolved and persisting groups", () => {
    const a = group("img-src", "https://a.example", { id: "a", countsByVersion: { 1: 3 } });
    const b = group("img-src", "https://b.example", { id: "b", countsByVersion: { 1: 3, 2: 1 } });
    const c = group("img-src", "https://c.example", { id: "c", countsByVersion: { 2: 9 } });
    const d = group("img-src", "https://d.example", { id: "d" });
    const r = compareVersions([a, b, c, d], 2);
    expect(r.added.map((g) => g.id)).toEqual(["c"]);
    expect(r.resolved.map((g) => g.id)).toEqual(["a"]);
    expect(r.persisting.map((g) => g.id)).toEqual(["b"]);
  });

  test("starterPolicy", () => {
    expect(starterPolicy({ reportUri: "https://c.example/r/k", reportToGroup: "cinch" })).toBe(
      "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'; " +
        "script-src 'self' 'report-sample'; style-src 'self' 'report-sample'; report-uri https://c.example/r/k; report-to cinch",
    );
  });
});
