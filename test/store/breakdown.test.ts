// Per-group page and browser counts (#16), pure: the page a URL counts under, a batch's bounded accumulation,
// the aggregate filling it, and the read side's top list with shares and "other".
import { describe, expect, test } from "vitest";
import {
  BREAKDOWN_LIMITS,
  BreakdownBatch,
  DAY_MS,
  NONE,
  OTHER,
  browserOf,
  pageOf,
  placeCounts,
  topList,
  type BreakdownKind,
} from "../../server/store/breakdown.ts";
import { aggregateBatch, Counters } from "../../server/store/aggregate.ts";
import type { Violation } from "../../server/reports/types.ts";
import { violation } from "../helpers/violation.ts";

const D0 = Date.UTC(2026, 11, 6, 23, 0, 0); // one hour before a UTC midnight
const DAY = Math.floor(D0 / DAY_MS);

describe("pageOf / browserOf", () => {
  test.each([
    { url: "https://shop.example/checkout", page: "https://shop.example/checkout" },
    { url: "https://shop.example/checkout?step=2&sid=abc", page: "https://shop.example/checkout" },
    { url: "https://shop.example/a#frag?x", page: "https://shop.example/a" },
    { url: "https://shop.example/a?x#y", page: "https://shop.example/a" },
    { url: "", page: NONE },
    {
      url: `https://x.example/${"a".repeat(600)}`,
      page: `https://x.example/${"a".repeat(600)}`.slice(0, 500),
    },
  ])("$url → $page", ({ url, page }) => expect(pageOf(url)).toBe(page));

  test.each([
    { label: "Chrome 131", browser: "Chrome 131" },
    { label: "", browser: NONE },
  ])("browser $label → $browser", ({ label, browser }) => expect(browserOf(label)).toBe(browser));
});

type Add = [at: number, kind: BreakdownKind, value: string];
const rowsOf = (adds: Add[]) => {
  const b = new BreakdownBatch();
  for (const [at, kind, value] of adds) b.add(at, kind, value);
  return b
    .entries()
    .map((r) => `${r.day - DAY}/${r.kind}/${r.value || "(other)"}=${r.count}`)
    .sort();
};
const pages = (n: number, at = D0): Add[] =>
  Array.from({ length: n }, (_, i) => [at, "page", `p${i}`] as Add);

describe("BreakdownBatch", () => {
  test.each([
    {
      name: "counts repeats of one value",
      adds: [
        [D0, "page", "a"],
        [D0, "page", "a"],
        [D0, "browser", "Firefox 140"],
      ] as Add[],
      rows: ["0/browser/Firefox 140=1", "0/page/a=2"],
    },
    {
      name: "a report after midnight is the next day's",
      adds: [
        [D0, "page", "a"],
        [D0 + 3_600_000, "page", "a"],
      ] as Add[],
      rows: ["0/page/a=1", "1/page/a=1"],
    },
    {
      name: "the limit's worth of pages are named, the rest go to other",
      adds: [...pages(BREAKDOWN_LIMITS.page + 3), [D0, "page", "p0"]] as Add[],
      rows: [
        ...Array.from({ length: BREAKDOWN_LIMITS.page }, (_, i) => `0/page/p${i}=${i === 0 ? 2 : 1}`),
        "0/page/(other)=3",
      ].sort(),
    },
    {
      name: "the limit is per day: the next day names its own pages",
      adds: [...pages(BREAKDOWN_LIMITS.page + 1), [D0 + DAY_MS, "page", "late"]] as Add[],
      rows: [
        ...Array.from({ length: BREAKDOWN_LIMITS.page }, (_, i) => `0/page/p${i}=1`),
        "0/page/(other)=1",
        "1/page/late=1",
      ].sort(),
    },
    {
      name: "pages and browsers have their own limits",
      adds: Array.from({ length: BREAKDOWN_LIMITS.browser + 2 }, (_, i) => [D0, "browser", `B ${i}`] as Add),
      rows: [
        ...Array.from({ length: BREAKDOWN_LIMITS.browser }, (_, i) => `0/browser/B ${i}=1`),
        "0/browser/(other)=2",
      ].sort(),
    },
  ])("$name", ({ adds, rows }) => expect(rowsOf(adds)).toEqual(rows));

  test("a flood of distinct values stays within the limit + other", () => {
    const b = new BreakdownBatch();
    for (let i = 0; i < 10_000; i++) b.add(D0, "page", `https://x.example/${i}`);
    const e = b.entries();
    expect(e).toHaveLength(BREAKDOWN_LIMITS.page + 1);
    expect(e.reduce((n, r) => n + r.count, 0)).toBe(10_000);
  });
});

const v = (over: Partial<Violation> = {}): Violation =>
  violation({ documentUrl: "https://shop.example/", ...over });

test("aggregateBatch fills each group's breakdown: one page row and one browser row per report", () => {
  const agg = aggregateBatch(
    [
      {
        projectId: "p",
        tags: { policyVersion: null, env: "" },
        receivedAt: D0,
        violations: [
          v({ documentUrl: "https://shop.example/checkout?x=1" }),
          v({ documentUrl: "https://shop.example/checkout?x=2", browser: "" }),
          v({ documentUrl: "https://shop.example/" }),
        ],
      },
    ],
    new Counters(),
    { ring: 5, perFlush: 2, maxPages: 50, maxBrowsers: 20 },
  );
  const [g] = [...agg.groups.values()];
  const got = g!.breakdown
    .entries()
    .map((r) => `${r.kind}:${r.value}=${r.count}`)
    .sort();
  expect(got).toEqual([
    `browser:${NONE}=1`,
    "browser:Chrome 131=2",
    "page:https://shop.example/=1",
    "page:https://shop.example/checkout=2",
  ]);
});

describe("topList", () => {
  test.each([
    { name: "nothing counted", sums: [], n: 3, rows: [], other: 0, counted: 0 },
    {
      name: "most first, ties by value, shares of everything counted",
      sums: [
        { value: "b", count: 2 },
        { value: "a", count: 2 },
        { value: "c", count: 4 },
      ],
      n: 3,
      rows: [
        ["c", 4, 0.5],
        ["a", 2, 0.25],
        ["b", 2, 0.25],
      ],
      other: 0,
      counted: 8,
    },
    {
      name: "stored other and values past the top n are other",
      sums: [
        { value: "a", count: 5 },
        { value: OTHER, count: 2 },
        { value: "b", count: 1 },
        { value: "c", count: 2 },
      ],
      n: 2,
      rows: [
        ["a", 5, 0.5],
        ["c", 2, 0.2],
      ],
      other: 3,
      counted: 10,
    },
    {
      name: "shares round to 4 decimals",
      sums: [
        { value: "a", count: 1 },
        { value: "b", count: 2 },
      ],
      n: 1,
      rows: [["b", 2, 0.6667]],
      other: 1,
      counted: 3,
    },
  ])("$name", ({ sums, n, rows, other, counted }) => {
    const t = topList(sums, n);
    expect(t.rows.map((r) => [r.value, r.count, r.share])).toEqual(rows);
    expect(t.other.count).toBe(other);
    expect(t.counted).toBe(counted);
    expect(t.rows.reduce((s, r) => s + r.count, 0) + t.other.count).toBe(counted);
  });
});

describe("placeCounts (the bound both engines keep)", () => {
  const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  test.each([
    {
      name: "stored values keep their rows, new ones fill up to the limit, most reports first",
      stored: ["a", "b"],
      rows: [
        { value: "a", count: 1 },
        { value: "x", count: 1 },
        { value: "y", count: 5 },
        { value: "z", count: 5 },
      ],
      limit: 3,
      out: [
        [OTHER, 6],
        ["a", 1],
        ["y", 5],
      ],
    },
    {
      name: "ties by value; the batch's own other adds to other",
      stored: [],
      rows: [
        { value: "b", count: 2 },
        { value: "a", count: 2 },
        { value: OTHER, count: 4 },
      ],
      limit: 1,
      out: [
        [OTHER, 6],
        ["a", 2],
      ],
    },
    {
      name: "a stored other bucket does not use a named slot",
      stored: [OTHER, "a"],
      rows: [{ value: "b", count: 1 }],
      limit: 2,
      out: [["b", 1]],
    },
    {
      name: "full: every new value is other, stored ones still count",
      stored: ["a", "b"],
      rows: [
        { value: "c", count: 3 },
        { value: "b", count: 1 },
      ],
      limit: 2,
      out: [
        [OTHER, 3],
        ["b", 1],
      ],
    },
  ])("$name", ({ stored, rows, limit, out }) => {
    const got = placeCounts(new Set(stored), rows, limit);
    expect(sorted(got)).toEqual(out);
    expect([...got.values()].reduce((a, b) => a + b, 0)).toBe(rows.reduce((a, r) => a + r.count, 0));
  });
});
