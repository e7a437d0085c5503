// Ingest parsing: Content-Type + raw body → violations, or the HTTP error to answer. Pure, never throws.
import type { ParseOutcome, Violation } from "./types.ts";
import { CSP_REPORT_TYPES, LEGACY_MARKER_KEYS } from "./wire.ts";
import { readEnvelope, readReportFields } from "./wire-fields.ts";
import type { NormalizeContext } from "./normalize.ts";
import { newContext, normalizeReport } from "./normalize.ts";
import { classifyNoise } from "./noise.ts";
import { scriptEntryOf, type ScriptReport } from "./wire-scripts.ts";

/** Default cap on entries per request (Chrome batches far fewer; the cap bounds work per request). */
export const DEFAULT_MAX_ENTRIES = 100;

/** Media types browsers (and documentation examples) use for CSP reports. */
export const REPORT_MEDIA_TYPES = [
  "application/csp-report",
  "application/reports+json",
  "application/json",
] as const;
const MEDIA_TYPES: ReadonlySet<string> = new Set(REPORT_MEDIA_TYPES);

/** Options for parseReportBody. */
export type ParseOptions = {
  /** Most entries accepted in one request (default 100); more → 413. */
  maxEntries?: number;
  /** The request's User-Agent, for reports that carry none (legacy report-uri). */
  userAgent?: string;
  /** Hears each report's original-policy and page (the alerts' policy-drift digest). */
  onPolicy?: (policy: string, documentUrl: string) => void;
};

type Fail = Extract<ParseOutcome, { ok: false }>;

/** The media type of a Content-Type header: lower-case, without parameters ("; charset=utf-8"). */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * Parse one ingest request body into normalized, noise-classified violations. Accepts a legacy
 * `{"csp-report": {...}}`, old WebKit's unwrapped object, a Reporting API array or lone object, and a
 * top-level array of legacy reports. Non-CSP and malformed entries of a batch are skipped and counted;
 * a lone object that is not a report is a 400. Every failure, including unexpected ones, is an outcome.
 */
export function parseReportBody(
  contentType: string | undefined,
  raw: string,
  opts: ParseOptions = {},
): ParseOutcome {
  try {
    return parseUnsafe(contentType, raw, opts);
  } catch (err) {
    // Defense in depth: nothing below is expected to throw, but a hostile body must never become a 500.
    return fail(400, "not_a_report", `body could not be parsed: ${String(err).slice(0, 200)}`);
  }
}

function parseUnsafe(contentType: string | undefined, raw: string, opts: ParseOptions): ParseOutcome {
  const media = mediaTypeOf(contentType);
  if (!MEDIA_TYPES.has(media)) {
    const shown = contentType === undefined ? "none" : JSON.stringify(contentType.slice(0, 100));
    return fail(
      415,
      "unsupported_media_type",
      `unsupported Content-Type ${shown}; expected one of ${REPORT_MEDIA_TYPES.join(", ")}`,
    );
  }
  const json = parseJson(raw);
  if (!json.ok) return json.error;
  const body = json.value;
  const ctx = newContext(opts.userAgent, opts.onPolicy);
  if (Array.isArray(body)) {
    const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (body.length > max) {
      return fail(413, "too_many_reports", `batch has ${body.length} entries; at most ${max} are accepted`);
    }
    const violations: Violation[] = [];
    const scripts: ScriptReport[] = [];
    let skipped = 0;
    for (const entry of body) {
      const result = parseEntry(entry, ctx);
      if (typeof result === "string") skipped++;
      else if (result === null) skipped++;
      else if ("type" in result) scripts.push(result);
      else violations.push(result);
    }
    return { ok: true, violations, scripts, skipped };
  }
  const result = parseEntry(body, ctx);
  if (typeof result === "string") return fail(400, "not_a_report", result);
  if (result === null) return { ok: true, violations: [], scripts: [], skipped: 1 };
  if ("type" in result) return { ok: true, violations: [], scripts: [result], skipped: 0 };
  return { ok: true, violations: [result], scripts: [], skipped: 0 };
}

// Keys that could reach an object's prototype chain if a later consumer merged parsed objects naively. One regex
// pass over the body (a `some` over three `includes` made a closure per request, which tsx's keepNames wraps).
const POISON_WORD = /__proto__|constructor|prototype/; // a cheaper first pass (no quote at every key)
const POISON_KEY = /"(?:__proto__|constructor|prototype)"/;
const NOT_SPACE = /\S/;

function dropPoisonKeys(key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value;
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false; error: Fail } {
  // (A regex instead of `raw.trim() === ""`: no copy of the body per request.)
  if (!NOT_SPACE.test(raw))
    return { ok: false, error: fail(400, "malformed_json", "body is empty; expected JSON") };
  // A UTF-8 BOM is legal in a body but not in JSON text (RFC 8259 §8.1 lets parsers ignore it).
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  try {
    // The field validator reads only known keys, so poison keys never reach output; the reviver (slower, hence only when
    // such a key appears) drops them anyway so no parsed object ever carries one.
    if (POISON_WORD.test(text) && POISON_KEY.test(text)) {
      try {
        return { ok: true, value: JSON.parse(text, dropPoisonKeys) as unknown };
      } catch (err) {
        // V8 runs revivers recursively: very deep nesting overflows the stack where plain JSON.parse (iterative)
        // copes. Fall back to it; the validator's known-key reads remain the protection.
        if (!(err instanceof RangeError)) throw err;
      }
    }
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 160) : "syntax error";
    return { ok: false, error: fail(400, "malformed_json", `body is not valid JSON: ${detail}`) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A violation or script report, null for a well-formed report of another type (skipped), or what is wrong. */
function parseEntry(entry: unknown, ctx: NormalizeContext): Violation | ScriptReport | null | string {
  if (!isObject(entry)) return `expected a report object, got ${describe(entry)}`;
  // csp-hash and integrity-violation (#18): the script inventory's reports, never violations.
  const script = scriptEntryOf(entry);
  if (script !== undefined) return script;
  if (Object.hasOwn(entry, "csp-report")) {
    const inner = entry["csp-report"];
    if (!isObject(inner)) return `"csp-report" must be an object, got ${describe(inner)}`;
    return violationOf(inner, undefined, undefined, '"csp-report"', ctx);
  }
  if (typeof entry["type"] === "string" && Object.hasOwn(entry, "body")) {
    const env = readEnvelope(entry);
    if (env === null) return "Reporting API report has an invalid envelope";
    if (!CSP_REPORT_TYPES.has(env.type)) return null; // deprecation, intervention, ...: not ours
    if (!isObject(env.body)) return `Reporting API "body" must be an object, got ${describe(env.body)}`;
    return violationOf(env.body, env.user_agent, env.url, "Reporting API body", ctx);
  }
  // Old WebKit posted the fields with no wrapper at all.
  if (LEGACY_MARKER_KEYS.some((k) => Object.hasOwn(entry, k)))
    return violationOf(entry, undefined, undefined, "report", ctx);
  return 'not a CSP report: expected "csp-report", a Reporting API report or report fields';
}

function violationOf(
  fields: Record<string, unknown>,
  userAgent: string | undefined,
  url: string | undefined,
  where: string,
  ctx: NormalizeContext,
): Violation | string {
  // The plain validator generated from wire.ts's table (zod's reading of it cost ~9% of ingest CPU).
  const rawReport = readReportFields(fields);
  if (userAgent !== undefined) rawReport.userAgent = userAgent;
  // The Reporting API envelope's url is the document; use it when the body omits documentURL.
  if (rawReport.documentUrl === undefined && url !== undefined) rawReport.documentUrl = url;
  const v = normalizeReport(rawReport, ctx);
  if (v === null) return `${where} names no directive (effective-directive or violated-directive)`;
  v.noise = classifyNoise(v); // v is fresh: set in place rather than copy per report
  return v;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

function fail(status: Fail["status"], error: string, message: string): Fail {
  return { ok: false, status, error, message };
}
