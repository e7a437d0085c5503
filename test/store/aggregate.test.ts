// The batch aggregate both storage engines write: table-tested without a database.
import { describe, expect, test } from "vitest";
import {
  aggregateBatch,
  Counters,
  HOUR_MS,
  mergeBounded,
  newSamples,
  parseList,
  perHour,
  SAMPLE_REFRESH_MS,
  sampleKey,
  type BatchItem,
} from "../../server/store/aggregate.ts";
import type { Violation } from "../../server/reports/types.ts";
import { violation } from "../helpers/violation.ts";

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const LIMITS = { ring: 20, perFlush: 2, maxPages: 2, maxBrowsers: 1 };

const v = violation;
const item = (over: Partial<BatchItem> & { violations: Violation[] }): BatchItem => ({
  projectId: "p",
  tags: { policyVersion: null, env: "" },
  receivedAt: T0,
  ...over,
});

describe("aggregateBatch", () => {
  test.each([
    {
      name: "one group across requests sums counts and keeps first/last seen",
      batch: [
        item({ violations: [v(), v()], receivedAt: T0 + 5 }),
        item({ violations: [v()], receivedAt: T0 + 1 }),
      ],
      groups: 1,
      count: 3,
      firstSeen: T0 + 1,
      lastSeen: T0 + 5,
    },
    {
      name: "another blocked origin is another group",
      batch: [item({ violations: [v(), v({ blockedKey: "https://other.example" })] })],
      groups: 2,
      count: 1,
      firstSeen: T0,
      lastSeen: T0,
    },
    {
      name: "the same violation in another project is another group",
      batch: [item({ violations: [v()] }), item({ projectId: "q", violations: [v()] })],
      groups: 2,
      count: 1,
      firstSeen: T0,
      lastSeen: T0,
    },
  ])("$name", ({ batch, groups, count, firstSeen, lastSeen }) => {
    const agg = aggregateBatch(batch, new Counters(), LIMITS);
    expect(agg.groups.size).toBe(groups);
    const first = [...agg.groups.values()][0]!;
    expect(first).toMatchObject({ count, firstSeen, lastSeen });
    expect(agg.reports).toBe(batch.reduce((n, b) => n + b.violations.length, 0));
  });

  test.each([
    {
      name: "hours split by hour, disposition, version and env",
      batch: [
        item({ violations: [v(), v({ disposition: "report" })] }),
        item({ violations: [v()], receivedAt: T0 + HOUR_MS }),
        item({ violations: [v()], tags: { policyVersion: 3, env: "staging" } }),
      ],
      hours: [
        { hour: T0 / HOUR_MS, disposition: "enforce", policyVersion: 0, env: "", count: 1 },
        { hour: T0 / HOUR_MS, disposition: "report", policyVersion: 0, env: "", count: 1 },
        { hour: T0 / HOUR_MS + 1, disposition: "enforce", policyVersion: 0, env: "", count: 1 },
        { hour: T0 / HOUR_MS, disposition: "enforce", policyVersion: 3, env: "staging", count: 1 },
      ],
      running: [
        [T0 / HOUR_MS, 3],
        [T0 / HOUR_MS + 1, 1],
      ],
    },
  ])("$name", ({ batch, hours, running }) => {
    const d = [...aggregateBatch(batch, new Counters(), LIMITS).groups.values()][0]!;
    expect([...d.hours.values()]).toEqual(hours);
    expect([...perHour(d)]).toEqual(running);
  });

  test("pages and browsers keep their bound; recent keeps the newest", () => {
    const vs = ["/a", "/b", "/c"].map((p, i) =>
      v({ documentUrl: `https://site.example${p}`, browser: `B${i}`, sample: `s${i}` }),
    );
    const d = [...aggregateBatch([item({ violations: vs })], new Counters(), LIMITS).groups.values()][0]!;
    expect([...d.pages]).toEqual(["https://site.example/a", "https://site.example/b"]);
    expect([...d.browsers]).toEqual(["B0"]);
    expect(d.recent.map((r) => r.v.sample)).toEqual(["s0", "s1", "s2"]);
  });

  test("directive rollups and counters: noise counted apart, only non-noise projects are touched", () => {
    const counters = new Counters();
    counters.add("q", "rejected:too_large", 2, T0);
    const agg = aggregateBatch(
      [
        item({ violations: [v(), v({ noise: "extension" })] }),
        item({ projectId: "q", violations: [v({ noise: "extension" })] }),
      ],
      counters,
      LIMITS,
    );
    const hour = T0 / HOUR_MS;
    expect(agg.directiveHours).toEqual([
      { projectId: "p", hour, directive: "script-src-elem", noise: "", count: 1 },
      { projectId: "p", hour, directive: "script-src-elem", noise: "extension", count: 1 },
      { projectId: "q", hour, directive: "script-src-elem", noise: "extension", count: 1 },
    ]);
    expect(agg.counters).toEqual([
      { projectId: "q", hour, kind: "rejected:too_large", count: 2 },
      { projectId: "p", hour, kind: "accepted", count: 1 },
      { projectId: "p", hour, kind: "noise", count: 1 },
      { projectId: "q", hour, kind: "noise", count: 1 },
    ]);
    expect([...agg.touched]).toEqual(["p"]);
  });

  test("a directive or kind with a newline stays one structured row", () => {
    const counters = new Counters();
    counters.add("p", "rejected:a\nb", 1, T0);
    const agg = aggregateBatch([item({ violations: [v({ directive: "x\ny" })] })], counters, LIMITS);
    expect(agg.directiveHours[0]!.directive).toBe("x\ny");
    expect(agg.counters[0]!.kind).toBe("rejected:a\nb");
  });
});

describe("newSamples", () => {
  const r = (sample: string, at = T0, policyVersion: number | null = null) => ({
    v: v({ sample }),
    at,
    tags: { policyVersion, env: "" },
  });
  const key = (sample: string, policyVersion: number | null = null) =>
    sampleKey(v({ sample }), { policyVersion, env: "" });
  test.each([
    {
      name: "newest first, at most perFlush, returned oldest first",
      slots: [],
      recent: [r("a"), r("b"), r("c")],
      out: ["b", "c"],
    },
    {
      name: "duplicates in the batch take one slot",
      slots: [],
      recent: [r("a"), r("a"), r("a")],
      out: ["a"],
    },
    {
      name: "a sample in the ring is not rewritten",
      slots: [{ key: key("a"), at: T0 }],
      recent: [r("a", T0 + 1)],
      out: [],
    },
    {
      name: "but is after SAMPLE_REFRESH_MS",
      slots: [{ key: key("a"), at: T0 }],
      recent: [r("a", T0 + SAMPLE_REFRESH_MS)],
      out: ["a"],
    },
    {
      name: "and is under a new policy version",
      slots: [{ key: key("a"), at: T0 }],
      recent: [r("a", T0, 2)],
      out: ["a"],
    },
  ])("$name", ({ slots, recent, out }) => {
    expect(newSamples(slots, recent, 2).map((x) => x.v.sample)).toEqual(out);
  });
});

describe("mergeBounded and parseList", () => {
  test.each([
    { current: [], added: ["a", "b", "c"], max: 2, out: ["a", "b"] },
    { current: ["a"], added: ["a"], max: 2, out: null },
    { current: ["a", "b"], added: ["c"], max: 2, out: null },
    { current: ["a"], added: ["b", "a", "c"], max: 5, out: ["a", "b", "c"] },
  ])("$current + $added (max $max) = $out", ({ current, added, max, out }) => {
    expect(mergeBounded(current, added, max)).toEqual(out);
  });
  test.each([
    { json: '["a",1,"b"]', out: ["a", "b"] },
    { json: "{}", out: [] },
    { json: "not json", out: [] },
  ])("parseList($json)", ({ json, out }) => {
    expect(parseList(json)).toEqual(out);
  });
});
