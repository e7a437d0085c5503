// Which groups the engine reads every sample of (the shell loads the whole sample ring only for these).
import { describe, expect, test } from "vitest";
import { NO_PATH_HOSTS, needsAllSamples, pathSourceHosts } from "../../server/policy/sample-needs.ts";

describe("pathSourceHosts", () => {
  const policies = [
    "script-src 'self' https://cdn.example.net/lib/ https://plain.example.com; img-src https://*.imgs.example/p/",
    "default-src 'self', connect-src https://api.example.io/v1/graphql",
  ];
  const test_ = pathSourceHosts(policies);
  test.each([
    ["https://cdn.example.net", true],
    ["https://CDN.example.net:8443", true],
    ["https://plain.example.com", false], // named without a path
    ["https://a.imgs.example", true], // *.imgs.example with a path
    ["https://imgs.example", false], // the wildcard does not cover the apex
    ["https://api.example.io", true], // second policy of a comma-separated list
    ["https://other.example", false],
    ["inline", false],
    ["data", false],
  ])("%s → %s", (blocked, expected) => {
    expect(test_(blocked)).toBe(expected);
  });

  test("a root path or no path names no host", () => {
    const t = pathSourceHosts(["img-src https://a.example/ https://b.example"]);
    expect(t("https://a.example")).toBe(false);
    expect(t("https://b.example")).toBe(false);
  });

  test("report-uri and report-to name no source: a policy reporting to Cinch names no host with a path", () => {
    const t = pathSourceHosts([
      "default-src 'self'; img-src https://a.example; report-uri https://cinch.example/r/k1; report-to cinch",
    ]);
    expect(t("https://cinch.example")).toBe(false);
    expect(t).toBe(NO_PATH_HOSTS);
  });

  test("* with a path covers every host", () => {
    expect(pathSourceHosts(["img-src */x/"])("https://any.example")).toBe(true);
  });
});

describe("needsAllSamples", () => {
  const paths = pathSourceHosts(["script-src https://cdn.example.net/lib/"]);
  test.each([
    ["script-src-elem", "inline", true], // hashes come from every distinct sample
    ["script-src", "eval", true],
    ["img-src", "data", true], // non-URL groups are few; keep what the engine may read
    ["script-src-elem", "https://ajax.googleapis.com", true], // csp_evaluator: JSONP / AngularJS host
    ["img-src", "https://ajax.googleapis.com", false], // not a script: origin-level is enough
    ["script-src-elem", "https://cdn.example.net", true], // named with a path by the policy
    ["script-src-elem", "https://static.example.org", false],
  ])("%s %s → %s", (directive, blocked, expected) => {
    expect(needsAllSamples(directive, blocked, paths)).toBe(expected);
  });
});
