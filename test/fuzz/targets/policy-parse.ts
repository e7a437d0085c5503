// Fuzz target: the policy parser and grader on hostile policy text (malformed tokens, inherited names, bidi and
// control characters, huge lists): parse, serialize, evaluate, minify and the version check never throw.
import fc from "fast-check";
import {
  parsePolicy,
  parsePolicyList,
  policySyntaxError,
  serializePolicy,
} from "../../../server/policy/csp.ts";
import { evaluatePolicy, GRADES } from "../../../server/policy/grade.ts";
import { minifyPolicy } from "../../../server/policy/minify.ts";
import { SEVERITIES } from "../../../server/policy/findings.ts";
import { FETCH_DIRECTIVES, OTHER_DIRECTIVES } from "../../../server/policy/directives.ts";
import { INHERITED_NAMES } from "../gen/reports.ts";
import type { FuzzTarget } from "../target.ts";

/** Directive names: real ones, inherited names, markup, junk. */
export const directiveName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FETCH_DIRECTIVES, ...OTHER_DIRECTIVES) },
  { weight: 2, arbitrary: fc.constantFrom(...INHERITED_NAMES, "<img", 'style-src-elem"><svg', "Script-Src") },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const CONTROLS = ["\u202e", "\u2066", "\u200f", "\u061c", "\u0000", "\u001b", "\ud800", "\ufeff", "\u00a0"];

/** Source tokens: valid ones of every kind, the malformed ones that crashed csp_evaluator, hostile text. */
export const sourceToken: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "'self'",
      "'none'",
      "'unsafe-inline'",
      "'unsafe-eval'",
      "'strict-dynamic'",
      "'nonce-abc123'",
      "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
      "*",
      "https:",
      "data:",
      "blob:",
      "https://cdn.example.com",
      "*.example.com",
      "https://a.example.com:8443/path/",
      "example.org",
      "http://127.0.0.1",
      "[::1]",
      "https://www.google.com",
      "https://ajax.googleapis.com/ajax/libs/angularjs/1.2.0/",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "a>b",
      "https://[::1",
      "x:y:z",
      "*.",
      "https://",
      "//",
      "%",
      "https://%zz",
      ":",
      "http://[",
      "https://xn--",
      "https://a.com:99999",
      "'sha256-'",
      "'unsafe-inlin'",
      "constructor",
      "__proto__",
      "constructor://a.example",
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map((s) => s.replace(/[\s;,]/g, "") || "x") },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...CONTROLS), fc.constantFrom("https://a.example", "'self'", "x"))
      .map(([c, s]) => `${s}${c}`),
  },
);

/** A directive with a bounded list, sometimes a huge one. */
const directive = fc
  .tuple(
    directiveName,
    fc.oneof(
      { weight: 9, arbitrary: fc.array(sourceToken, { maxLength: 8 }) },
      { weight: 1, arbitrary: fc.array(sourceToken, { minLength: 200, maxLength: 600 }) },
    ),
  )
  .map(([name, values]) => [name, ...values].join(" "));

/** Policy text: directives joined by `;` (sometimes `,`, or stray separators and whitespace). */
export const policyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.array(directive, { maxLength: 8 }).map((ds) => ds.join("; ")) },
  { weight: 1, arbitrary: fc.array(directive, { maxLength: 4 }).map((ds) => ds.join(", ")) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
);

const GRADE_SET: ReadonlySet<string> = new Set(GRADES);
const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES);

function check(text: string): void {
  const parsed = parsePolicy(text);
  parsePolicyList(text);
  const serialized = serializePolicy(parsed);
  // Serializing a parsed policy and parsing it again keeps its directives.
  const again = parsePolicy(serialized);
  if (JSON.stringify(again.directives) !== JSON.stringify(parsed.directives)) {
    throw new Error(`re-parse changed ${JSON.stringify(serialized)}`);
  }
  const e = evaluatePolicy(text);
  if (!GRADE_SET.has(e.grade)) throw new Error(`grade ${e.grade}`);
  for (const f of e.findings) if (!SEVERITY_SET.has(f.severity)) throw new Error(`severity ${f.severity}`);
  if (e.findings.some((f) => f.check === "evaluator-error")) {
    throw new Error(`csp_evaluator threw: ${e.findings.find((f) => f.check === "evaluator-error")?.message}`);
  }
  const m = minifyPolicy(text);
  parsePolicy(m.policy);
  const error = policySyntaxError(text);
  if (error !== null && error.length > 2000) throw new Error("syntax error unbounded");
  if (({} as Record<string, unknown>)["polluted"] !== undefined) throw new Error("prototype polluted");
}

/** The parser and grader target: pure, a few thousand policies per second. */
export const target: FuzzTarget<string> = {
  name: "policy-parse",
  testRuns: 1500,
  arbitrary: policyText,
  setup: async () => ({ check, teardown: async () => {} }),
};
