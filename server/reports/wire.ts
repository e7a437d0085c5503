// Wire schemas: what browsers put on the wire (legacy report-uri and Reporting API), parsed from unknown.
import { z } from "zod";

/** Longest string kept from any one wire field before normalization (bounds later work on hostile input). */
export const MAX_FIELD_LENGTH = 4096;

/** One report's fields after wire parsing, before normalization. Every field is optional and bounded. */
export type RawReport = {
  documentUrl?: string | undefined;
  blocked?: string | undefined;
  effectiveDirective?: string | undefined;
  violatedDirective?: string | undefined;
  disposition?: string | undefined;
  sourceFile?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  statusCode?: number | undefined;
  sample?: string | undefined;
  /** The policy that was violated, only read to tell inline from eval (see ambiguous.ts); never stored. */
  originalPolicy?: string | undefined;
  /** The Reporting API envelope's user_agent; legacy reports have none. */
  userAgent?: string | undefined;
};

// A string field: over-long values are cut, a wrong type (number, object, array) is dropped rather than
// failing the report, because every field is attacker-controlled and browsers disagree on types.
const text = z
  .string()
  .transform((s) => (s.length > MAX_FIELD_LENGTH ? s.slice(0, MAX_FIELD_LENGTH) : s))
  .optional()
  .catch(undefined);

// A count (line, column, status): Chrome sends numbers, Firefox and Safari send strings ("200", "12").
const DIGITS = /^\s*\d{1,15}\s*$/;
const count = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(DIGITS).transform(Number),
  ])
  .optional()
  .catch(undefined);

// Every spelling of every field, as sent by some browser (cf. getsentry/relay `CspRaw` serde aliases):
// hyphenated legacy report-uri keys, camelCase Reporting API keys, and old WebKit's `document-url`.
const FIELD_SPELLINGS = {
  documentUrl: ["document-uri", "documentURL", "document-url", "documentUri"],
  blocked: ["blocked-uri", "blockedURL", "blocked-url", "blockedUri"],
  effectiveDirective: ["effective-directive", "effectiveDirective"],
  violatedDirective: ["violated-directive", "violatedDirective"],
  disposition: ["disposition"],
  sourceFile: ["source-file", "sourceFile"],
  line: ["line-number", "lineNumber"],
  column: ["column-number", "columnNumber"],
  statusCode: ["status-code", "statusCode"],
  sample: ["script-sample", "sample"],
  originalPolicy: ["original-policy", "originalPolicy"],
} as const satisfies Record<Exclude<keyof RawReport, "userAgent">, readonly string[]>;

type Field = keyof typeof FIELD_SPELLINGS;
const COUNT_FIELDS: ReadonlySet<Field> = new Set<Field>(["line", "column", "statusCode"]);
// A policy may be longer than any other field (hash lists); ambiguous.ts bounds its own reading of it.
const MAX_POLICY_LENGTH = 16_384;
const policyText = z
  .string()
  .transform((s) => (s.length > MAX_POLICY_LENGTH ? s.slice(0, MAX_POLICY_LENGTH) : s))
  .optional()
  .catch(undefined);
const FIELDS = Object.keys(FIELD_SPELLINGS) as Field[];

// Built once at module load: one shape key per spelling. Zod reads only these keys, so unknown keys
// (`effective-directive_full`, `__proto__`, `constructor`) are never copied into the output.
const shape: Record<string, typeof text | typeof count | typeof policyText> = {};
for (const field of FIELDS) {
  for (const spelling of FIELD_SPELLINGS[field])
    shape[spelling] = COUNT_FIELDS.has(field) ? count : field === "originalPolicy" ? policyText : text;
}

/** The keys that mark an object as an unwrapped legacy report (old WebKit posted no `csp-report` wrapper). */
export const LEGACY_MARKER_KEYS: readonly string[] = [
  ...FIELD_SPELLINGS.effectiveDirective,
  ...FIELD_SPELLINGS.violatedDirective,
  ...FIELD_SPELLINGS.blocked,
  ...FIELD_SPELLINGS.documentUrl,
];

/** The fields of one CSP report, any spelling, folded into a RawReport (first spelling present wins). */
export const reportFieldsSchema = z.object(shape).transform((input): RawReport => {
  const out: RawReport = {};
  for (const field of FIELDS) {
    for (const spelling of FIELD_SPELLINGS[field]) {
      const value = input[spelling];
      if (value !== undefined) {
        (out as Record<string, unknown>)[field] = value;
        break;
      }
    }
  }
  return out;
});

/** The Reporting API envelope (`type`, `user_agent`, `url`, `body`); the body is parsed per type. */
export const reportingEnvelopeSchema = z.object({
  type: z.string().max(64),
  user_agent: text,
  url: text,
  body: z.unknown(),
});

/** Reporting API types that carry a CSP violation: "csp-violation" (CSP3), "csp" (Chrome's first draft). */
export const CSP_REPORT_TYPES: ReadonlySet<string> = new Set(["csp-violation", "csp"]);
