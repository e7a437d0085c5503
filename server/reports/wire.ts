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

// Every spelling of every field, as sent by some browser (cf. getsentry/relay `CspRaw` serde aliases):
// hyphenated legacy report-uri keys, camelCase Reporting API keys, and old WebKit's `document-url`. The order of
// spellings is their precedence (the first one present with a valid value wins). This table drives both the zod
// schema below and the plain validator of the ingest hot path (wire-fields.ts); a test keeps them in agreement.
export const FIELD_SPELLINGS = {
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

export type WireField = keyof typeof FIELD_SPELLINGS;

/**
 * How each field is read: `text` is a string cut to MAX_FIELD_LENGTH, `policy` a string cut to MAX_POLICY_LENGTH,
 * `count` a non-negative safe integer given as a number or as digits. A value of the wrong type is dropped (the
 * field is absent), never a failure of the report: every field is attacker-controlled and browsers disagree on types.
 */
export type FieldKind = "text" | "count" | "policy";
export const FIELD_KINDS = {
  documentUrl: "text",
  blocked: "text",
  effectiveDirective: "text",
  violatedDirective: "text",
  disposition: "text",
  sourceFile: "text",
  line: "count",
  column: "count",
  statusCode: "count",
  sample: "text",
  originalPolicy: "policy",
} as const satisfies Record<WireField, FieldKind>;

// A policy may be longer than any other field (hash lists); ambiguous.ts bounds its own reading of it.
export const MAX_POLICY_LENGTH = 16_384;

/** A count as a string: Chrome sends numbers, Firefox and Safari send strings ("200", "12"). */
export const DIGITS = /^\s*\d{1,15}\s*$/;

/** Longest Reporting API `type` accepted in an envelope. */
export const MAX_TYPE_LENGTH = 64;

const cut = (max: number) => (s: string) => (s.length > max ? s.slice(0, max) : s);
const text = z.string().transform(cut(MAX_FIELD_LENGTH)).optional().catch(undefined);
const policyText = z.string().transform(cut(MAX_POLICY_LENGTH)).optional().catch(undefined);
const count = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(DIGITS).transform(Number),
  ])
  .optional()
  .catch(undefined);
const ZOD_OF_KIND = { text, count, policy: policyText } as const;

/** The fields in table order. */
export const WIRE_FIELDS = Object.keys(FIELD_SPELLINGS) as WireField[];

// Built once at module load: one shape key per spelling. Zod reads only these keys, so unknown keys
// (`effective-directive_full`, `__proto__`, `constructor`) are never copied into the output.
const shape: Record<string, (typeof ZOD_OF_KIND)[FieldKind]> = {};
for (const field of WIRE_FIELDS) {
  for (const spelling of FIELD_SPELLINGS[field]) shape[spelling] = ZOD_OF_KIND[FIELD_KINDS[field]];
}

/** The keys that mark an object as an unwrapped legacy report (old WebKit posted no `csp-report` wrapper). */
export const LEGACY_MARKER_KEYS: readonly string[] = [
  ...FIELD_SPELLINGS.effectiveDirective,
  ...FIELD_SPELLINGS.violatedDirective,
  ...FIELD_SPELLINGS.blocked,
  ...FIELD_SPELLINGS.documentUrl,
];

/**
 * The fields of one CSP report, any spelling, folded into a RawReport (first spelling present wins). The reference
 * reading of the table; ingest runs the equivalent plain validator (wire-fields.ts), which the tests hold to it.
 */
export const reportFieldsSchema = z.object(shape).transform((input): RawReport => {
  const out: RawReport = {};
  for (const field of WIRE_FIELDS) {
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
  type: z.string().max(MAX_TYPE_LENGTH),
  user_agent: text,
  url: text,
  body: z.unknown(),
});

/** Reporting API types that carry a CSP violation: "csp-violation" (CSP3), "csp" (Chrome's first draft). */
export const CSP_REPORT_TYPES: ReadonlySet<string> = new Set(["csp-violation", "csp"]);
