// Impact preview: what a candidate would block, by directive, source and page, and at scale (10k groups).
import { describe, expect, test } from "vitest";
import { previewImpact } from "../../server/policy/preview.ts";
import { hashSource } from "../../server/policy/hash.ts";
import { group, PAGE } from "./helpers.ts";

const NOW = 1_000 * 86_400_000;
const DAY = 86_400_000;

describe("previewImpact", () => {
  const groups = [
    group("script-src-elem", "https://cdn.example", {
      count: 40,
      lastSeen: NOW - DAY,
      blockedUrl: "https://cdn.example/a.js",
    }),
    group("img-src", "https://img.example", { count: 7, lastSeen: NOW - 30 * DAY }),
    group("img-src", "https://app.example.com", {
      count: 3,
      blockedUrl: "https://app.example.com/x.png",
      lastSeen: NOW,
    }),
    group("script-src-elem", "inline", { sample: "a=1;", count: 2, recentCount: 1, lastSeen: NOW }),
    group("script-src", "eval", { count: 5, lastSeen: NOW, pages: [`${PAGE}c`] }),
  ];

  test("counts, buckets and the summary line", () => {
    const r = previewImpact(`default-src 'self'; script-src 'self' ${hashSource("a=1;")}`, groups, {
      now: NOW,
    });
    expect(r.total).toEqual({ groups: 5, reports: 57, recentReports: 49 });
    expect(r.blocked).toEqual({ groups: 3, reports: 52, recentReports: 45 });
    expect(r.conditional).toEqual({ groups: 1, reports: 2, recentReports: 1 });
    expect(r.byDirective).toEqual([
      { key: "script-src-elem", groups: 1, reports: 40, recentReports: 40 },
      { key: "img-src", groups: 1, reports: 7, recentReports: 0 },
      { key: "script-src", groups: 1, reports: 5, recentReports: 5 },
    ]);
    expect(r.bySource.map((b) => b.key)).toEqual([
      "script-src-elem https://cdn.example",
      "img-src https://img.example",
      "script-src eval",
    ]);
    expect(r.byPage).toEqual([
      { key: PAGE, groups: 2, reports: 47, recentReports: 40 },
      { key: `${PAGE}b`, groups: 2, reports: 47, recentReports: 40 },
      { key: `${PAGE}c`, groups: 1, reports: 5, recentReports: 5 },
    ]);
    expect(r.conditionalGroups[0]?.condition).toBe("sample-hash");
    expect(r.summary).toBe(
      "Enforce this now and 3 groups (45 reports in the last 7 days) break. 1 more is allowed only if the page carries the nonce or the hash matches the whole code.",
    );
  });

  test("nothing breaks", () => {
    const r = previewImpact("default-src * 'unsafe-inline' 'unsafe-eval'", groups, { now: NOW });
    expect(r.summary).toBe("Enforcing this now breaks none of the 5 known groups.");
  });

  test("path sources are checked against the sample URLs, not just the origin", () => {
    const g = [
      group("script-src-elem", "https://cdn.example", { blockedUrl: "https://cdn.example/lib/a.js" }),
    ];
    expect(previewImpact("script-src https://cdn.example/lib/", g, { now: NOW }).blocked.groups).toBe(0);
    expect(previewImpact("script-src https://cdn.example/other/", g, { now: NOW }).blocked.groups).toBe(1);
  });

  test("10k groups: exact counts", () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      group(i % 2 === 0 ? "img-src" : "script-src-elem", `https://h${i % 500}.example${i % 7}.org`, {
        id: i,
        count: (i % 9) + 1,
        lastSeen: i % 3 === 0 ? NOW : NOW - 30 * DAY,
      }),
    );
    // img-src allows every example0.org subdomain; scripts allow nothing but 'self'.
    const r = previewImpact("default-src 'self'; img-src https://*.example0.org", many, { now: NOW });
    const blocked = many.filter((g) => !(g.directive === "img-src" && g.blocked.endsWith(".example0.org")));
    expect(r.blocked.groups).toBe(blocked.length);
    expect(r.blocked.reports).toBe(blocked.reduce((s, g) => s + g.count, 0));
    expect(r.blocked.recentReports).toBe(
      blocked.filter((g) => g.lastSeen === NOW).reduce((s, g) => s + g.count, 0),
    );
    expect(r.blockedGroups.map((g) => g.id)).toEqual(blocked.map((g) => g.id));
  });
});

describe("previewImpact with a list limit", () => {
  // Random groups with many ties in report counts (the order then falls back to the key).
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const groups = Array.from({ length: 3000 }, (_, i) =>
    group(["img-src", "script-src-elem", "connect-src"][i % 3]!, `https://h${i}.example`, {
      count: 1 + Math.floor(rnd() * 20),
      lastSeen: NOW - Math.floor(rnd() * 10) * DAY,
      pages: Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => `${PAGE}p${Math.floor(rnd() * 300)}`),
    }),
  );

  test.each([1, 7, 50, 500, 2999, 5000])("limit %i gives the first entries of the full lists", (limit) => {
    const full = previewImpact("default-src 'self'", groups, { now: NOW });
    const cut = previewImpact("default-src 'self'", groups, { now: NOW, listLimit: limit });
    expect(cut.bySource).toEqual(full.bySource.slice(0, limit));
    expect(cut.byPage).toEqual(full.byPage.slice(0, limit));
    expect(cut.byDirective).toEqual(full.byDirective.slice(0, limit));
    expect(cut.blockedGroups).toEqual(full.blockedGroups.slice(0, limit));
    expect(cut.counts).toEqual(full.counts);
    expect(cut.counts.bySource).toBe(full.bySource.length);
    expect(cut.blocked).toEqual(full.blocked);
    expect(cut.summary).toBe(full.summary);
  });
});

describe("previewImpact remembers verdicts per group object", () => {
  const groups = [
    group("img-src", "https://img.example", { count: 4, lastSeen: NOW }),
    group("img-src", "https://cdn.example", { count: 3, lastSeen: NOW }),
    group("script-src-elem", "inline", { sample: "a=1;", count: 2, lastSeen: NOW }),
    group("script-src-elem", "https://js.example", { count: 1, lastSeen: NOW }),
  ];
  const policies = [
    "default-src 'self'",
    "default-src 'self'; img-src https://img.example",
    "default-src 'self'; img-src https://cdn.example https://img.example",
    `default-src 'self'; script-src 'self' ${hashSource("a=1;")}`,
    "default-src 'self'; script-src 'nonce-abc'",
    "img-src *; script-src https://js.example 'unsafe-inline'",
  ];
  // The same groups as new objects: nothing remembered applies to them.
  const fresh = (p: string, gs: typeof groups) => previewImpact(p, structuredClone(gs), { now: NOW });

  test("more policies than are remembered, asked in turn: each answer as if checked afresh", () => {
    for (let round = 0; round < 3; round++) {
      for (const p of policies) expect(previewImpact(p, groups, { now: NOW })).toEqual(fresh(p, groups));
    }
    expect(fresh(policies[0]!, groups).blocked.groups).toBe(4);
    expect(fresh(policies[1]!, groups).blocked.groups).toBe(3);
  });

  test("a group replaced by a changed object is checked again", () => {
    const p = policies[1]!;
    expect(previewImpact(p, groups, { now: NOW }).blocked.groups).toBe(3);
    const moved = [{ ...groups[0]!, blocked: "https://elsewhere.example", samples: [] }, ...groups.slice(1)];
    const r = previewImpact(p, moved, { now: NOW });
    expect(r).toEqual(fresh(p, moved));
    expect(r.blocked.groups).toBe(4);
    expect(previewImpact(p, groups, { now: NOW }).blocked.groups).toBe(3);
  });
});
