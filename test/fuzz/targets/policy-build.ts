// Fuzz target: the builder and preview over hostile groups (directive names that are inherited names or markup,
// junk blocked values, bidi samples) and hostile base policies: build and preview never throw, a group naming no
// CSP directive never feeds a source, and the minified build allows exactly what the build allows.
import fc from "fast-check";
import { buildPolicy } from "../../../server/policy/build.ts";
import { previewImpact } from "../../../server/policy/preview.ts";
import { minifyPolicy } from "../../../server/policy/minify.ts";
import { allowsViolation } from "../../../server/policy/allow.ts";
import { parsePolicy } from "../../../server/policy/csp.ts";
import { isRecognisedDirective } from "../../../server/policy/directives.ts";
import { hashSource } from "../../../server/policy/hash.ts";
import type { PolicyGroup } from "../../../server/policy/groups.ts";
import { hostileString } from "../gen/reports.ts";
import { directiveName, policyText } from "./policy-parse.ts";
import type { FuzzTarget } from "../target.ts";

const PAGE = "https://app.example.com/";

const blocked: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "inline",
      "eval",
      "wasm-eval",
      "data",
      "blob",
      "trusted-types-sink",
      "https://cdn.example.net",
      "https://app.example.com",
      "https://a.b.example.org",
      "https://c.b.example.org",
      "https://d.b.example.org",
      "https://www.google.com",
      "wss://live.example.com",
    ),
  },
  { weight: 2, arbitrary: hostileString },
);

type Input = { base: string | undefined; groups: PolicyGroup[] };

const groups: fc.Arbitrary<PolicyGroup[]> = fc
  .array(
    fc.record({
      directive: directiveName,
      blocked,
      count: fc.integer({ min: 1, max: 50 }),
      sample: fc.oneof(fc.constant(""), fc.constantFrom("a()", "window.x=1"), hostileString),
      page: fc.oneof(fc.constant(PAGE), hostileString),
    }),
    { maxLength: 25 },
  )
  .map((rows) =>
    rows.map((r, i): PolicyGroup => ({
      id: i + 1,
      directive: r.directive,
      blocked: r.blocked,
      count: r.count,
      pages: [r.page],
      firstSeen: 1_000,
      lastSeen: 2_000,
      samples: [{ sample: r.sample, documentUrl: r.page, blockedUrl: r.blocked, sourceFile: "", line: null }],
    })),
  );

const input: fc.Arbitrary<Input> = fc.record({
  base: fc.oneof(fc.constant(undefined), policyText),
  groups,
});

function check({ base, groups: gs }: Input): void {
  const b = buildPolicy({ base, groups: gs, minCount: 1 });
  const names = new Set(parsePolicy(b.policy).directives.map((d) => d.name));
  for (const g of gs) {
    if (isRecognisedDirective(g.directive)) continue;
    // A group naming no CSP directive feeds nothing: no suggestion is built on it, no hash of its sample.
    const fed = b.suggestions.find((s) => s.groupIds.includes(g.id));
    if (fed)
      throw new Error(
        `group ${JSON.stringify(g.directive)} fed ${fed.action} ${fed.directive} ${fed.source}`,
      );
    const sample = g.samples[0]?.sample ?? "";
    if (
      sample !== "" &&
      !gs.some((o) => o !== g && o.samples[0]?.sample === sample) &&
      b.policy.includes(hashSource(sample))
    )
      throw new Error(`group ${JSON.stringify(g.directive)} fed a hash`);
  }
  for (const n of names) {
    if (!/^[a-z0-9-]+$/.test(n)) throw new Error(`built directive ${JSON.stringify(n)}`);
  }
  previewImpact(b.policy, gs, { now: 3_000 });
  if (base !== undefined) previewImpact(base, gs, { now: 3_000 });
  // minify(build(x)) allows exactly what build(x) allows, for every group's violation.
  const min = minifyPolicy(b.policy).policy;
  for (const g of gs) {
    const v = {
      directive: g.directive,
      blocked: g.blocked,
      documentUrl: PAGE,
      sample: g.samples[0]?.sample ?? "",
    };
    const before = allowsViolation(b.policy, v).allowed;
    const after = allowsViolation(min, v).allowed;
    if (before !== after) {
      throw new Error(`minify changed ${JSON.stringify(v)}: ${before} → ${after}\n${b.policy}\n${min}`);
    }
  }
  if (({} as Record<string, unknown>)["polluted"] !== undefined) throw new Error("prototype polluted");
}

/** The builder target: pure; each case builds, previews and minifies once. */
export const target: FuzzTarget<Input> = {
  name: "policy-build",
  testRuns: 1000,
  arbitrary: input,
  setup: async () => ({ check, teardown: async () => {} }),
};
