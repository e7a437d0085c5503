// Section 5: the policy builder on its own (pure functions, no I/O): build + grade + minify from N groups, and the
// impact preview over the same groups. Groups are shaped like the store's output (server/store/violations.ts
// policyGroups): Zipf-distributed counts, pages, samples for inline code, counts per policy version.
import { buildPolicy } from "../server/policy/build.ts";
import { evaluatePolicy } from "../server/policy/grade.ts";
import { minifyPolicy } from "../server/policy/minify.ts";
import { previewImpact } from "../server/policy/preview.ts";
import type { PolicyGroup } from "../server/policy/groups.ts";
import { prng } from "./workload.ts";

const DAY_MS = 86_400_000;
const DIRECTIVES = [
  "script-src-elem",
  "img-src",
  "connect-src",
  "style-src-elem",
  "font-src",
  "frame-src",
  "media-src",
];

export type BuilderTiming = {
  name: string;
  groups: number;
  iterations: number;
  p50Ms: number;
  p95Ms: number;
};
export type BuilderResults = {
  timings: BuilderTiming[];
  policyChars: number;
  minifiedChars: number;
  grade: string;
  suggestions: number;
};

/**
 * N groups as the store hands them to the builder: a few hundred vendors, each with several subdomains, so the
 * builder has wildcard collapses and fallbacks to consider; 1 in 100 is inline code with a sample.
 */
export function builderGroups(n: number, now = Date.now(), seed = 5): PolicyGroup[] {
  const rnd = prng(seed);
  const groups: PolicyGroup[] = [];
  for (let i = 0; i < n; i++) {
    const directive = DIRECTIVES[i % DIRECTIVES.length]!;
    const inline = i % 100 === 0;
    const blocked = inline ? "inline" : `https://s${Math.floor(i / 7) % 9}-${i}.vendor${i % 500}.example`;
    const count = Math.max(1, Math.round(50_000 / Math.pow(i + 1, 1.05) + rnd() * 3));
    const page = `https://shop.example.com/p/${i % 40}`;
    const lastSeen = now - Math.floor(rnd() * 30 * DAY_MS);
    groups.push({
      id: i + 1,
      directive: inline ? "script-src-elem" : directive,
      blocked,
      count,
      pages: [page, `https://shop.example.com/q/${i % 17}`],
      firstSeen: lastSeen - 3 * DAY_MS,
      lastSeen,
      samples: inline
        ? [{ sample: `window.t${i}=1;`, documentUrl: page, blockedUrl: "inline", sourceFile: page, line: 3 }]
        : [{ sample: "", documentUrl: page, blockedUrl: `${blocked}/a.js`, sourceFile: "", line: null }],
      countsByVersion: { 1: Math.ceil(count / 2), 2: Math.floor(count / 2) },
      recentCount: Math.floor(count / 4),
    });
  }
  return groups;
}

const pct = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
const r1 = (x: number) => Math.round(x * 10) / 10;

function time(name: string, groups: number, iterations: number, fn: () => unknown): BuilderTiming {
  fn(); // warm-up: JIT
  const ms: number[] = [];
  const started = performance.now();
  // A slow step stops after 3 timed runs once it has used 15 s.
  for (let i = 0; i < iterations && (i < 3 || performance.now() - started < 15_000); i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { name, groups, iterations, p50Ms: r1(pct(ms, 0.5)), p95Ms: r1(pct(ms, 0.95)) };
}

/** Section 5. */
export function runBuilder(n: number, iterations: number, log: (line: string) => void): BuilderResults {
  const now = Date.now();
  const groups = builderGroups(n, now);
  const base =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'";
  let policy = "";
  let minified = "";
  let grade = "";
  let suggestions = 0;
  const timings: BuilderTiming[] = [];
  timings.push(
    time("build + grade + minify", n, iterations, () => {
      const built = buildPolicy({
        base,
        groups,
        reportUri: "https://cinch.example/r/key",
        reportToGroup: "cinch",
      });
      const graded = evaluatePolicy(built.policy);
      const m = minifyPolicy(built.policy);
      policy = built.policy;
      minified = m.policy;
      grade = graded.grade;
      suggestions = built.suggestions.length;
    }),
  );
  timings.push(
    time("impact preview", n, iterations, () => previewImpact(policy, groups, { now, windowDays: 7 })),
  );
  for (const t of timings) log(`  ${t.name} over ${n} groups: p50 ${t.p50Ms} ms, p95 ${t.p95Ms} ms`);
  return { timings, policyChars: policy.length, minifiedChars: minified.length, grade, suggestions };
}
