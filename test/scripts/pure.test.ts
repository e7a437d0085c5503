// The inventory's pure rules (#18): URL patterns for versioned paths, hashable / SRI as the reports tell them, the
// SRI tag and the advice, payment-page paths, CSV cells, and the batch aggregate's bounds.
import { describe, expect, test } from "vitest";
import {
  matchesPattern,
  patternProblem,
  suggestPatterns,
  versionPattern,
} from "../../server/scripts/patterns.ts";
import { advice, hashable, sri, sriTag, type InventoryScript } from "../../server/scripts/inventory.ts";
import { isPaymentPath } from "../../server/scripts/settings.ts";
import { csvCell } from "../../server/scripts/export.ts";
import { sightingsOf } from "../../server/scripts/sighting.ts";
import { aggregateScripts, MAX_SCRIPT_PAGES } from "../../server/store/scripts-aggregate.ts";
import { Counters } from "../../server/store/aggregate.ts";

const H1 = `sha384-${"A".repeat(64)}`;
const H2 = `sha384-${"B".repeat(64)}`;
const DAY = 86_400_000;

describe("URL patterns", () => {
  test.each([
    {
      url: "https://cdn.example/npm/lib@1.2.3/x.js",
      pattern: "https://cdn.example/npm/lib@*/x.js",
      match: true,
    },
    { url: "https://cdn.example/npm/lib@/x.js", pattern: "https://cdn.example/npm/lib@*/x.js", match: false },
    {
      url: "https://cdn.example/npm/lib@1.2.3/sub/x.js",
      pattern: "https://cdn.example/npm/lib@*/x.js",
      match: false,
    },
    { url: "https://cdn.example/v3/stripe.js", pattern: "https://cdn.example/*/stripe.js", match: true },
    {
      url: "https://evil.example/npm/lib@1/x.js",
      pattern: "https://cdn.example/npm/lib@*/x.js",
      match: false,
    },
    {
      url: "https://cdn.example/npm/lib@1/x.jsx",
      pattern: "https://cdn.example/npm/lib@*/x.js",
      match: false,
    },
  ])("$url ~ $pattern: $match", ({ url, pattern, match }) => {
    expect(matchesPattern(url, pattern)).toBe(match);
  });

  test.each([
    {
      url: "https://cdn.jsdelivr.net/npm/lib@1.2.3/dist/x.js",
      pattern: "https://cdn.jsdelivr.net/npm/lib@*/dist/x.js",
    },
    { url: "https://unpkg.com/@scope/lib@2.0.0-beta.1/x.js", pattern: "https://unpkg.com/@scope/lib@*/x.js" },
    {
      url: "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js",
      pattern: "https://cdnjs.cloudflare.com/ajax/libs/jquery/*/jquery.min.js",
    },
    { url: "https://shop.example/app.js", pattern: null },
  ])("versionPattern($url)", ({ url, pattern }) => {
    expect(versionPattern(url)).toBe(pattern);
  });

  test("suggestions group versions and skip accepted patterns", () => {
    const urls = [
      "https://c.example/lib@1.0.0/x.js",
      "https://c.example/lib@1.1.0/x.js",
      "https://c.example/app.js",
    ];
    expect(suggestPatterns(urls, [])).toEqual([
      {
        pattern: "https://c.example/lib@*/x.js",
        examples: ["https://c.example/lib@1.0.0/x.js", "https://c.example/lib@1.1.0/x.js"],
      },
    ]);
    expect(suggestPatterns(urls, ["https://c.example/lib@*/x.js"])).toEqual([]);
  });

  test.each([
    { pattern: "https://c.example/lib@*/x.js", problem: null },
    { pattern: "https://c.example/lib/x.js", problem: "must contain * in place of the version" },
    {
      pattern: "https://*.example/lib@*/x.js",
      problem: "must be an http(s) URL with a path, no query or fragment, no * in the host",
    },
    { pattern: "https://c.example/**/x.js", problem: "must not contain **" },
    {
      pattern: "ftp://c.example/lib@*/x.js",
      problem: "must be an http(s) URL with a path, no query or fragment, no * in the host",
    },
  ])("patternProblem($pattern)", ({ pattern, problem }) => {
    expect(patternProblem(pattern)).toBe(problem);
  });

  test("sightings of a URL under an accepted pattern are stored under the pattern", () => {
    const [s] = sightingsOf(
      [
        {
          type: "csp-hash",
          url: "https://c.example/lib@2.0.0/x.js",
          documentUrl: "https://shop.example/pay",
          hash: H1,
          hashable: true,
        },
      ],
      { paymentPages: ["/pay"], patterns: [{ pattern: "https://c.example/lib@*/x.js" }] },
    );
    expect(s).toEqual({
      url: "https://c.example/lib@*/x.js",
      origin: "https://c.example",
      page: "https://shop.example/pay",
      payment: true,
      hash: H1,
      noSri: false,
    });
  });
});

const script = (over: Partial<InventoryScript>): InventoryScript => ({
  url: "https://cdn.example/x.js",
  origin: "https://cdn.example",
  status: "new",
  lastSeen: 10 * DAY,
  noSriFirstSeen: null,
  noSriLastSeen: null,
  hashes: [],
  pages: [],
  ...over,
});

describe("what the reports say about a script", () => {
  test.each([
    { name: "no csp-hash yet", hashes: [], hashable: null },
    { name: "one hash", hashes: [{ hash: H1, firstSeen: 0, lastSeen: 5 }], hashable: true },
    {
      name: "only empty hashes (no CORS)",
      hashes: [{ hash: "", firstSeen: 0, lastSeen: 5 }],
      hashable: false,
    },
    {
      name: "CORS added later: the newest report carries a hash",
      hashes: [
        { hash: H1, firstSeen: 6, lastSeen: 9 },
        { hash: "", firstSeen: 0, lastSeen: 5 },
      ],
      hashable: true,
    },
    {
      name: "CORS removed later",
      hashes: [
        { hash: "", firstSeen: 6, lastSeen: 9 },
        { hash: H1, firstSeen: 0, lastSeen: 5 },
      ],
      hashable: false,
    },
  ])("hashable: $name", (row) => {
    expect(hashable(script({ hashes: row.hashes }))).toBe(row.hashable);
  });

  test.each([
    { name: "never reported without SRI", noSriLastSeen: null, sri: null },
    { name: "still reported without SRI", noSriLastSeen: 10 * DAY - 1000, sri: false },
    { name: "reports stopped more than a day before its last sighting", noSriLastSeen: 8 * DAY, sri: true },
  ])("sri: $name", (row) => {
    expect(sri(script({ noSriLastSeen: row.noSriLastSeen, noSriFirstSeen: row.noSriLastSeen }))).toBe(
      row.sri,
    );
  });

  test("the SRI tag: one hash, hashable; quotes and brackets in the URL escaped", () => {
    const s = script({
      url: 'https://cdn.example/a"b<c>.js',
      hashes: [{ hash: H1, firstSeen: 0, lastSeen: 1 }],
    });
    expect(sriTag(s)).toBe(
      `<script src="https://cdn.example/a&quot;b&lt;c&gt;.js" integrity="${H1}" crossorigin="anonymous"></script>`,
    );
    expect(advice(s)).toBeNull();
  });

  test.each([
    {
      name: "two hashes",
      over: {
        hashes: [
          { hash: H1, firstSeen: 0, lastSeen: 1 },
          { hash: H2, firstSeen: 2, lastSeen: 3 },
        ],
      },
      advice: /2 different hashes/,
    },
    {
      name: "no CORS",
      over: { hashes: [{ hash: "", firstSeen: 0, lastSeen: 1 }] },
      advice: /crossorigin="anonymous".*Access-Control-Allow-Origin/,
    },
    { name: "no csp-hash", over: {}, advice: /'report-sha384'/ },
    {
      name: "a pattern",
      over: { url: "https://cdn.example/lib@*/x.js", hashes: [{ hash: H1, firstSeen: 0, lastSeen: 1 }] },
      advice: /pattern/,
    },
  ])("no tag, and advice: $name", ({ over, advice: want }) => {
    const s = script(over);
    expect(sriTag(s)).toBeNull();
    expect(advice(s)).toMatch(want);
  });
});

describe("payment pages and CSV", () => {
  test.each([
    { path: "/checkout", patterns: ["/checkout"], match: true },
    { path: "/checkout/pay", patterns: ["/checkout"], match: false },
    { path: "/checkout/pay", patterns: ["/checkout/*"], match: true },
    { path: "/a.b", patterns: ["/a?b"], match: false },
    { path: "/axb", patterns: ["/a.b"], match: false },
  ])("isPaymentPath($path, $patterns)", ({ path, patterns, match }) => {
    expect(isPaymentPath(path, patterns)).toBe(match);
  });

  test.each([
    { value: "=1+1", cell: "'=1+1" },
    { value: "+cmd", cell: "'+cmd" },
    { value: "-2", cell: "'-2" },
    { value: "@SUM(A1)", cell: "'@SUM(A1)" },
    { value: "\tx", cell: "'\tx" },
    { value: 'a,"b"', cell: '"a,""b"""' },
    { value: "=a,b", cell: `"'=a,b"` },
    { value: "line\nbreak", cell: '"line\nbreak"' },
    { value: null, cell: "" },
    { value: true, cell: "true" },
  ])("csvCell($value)", ({ value, cell }) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe("aggregate", () => {
  test("one entry per script, hashes and hours counted, pages bounded, a counter per request", () => {
    const counters = new Counters();
    const sightings = Array.from({ length: MAX_SCRIPT_PAGES + 10 }, (_, i) => ({
      url: "https://cdn.example/x.js",
      origin: "https://cdn.example",
      page: `https://shop.example/p${i}`,
      payment: false,
      hash: i % 2 ? H1 : null,
      noSri: i % 2 === 0,
    }));
    const [d, ...rest] = aggregateScripts(
      [{ projectId: "p", scripts: sightings, receivedAt: 5 * 3_600_000 }],
      counters,
    );
    expect(rest).toEqual([]);
    expect(d!.count).toBe(MAX_SCRIPT_PAGES + 10);
    expect(d!.pages.size).toBe(MAX_SCRIPT_PAGES);
    expect([...d!.hashes.keys()]).toEqual([H1]);
    expect(d!.hashes.get(H1)!.count).toBe((MAX_SCRIPT_PAGES + 10) / 2);
    expect(d!.noSri).toEqual({ firstSeen: 5 * 3_600_000, lastSeen: 5 * 3_600_000 });
    expect([...d!.hours]).toEqual([[5, MAX_SCRIPT_PAGES + 10]]);
    expect(counters.entries()).toEqual([
      { projectId: "p", hour: 5, kind: "scripts", count: MAX_SCRIPT_PAGES + 10 },
    ]);
  });
});
