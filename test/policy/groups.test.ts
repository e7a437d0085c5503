// groupsFromViolations on real report fixtures, parsed by the reports module.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { groupsFromViolations } from "../../server/policy/groups.ts";
import { parseReportBody } from "../../server/reports/parse.ts";
import type { Violation } from "../../server/reports/types.ts";
import { CORPUS_DIR } from "../reports/corpus.ts";

const FIXTURES = CORPUS_DIR;

function violations(name: string): Violation[] {
  const req = JSON.parse(readFileSync(`${FIXTURES}/${name}/request.json`, "utf8")) as {
    contentType: string;
    body: unknown;
  };
  const outcome = parseReportBody(req.contentType, JSON.stringify(req.body));
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.violations;
}

describe("groupsFromViolations", () => {
  test("the Chromium 156 batch: one group per directive and origin, inline keyed by sample", () => {
    const groups = groupsFromViolations(violations("chromium156-reporting-api-batch"), {
      seenAt: 5,
      version: 2,
    });
    expect(groups.map((g) => `${g.directive} ${g.blocked}`)).toEqual([
      "script-src-elem https://app.example.com",
      "connect-src https://api.example.com",
      "style-src-elem https://static.examplecdn.net",
      "script-src-elem https://static.examplecdn.net",
      "script-src-elem inline",
      "worker-src https://app.example.com",
      "script-src eval",
      "img-src data",
      "frame-src https://static.examplecdn.net",
    ]);
    const inline = groups.find((g) => g.blocked === "inline")!;
    expect(inline.samples[0]?.sample).toBe("window.inlineRan=true;");
    expect(inline.countsByVersion).toEqual({ 2: 1 });
    expect(groups[1]?.samples[0]?.blockedUrl).toBe("https://api.example.com/ping");
    expect(groups[0]).toMatchObject({
      count: 1,
      firstSeen: 5,
      lastSeen: 5,
      pages: ["https://app.example.com/b"],
    });
  });

  test("noise never becomes a group", () => {
    const v = violations("firefox49-bare-chrome-extension");
    expect(v.every((x) => x.noise !== null)).toBe(true);
    expect(groupsFromViolations(v)).toEqual([]);
  });

  test("the same inline sample twice is one group with count 2; different samples are two", () => {
    const [base] = violations("chromium156-legacy-inline");
    const other = { ...base!, sample: "b=2;" };
    const groups = groupsFromViolations([base!, base!, other]);
    expect(groups.map((g) => [g.blocked, g.count])).toEqual([
      ["inline", 2],
      ["inline", 1],
    ]);
  });
});
