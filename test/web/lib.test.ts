// Pure dashboard helpers: route matching, time ranges, hourly stacks, policy diff, settings validation.
import { describe, expect, test } from "vitest";
import { matchRoute, pathFor } from "../../web/src/lib/router.tsx";
import { rangeFromParams, rangeToParams } from "../../web/src/lib/range.ts";
import { bucketFor, buildStack, cumulative } from "../../web/src/lib/stack.ts";
import { directiveLook } from "../../web/src/lib/colors.ts";
import { compactBrowsers, pagePath } from "../../web/src/lib/compact.ts";
import { bulkScopes } from "../../web/src/components/BulkChoices.tsx";
import { choicesFromParams, choicesToParams } from "../../web/src/hooks/useBuilderChoices.ts";
import { diffPolicies, diffSummary } from "../../web/src/lib/policy-diff.ts";
import { bucketSeries } from "../../web/src/hooks/useGroupTrends.ts";
import { sparklinePoints } from "../../web/src/components/Sparkline.tsx";
import { blockedLabel } from "../../web/src/lib/format.ts";

describe("matchRoute", () => {
  test.each([
    { path: "/", name: "projects", params: {} },
    { path: "/projects/abc", name: "project", params: { id: "abc" } },
    { path: "/projects/abc/violations/", name: "violations", params: { id: "abc" } },
    { path: "/projects/a%20b/groups/42", name: "group", params: { id: "a b", gid: "42" } },
    { path: "/projects/abc/policy", name: "policy", params: { id: "abc" } },
    { path: "/projects/abc/alerts", name: "alerts", params: { id: "abc" } },
    { path: "/channels", name: "channels", params: {} },
    // An alert's link to a group has the API's shape; the app opens the group page from it.
    { path: "/projects/abc/violations/42", name: "groupLink", params: { id: "abc", gid: "42" } },
    { path: "/projects//violations", name: "notFound", params: {} },
    { path: "/projects/%E0%A4%A/live", name: "notFound", params: {} },
    { path: "/nope", name: "notFound", params: {} },
  ])("$path → $name", ({ path, name, params }) => {
    expect(matchRoute(path)).toEqual({ name, params });
  });

  test("pathFor encodes parameters", () => {
    expect(pathFor("group", { id: "a/b", gid: 7 })).toBe("/projects/a%2Fb/groups/7");
  });
});

describe("time ranges", () => {
  const now = 10 * 86_400_000;
  test.each([
    { qs: "", preset: "24h", span: 86_400_000 },
    { qs: "range=7d", preset: "7d", span: 7 * 86_400_000 },
    { qs: "range=bogus", preset: "24h", span: 86_400_000 },
    { qs: "range=custom&since=1000&until=5000", preset: "custom", span: 4000 },
    { qs: "range=custom&since=5000&until=1000", preset: "24h", span: 86_400_000 },
  ])("?$qs → $preset", ({ qs, preset, span }) => {
    const r = rangeFromParams(new URLSearchParams(qs), now);
    expect(r.preset).toBe(preset);
    expect(r.until - r.since).toBe(span);
  });

  test("round trip through URL parameters", () => {
    expect(rangeToParams({ preset: "24h" })).toEqual({ range: null, since: null, until: null });
    expect(rangeToParams({ preset: "custom", since: 1, until: 2 })).toEqual({
      range: "custom",
      since: "1",
      until: "2",
    });
  });
});

describe("buildStack", () => {
  const H = 3_600_000;
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const iso = (h: number) => new Date(t0 + h * H).toISOString();
  test("zero-fills hours, orders directives by total, drops points outside the window", () => {
    const s = buildStack(
      [
        { hour: iso(0), directive: "img-src", count: 1 },
        { hour: iso(2), directive: "script-src", count: 5 },
        { hour: iso(2), directive: "img-src", count: 2 },
        { hour: iso(9), directive: "img-src", count: 100 },
      ],
      t0 + 10 * 60_000,
      t0 + 3 * H,
    );
    expect(s.xs).toEqual([0, 1, 2, 3].map((h) => (t0 + h * H) / 1000));
    expect(s.series).toEqual([
      { directive: "script-src", values: [0, 0, 5, 0], total: 5 },
      { directive: "img-src", values: [1, 0, 2, 0], total: 3 },
    ]);
    expect(cumulative(s)).toEqual([
      [1, 0, 7, 0],
      [1, 0, 2, 0],
    ]);
  });
});

describe("buildStack buckets (#16)", () => {
  const H = 3_600_000;
  test.each([
    { span: 24, bucket: "hour" },
    { span: 48, bucket: "hour" },
    { span: 49, bucket: "day" },
    { span: 24 * 30, bucket: "day" },
  ])("a $span-hour window draws $bucket bars", ({ span, bucket }) => {
    expect(bucketFor(0, span * H)).toBe(bucket);
  });

  test("beyond 48 hours, hourly points sum into the viewer's days; every report is in one bar", () => {
    const until = new Date(2026, 11, 7, 10, 30).getTime();
    const since = until - 7 * 24 * H;
    const points = Array.from({ length: 7 * 24 }, (_, h) => ({
      hour: new Date(since + h * H).toISOString(),
      directive: h % 2 ? "img-src" : "script-src-elem",
      count: 1 + (h % 3),
    }));
    const s = buildStack(points, since, until);
    expect(s.bucket).toBe("day");
    expect(s.xs).toHaveLength(8);
    for (const x of s.xs) expect(new Date(x * 1000).getHours()).toBe(0);
    const sum = points.reduce((a, p) => a + p.count, 0);
    expect(s.totals.reduce((a, b) => a + b, 0)).toBe(sum);
    expect(s.series.reduce((a, r) => a + r.total, 0)).toBe(sum);
    // the first day holds the hours from 10:30 on (13.5 of 24), a whole day holds 24 hours' reports
    expect(s.totals[1]).toBe(
      points.filter((p) => new Date(p.hour).getDate() === 1).reduce((a, p) => a + p.count, 0),
    );
  });
});

describe("directive looks (#16)", () => {
  test("the members of a family and form-action/frame-src differ in colour and pattern", () => {
    const pairs = [
      ["script-src", "script-src-elem"],
      ["script-src", "script-src-attr"],
      ["script-src-elem", "script-src-attr"],
      ["style-src", "style-src-elem"],
      ["style-src", "style-src-attr"],
      ["style-src-elem", "style-src-attr"],
      ["form-action", "frame-src"],
    ] as const;
    for (const [a, b] of pairs) {
      expect(directiveLook(a).color).not.toBe(directiveLook(b).color);
      expect(directiveLook(a).pattern).not.toBe(directiveLook(b).pattern);
    }
  });

  test("the 20 named directives have 20 different colours", () => {
    const names = [
      "script-src-elem",
      "script-src",
      "script-src-attr",
      "style-src-elem",
      "style-src",
      "style-src-attr",
      "img-src",
      "connect-src",
      "font-src",
      "frame-src",
      "form-action",
      "media-src",
      "worker-src",
      "manifest-src",
      "object-src",
      "child-src",
      "frame-ancestors",
      "default-src",
      "base-uri",
      "prefetch-src",
    ];
    expect(new Set(names.map((n) => directiveLook(n).color)).size).toBe(names.length);
  });
});

describe("bulk choice scopes (#16)", () => {
  const sug = (id: string, directive: string, source: string, action: "add" | "refuse" = "add") => ({
    id,
    directive,
    source,
    action,
    reason: "",
    evidence: { count: 1, pages: [], firstSeen: 0, lastSeen: 0, samples: [] },
    groupIds: [],
    applied: false,
  });
  test("one scope per directive, one per host named twice or more; refused suggestions are left alone", () => {
    const scopes = bulkScopes([
      sug("a", "script-src", "https://cdn.example.com"),
      sug("b", "img-src", "https://cdn.example.com"),
      sug("c", "img-src", "https://pixel.example.net"),
      sug("d", "img-src", "'unsafe-inline'", "refuse"),
    ]);
    expect(scopes.map((s) => [s.label, s.ids])).toEqual([
      ["Directive script-src (1)", ["a"]],
      ["Directive img-src (2)", ["b", "c"]],
      ["Origin cdn.example.com (2)", ["a", "b"]],
    ]);
  });
});

describe("builder choices in the URL (#16)", () => {
  test("round-trip, ids with spaces and quotes, empty lists drop their key", () => {
    const choices = {
      "add script-src 'sha256-x+y/z='": "accept",
      "add img-src https://a.example": "ignore",
    } as const;
    const params = choicesToParams(choices, ["decision wildcard img-src"]);
    expect(params).toEqual({
      accept: "add script-src 'sha256-x+y/z='",
      reject: null,
      ignore: "add img-src https://a.example",
      risk: "decision wildcard img-src",
    });
    const url = new URLSearchParams(
      Object.entries(params).filter((e): e is [string, string] => e[1] !== null),
    ).toString();
    expect(choicesFromParams(new URLSearchParams(url))).toEqual({
      choices,
      decisions: ["decision wildcard img-src"],
    });
  });
});

describe("compact cells (#16)", () => {
  test.each([
    { in: ["Chrome 131", "Chrome 130", "Safari 18", "Firefox 133"], shown: ["Chrome", "Safari"], more: 1 },
    { in: ["Samsung Internet 27"], shown: ["Samsung Internet"], more: 0 },
    { in: [], shown: [], more: 0 },
  ])("browsers $in", (c) => {
    expect(compactBrowsers(c.in)).toEqual({ shown: c.shown, more: c.more });
  });
  test.each([
    ["https://shop.example.com/checkout?step=2", "/checkout?step=2"],
    ["https://shop.example.com", "/"],
    ["not a url", "not a url"],
    ["javascript:alert(1)", "javascript:alert(1)"],
  ])("page %s reads %s", (url, path) => {
    expect(pagePath(url)).toBe(path);
  });
});

describe("bucketSeries", () => {
  test("folds hourly counts into at most N buckets over the window", () => {
    const since = Date.parse("2026-01-01T00:00:00Z");
    const until = since + 48 * 3_600_000;
    const pts = [
      { hour: new Date(since).toISOString(), count: 2 },
      { hour: new Date(since + 47 * 3_600_000).toISOString(), count: 3 },
    ];
    const b = bucketSeries(pts, since, until, 24);
    expect(b).toHaveLength(24);
    expect(b[0]).toBe(2);
    expect(b[23]).toBe(3);
    expect(bucketSeries(pts, since, since + 3 * 3_600_000)).toHaveLength(3);
  });
});

describe("diffPolicies", () => {
  test("marks added and removed sources and directives", () => {
    const d = diffPolicies(
      "default-src 'self'; script-src 'self' https://old.example; img-src 'self'",
      "default-src 'self'; script-src 'self' https://cdn.example; style-src 'self'",
    );
    expect(d).toEqual([
      { name: "default-src", change: "same", values: [{ value: "'self'", change: "same" }] },
      {
        name: "script-src",
        change: "changed",
        values: [
          { value: "'self'", change: "same" },
          { value: "https://cdn.example", change: "added" },
          { value: "https://old.example", change: "removed" },
        ],
      },
      { name: "style-src", change: "added", values: [{ value: "'self'", change: "added" }] },
      { name: "img-src", change: "removed", values: [{ value: "'self'", change: "removed" }] },
    ]);
    expect(diffSummary(d)).toEqual({ added: 2, removed: 2 });
  });

  test("valueless directives and duplicates (first wins)", () => {
    const d = diffPolicies("", "upgrade-insecure-requests; script-src 'self'; script-src https://x");
    expect(d).toEqual([
      { name: "upgrade-insecure-requests", change: "added", values: [] },
      { name: "script-src", change: "added", values: [{ value: "'self'", change: "added" }] },
    ]);
    expect(diffSummary(d)).toEqual({ added: 2, removed: 0 });
  });
});

describe("small helpers", () => {
  test("sparklinePoints scales to the box", () => {
    expect(sparklinePoints([0, 2, 1], 10, 12)).toBe("0.0,11.0 5.0,1.0 10.0,6.0");
    expect(sparklinePoints([], 10, 12)).toBe("");
  });
});

describe("blockedLabel", () => {
  test.each([
    { blocked: "inline-or-eval", label: "inline or eval" },
    { blocked: "", label: "(empty)" },
    { blocked: "inline", label: "inline" },
    { blocked: "eval", label: "eval" },
    { blocked: "https://cdn.example.com", label: "https://cdn.example.com" },
    { blocked: "constructor", label: "constructor" },
  ])("$blocked → $label", ({ blocked, label }) => {
    expect(blockedLabel(blocked)).toBe(label);
  });
});
