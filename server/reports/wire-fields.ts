// The ingest hot path's wire validator, generated at module load from wire.ts's declarative table (spellings and
// kinds): the same reading as the zod schemas there, without zod's per-report work (24 optional/catch wrappers
// and a union per count, each building result objects). test/reports/wire-fields.test.ts holds the two to the
// same output on the corpus and on fuzzed inputs.
import {
  DIGITS,
  FIELD_KINDS,
  FIELD_SPELLINGS,
  MAX_FIELD_LENGTH,
  MAX_POLICY_LENGTH,
  MAX_TYPE_LENGTH,
  WIRE_FIELDS,
  type FieldKind,
  type RawReport,
  type WireField,
} from "./wire.ts";

type Value = string | number | undefined;

function readText(v: unknown): Value {
  if (typeof v !== "string") return undefined;
  return v.length > MAX_FIELD_LENGTH ? v.slice(0, MAX_FIELD_LENGTH) : v;
}

function readPolicy(v: unknown): Value {
  if (typeof v !== "string") return undefined;
  return v.length > MAX_POLICY_LENGTH ? v.slice(0, MAX_POLICY_LENGTH) : v;
}

function readCount(v: unknown): Value {
  // zod's int().nonnegative().max(MAX_SAFE_INTEGER): finite, whole, 0 ≤ v ≤ 2^53 - 1.
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === "string" && DIGITS.test(v)) return Number(v);
  return undefined;
}

const READERS: Record<FieldKind, (v: unknown) => Value> = {
  text: readText,
  count: readCount,
  policy: readPolicy,
};

type Step = { field: WireField; spellings: readonly string[]; read: (v: unknown) => Value };

/** One step per field, in table order (so every output object has its fields in one order: one V8 shape). */
const PLAN: readonly Step[] = WIRE_FIELDS.map((field) => ({
  field,
  spellings: FIELD_SPELLINGS[field],
  read: READERS[FIELD_KINDS[field]],
}));

/**
 * The fields of one CSP report, any spelling, folded into a RawReport: for each field the first spelling with a
 * valid value wins; wrong types and unknown keys are ignored. Equal to `reportFieldsSchema.parse(input)`.
 * `input` is a plain object from JSON.parse (own keys only reach the output: no spelling names an inherited member).
 */
export function readReportFields(input: Record<string, unknown>): RawReport {
  const out: Record<string, Value> = {};
  for (const step of PLAN) {
    for (const spelling of step.spellings) {
      const value = step.read(input[spelling]);
      if (value !== undefined) {
        out[step.field] = value;
        break;
      }
    }
  }
  return out as RawReport;
}

/** A Reporting API envelope read as reportingEnvelopeSchema reads it. */
export type Envelope = {
  type: string;
  user_agent: string | undefined;
  url: string | undefined;
  body: unknown;
};

/** The envelope of a Reporting API report, or null where `reportingEnvelopeSchema` fails (a bad `type`, no `body`). */
export function readEnvelope(input: Record<string, unknown>): Envelope | null {
  const type = input["type"];
  if (typeof type !== "string" || type.length > MAX_TYPE_LENGTH) return null;
  if (!("body" in input)) return null; // zod 4 requires an unknown() key to be present (parse.ts checks it first)
  return {
    type,
    user_agent: readText(input["user_agent"]) as string | undefined,
    url: readText(input["url"]) as string | undefined,
    body: input["body"],
  };
}
