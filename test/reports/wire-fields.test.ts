// The ingest path's plain validator (wire-fields.ts) against the zod schemas it replaces (wire.ts): both are read
// from one table, and they must give the same output on the reference corpus and on fuzzed hostile inputs.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readEnvelope, readReportFields } from "../../server/reports/wire-fields.ts";
import {
  FIELD_SPELLINGS,
  MAX_FIELD_LENGTH,
  reportFieldsSchema,
  reportingEnvelopeSchema,
  WIRE_FIELDS,
} from "../../server/reports/wire.ts";
import { loadCases } from "./corpus.ts";
import { INHERITED_NAMES, reportFields } from "../fuzz/gen/reports.ts";

const viaZod = (input: Record<string, unknown>) => reportFieldsSchema.parse(input);
const envelopeViaZod = (input: Record<string, unknown>) => {
  const r = reportingEnvelopeSchema.safeParse(input);
  return r.success ? r.data : null;
};

/** Every non-array object inside a parsed JSON value. */
function objectsIn(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof value !== "object" || value === null) return out;
  if (!Array.isArray(value)) out.push(value as Record<string, unknown>);
  for (const child of Object.values(value)) objectsIn(child, out);
  return out;
}

function agree(input: Record<string, unknown>): void {
  expect(readReportFields(input)).toStrictEqual(viaZod(input));
  // (zod leaves an absent url or user_agent out of its output; the plain reader has it undefined: same reading.)
  expect(readEnvelope(input)).toEqual(envelopeViaZod(input));
}

describe("on the reference corpus", () => {
  const cases = loadCases();
  test.each(cases)("$name", (c) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(c.raw.charCodeAt(0) === 0xfeff ? c.raw.slice(1) : c.raw);
    } catch {
      return; // not JSON: the validator is never reached (parse.test.ts covers the 400)
    }
    const objects = objectsIn(parsed);
    for (const o of objects) agree(o);
  });

  test("the corpus reaches the validator with reports", () => {
    const read = cases.flatMap((c) => {
      try {
        return objectsIn(JSON.parse(c.raw)).map(readReportFields);
      } catch {
        return [];
      }
    });
    expect(read.filter((r) => r.effectiveDirective ?? r.violatedDirective).length).toBeGreaterThan(20);
  });
});

const SPELLINGS = WIRE_FIELDS.flatMap((f) => [...FIELD_SPELLINGS[f]]);

// Values where a hand-written reading could slip: counts at the edges of safe integers, -0, fractions, digits with
// spaces or signs, strings at and over the length cut, non-finite numbers, objects and arrays.
const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1.5,
    -1,
    2 ** 53 - 1,
    2 ** 53,
    1e21,
    NaN,
    Infinity,
    "12",
    " 12 ",
    "\n7\t",
    "+12",
    "-1",
    "1e3",
    "0x10",
    "123456789012345",
    "1234567890123456",
    "",
    "x".repeat(MAX_FIELD_LENGTH),
    "x".repeat(MAX_FIELD_LENGTH + 1),
    "p".repeat(20_000),
    null,
    true,
    [],
    {},
    ["img-src"],
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
);

const fields: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...SPELLINGS) },
    { weight: 1, arbitrary: fc.constantFrom(...INHERITED_NAMES) },
    { weight: 1, arbitrary: fc.string() },
  ),
  edgeValue,
  { maxKeys: 14 },
);

describe("on fuzzed inputs", () => {
  test("report fields: every spelling, edge values, inherited names, through JSON as ingest sees them", () => {
    fc.assert(
      fc.property(fc.oneof(fields, reportFields), (f) => {
        agree(f);
        // JSON.parse makes "__proto__" an own key and turns NaN and Infinity into null: the ingest path's objects.
        const json = JSON.parse(JSON.stringify(f)) as Record<string, unknown>;
        agree(json);
      }),
      { numRuns: 3000, seed: 20261207 },
    );
  });

  test("Reporting API envelopes", () => {
    const envelope = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom("csp-violation", "csp", "deprecation", "t".repeat(64), "t".repeat(65)),
          edgeValue,
        ),
        url: edgeValue,
        user_agent: edgeValue,
        body: fc.oneof(fields, edgeValue),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(envelope, (e) => agree(e as Record<string, unknown>)),
      { numRuns: 2000, seed: 20261207 },
    );
  });
});

describe("precedence and types, read from the table", () => {
  test.each<{ name: string; input: Record<string, unknown> }>([
    {
      name: "the first spelling present wins",
      input: { "document-uri": "https://a.example/", documentURL: "https://b.example/" },
    },
    { name: "a wrong-typed first spelling falls to the next", input: { "line-number": "x", lineNumber: 5 } },
    { name: "counts as digits", input: { "status-code": " 200 ", columnNumber: 7 } },
    { name: "negative and fractional counts are dropped", input: { "line-number": -1, lineNumber: 1.5 } },
    { name: "over-long text is cut", input: { "blocked-uri": "b".repeat(MAX_FIELD_LENGTH + 10) } },
    { name: "nothing known", input: { referrer: "", constructor: "x" } },
  ])("$name", ({ input }) => {
    agree(input);
  });

  test("the reading itself (not only agreement): precedence, digits, cuts", () => {
    expect(
      readReportFields({
        documentURL: "https://b.example/",
        "document-uri": 7,
        "line-number": "x",
        lineNumber: " 12 ",
        "column-number": -0,
        sample: "s".repeat(MAX_FIELD_LENGTH + 1),
        "original-policy": "p".repeat(20_000),
      }),
    ).toStrictEqual({
      documentUrl: "https://b.example/",
      line: 12,
      column: -0,
      sample: "s".repeat(MAX_FIELD_LENGTH),
      originalPolicy: "p".repeat(16_384),
    });
  });
});
