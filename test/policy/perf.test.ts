// The builder at scale: a 10,000-group build stays byte-identical to the output recorded before the
// performance work, and the indexed fast paths agree with plain scans (and csp_evaluator's own code).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compileSources, allowsCompiled } from "../../server/policy/allow.ts";
import type { CompiledSources } from "../../server/policy/allow.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { evaluatorFindings, referenceEvaluatorFindings } from "../../server/policy/evaluate.ts";
import { evaluatePolicy } from "../../server/policy/grade.ts";
import type { PolicyGroup } from "../../server/policy/groups.ts";
import { urlMatchesParsedSource } from "../../server/policy/match.ts";
import { coveredSources, minifyPolicy, sourceCovers } from "../../server/policy/minify.ts";
import { previewImpact } from "../../server/policy/preview.ts";
import { compareSources, parseSource } from "../../server/policy/source.ts";
import { sortPolicy } from "../../server/policy/order.ts";
import { builderGroups } from "../../bench/builder.ts";

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = 1_800_000_000_000;
/** The groups of bench/builder.ts (seed 5) with a fixed clock: thousands of distinct origins. */
const benchGroups = (n: number): PolicyGroup[] => builderGroups(n, NOW, 5);

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

// Recorded with the engine as of commit 8971d07 (before the performance work), which took ~9 s for the bench case.
// The policies are still that engine's, byte for byte. `result` and `gradeMinify` were re-recorded once for #16, after
// a structural diff against 09e56a5 showed only the intended changes: a wildcard decision's evidence summed over the
// groups it covers (was 0 reports), and csp_evaluator's two findings that contradicted Cinch restated at 0 points
// (the score is unchanged).
const GOLDEN = {
  bench: {
    base: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'",
    n: 10_000,
    wildcardMinSubdomains: undefined,
    policy: "eee9efce4d7e938342c7aabace4e7b4f5400f22fda66343b490681a8c9468db4",
    result: "252d7fb8853fa9fcc1ad60f015f9bc1f02d4af3884352bc5693c6e1071df712e",
    gradeMinify: "a90b0a32ad99c315c0d838c377cb8be1d2fee83659281166a871b13321fc17ef",
    preview: "7194e58661aa7fd98b068266a681e7df68b6a0ca478f54ad8a81d6525eb304e1",
    previewBase: "6e82426befd9d6b139358efdc97b4da3f3fb9a0328a52f98d217021e7591a5fc",
  },
  loose: {
    base: "default-src * 'unsafe-inline'; script-src https: 'unsafe-eval' https://s1-8.vendor8.example https://www.google.com; img-src https://*.vendor3.example http://s0-0.vendor0.example",
    n: 2_000,
    wildcardMinSubdomains: 2,
    policy: "f16eac454f6ed17c6f32074852ad58c4137fb1784fd1051c46212be5146a7c1c",
    result: "0e6c44f36510c21ca051789818340f3e16a505b6bf1574beab49bda26ddc9ad9",
    gradeMinify: "240cdf8820efc6910d2ff840a86ab4aefd12f98dfc1ad33b188e6d0e57b3132d",
    preview: "a8a1401ef72fecb9e35de3fa617878fb531b05f4d9ebfc63759396470281f1d9",
    previewBase: "5b72fb6c2cc49d7115a17a22bfcb240dc62bc47ccb659b0ebf1cdbff92f0cbb4",
  },
} as const;

describe("builder at scale: outputs identical to the pre-optimization engine", () => {
  for (const [label, g] of Object.entries(GOLDEN)) {
    it(`${label}: ${g.n} groups`, () => {
      const groups = benchGroups(g.n);
      const built = buildPolicy({
        base: g.base,
        groups,
        reportUri: "https://cinch.example/r/key",
        reportToGroup: "cinch",
        wildcardMinSubdomains: g.wildcardMinSubdomains,
      });
      expect(sha(built.policy)).toBe(g.policy);
      expect(sha(JSON.stringify(built))).toBe(g.result);
      expect(sha(JSON.stringify([evaluatePolicy(built.policy), minifyPolicy(built.policy)]))).toBe(
        g.gradeMinify,
      );
      // The golden output predates `counts` (the full list lengths, added with listLimit): compared without it.
      const preview = (p: string) => {
        const { counts, ...rest } = previewImpact(p, groups, { now: NOW, windowDays: 7 });
        expect(counts.bySource).toBe(rest.bySource.length);
        expect(counts.blockedGroups).toBe(rest.blockedGroups.length);
        return JSON.stringify(rest);
      };
      expect(sha(preview(built.policy))).toBe(g.preview);
      expect(sha(preview(g.base))).toBe(g.previewBase);
    });
  }
});

// Random source expressions over a small vocabulary, so that covering, equal and overlapping sources are common.
const SCHEMES = [null, "http", "https", "ws", "wss", "data", "blob", "HTTPS"];
const HOSTS = [
  "a.example.com",
  "b.a.example.com",
  "example.com",
  "*.example.com",
  "*.a.example.com",
  "*.com",
  "*",
  "A.Example.com",
  "a.example.com.",
  "*.example.com.",
  "cdn.other.org",
  "127.0.0.1",
  "ajax.googleapis.com",
  "www.google.com",
];
const PORTS = [null, null, null, "80", "443", "*", "8080"];
const PATHS = ["", "", "", "/", "/a", "/a/", "/a/b", "/A/"];
const OTHERS = [
  "*",
  "'self'",
  "'none'",
  "'unsafe-inline'",
  "'unsafe-eval'",
  "'strict-dynamic'",
  "'unsafe-hashes'",
  "'nonce-abc'",
  "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
  "http:",
  "https:",
  "ws:",
  "wss:",
  "data:",
  "blob:",
  "HTTPS:",
  "'bogus'",
  "a b",
];

function randomSource(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (rnd() < 0.3) return pick(OTHERS);
  const scheme = pick(SCHEMES);
  const port = pick(PORTS);
  return `${scheme ? `${scheme}://` : ""}${pick(HOSTS)}${port ? `:${port}` : ""}${pick(PATHS)}`;
}

function randomList(rnd: () => number): string[] {
  return Array.from({ length: 1 + Math.floor(rnd() * 14) }, () => randomSource(rnd));
}

/** coveredSources as it was: every source against every other, in order. */
function coveredNaive(values: readonly string[]): { source: string; by: string }[] {
  const parsed = values.map(parseSource);
  const out: { source: string; by: string }[] = [];
  parsed.forEach((b, i) => {
    const j = parsed.findIndex((a, k) => k !== i && sourceCovers(a, b) && (!sourceCovers(b, a) || k < i));
    if (j >= 0) out.push({ source: values[i]!, by: values[j]! });
  });
  return out;
}

describe("indexed fast paths agree with plain scans", () => {
  it("coveredSources equals the pairwise scan", () => {
    const rnd = prng(11);
    for (let t = 0; t < 3000; t++) {
      const list = randomList(rnd);
      expect(coveredSources(list), list.join(" ")).toEqual(coveredNaive(list));
    }
  });

  it("URL matching through the host index equals matching every source", () => {
    const rnd = prng(12);
    const urls = [
      "https://a.example.com/a/b",
      "http://a.example.com/",
      "https://b.a.example.com/a/",
      "https://example.com/",
      "https://a.example.com./x",
      "wss://a.example.com:8080/a",
      "https://cdn.other.org/a/b",
      "http://127.0.0.1/",
      "https://www.google.com/a",
      "https://x.y.z.example.com/",
      "data:image/png;base64,AAAA",
      "blob",
      "https://[::1]/",
    ];
    const pages = ["https://a.example.com/", "http://example.com/a", "https://other.test/"];
    const linear = (c: CompiledSources, url: string, page: string): boolean =>
      c.sources.some((s) => {
        const u = /^[a-z][a-z0-9+.-]*$/i.test(url) ? new URL(`${url}:`) : new URL(url);
        return urlMatchesParsedSource(u, s, new URL(page));
      });
    for (let t = 0; t < 1500; t++) {
      const compiled = compileSources(randomList(rnd).map(parseSource));
      for (const url of urls) {
        for (const page of pages) {
          const r = allowsCompiled("img-src", compiled, "img-src", {
            directive: "img-src",
            blocked: url,
            documentUrl: page,
          });
          expect(r.allowed).toBe(linear(compiled, url, page));
        }
      }
    }
  });

  it("sortPolicy orders sources as compareSources does", () => {
    const rnd = prng(13);
    for (let t = 0; t < 500; t++) {
      const values = randomList(rnd);
      const sorted = sortPolicy({ directives: [{ name: "img-src", values: [...values] }] }).directives[0]!
        .values;
      expect(sorted).toEqual([...values].sort(compareSources));
    }
  });

  it("evaluatorFindings equals csp_evaluator's own parser and checks", () => {
    const rnd = prng(14);
    const fixed = [
      "script-src 'self' https://www.google.com https://ajax.googleapis.com/ajax/libs/angularjs/1.2.0/ 'unsafe-eval'",
      "script-src https://www.googletagmanager.com *.google.com //ajax.googleapis.com; object-src 'none'",
      "script-src 'none' https://www.google.com; default-src img-src 'SELF' HTTPS: data:",
      "Script-Src a.com a.com A.com; script-src b.com; constructor x; img-src script-src 'nonce-abc' sha256-x",
      "default-src 'self'; script-src-elem https://cdnjs.cloudflare.com/ajax/libs/angular.js/ 127.0.0.1 [::1]",
      "script-src https://*.googleapis.com:* http://www.youtube.com/embed/ 'report-sample'; trusted-types a",
      "",
      ";;; ;",
    ];
    for (const p of fixed) expect(evaluatorFindings(p), p).toEqual(referenceEvaluatorFindings(p));
    const names = ["script-src", "script-src-elem", "img-src", "default-src", "style-src", "object-src"];
    for (let t = 0; t < 400; t++) {
      const policy = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () =>
        [names[Math.floor(rnd() * names.length)]!, ...randomList(rnd)].join(" "),
      ).join("; ");
      expect(evaluatorFindings(policy), policy).toEqual(referenceEvaluatorFindings(policy));
    }
  });
});
