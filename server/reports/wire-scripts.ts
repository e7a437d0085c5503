// Wire table of the script reports (#18): the Reporting API's `csp-hash` (CSP3 'report-sha256'/'report-sha384'/
// 'report-sha512') and `integrity-violation` (Integrity-Policy[-Report-Only]) bodies, read from unknown into a
// ScriptReport. Pure; every field is attacker-controlled.
import { MAX_FIELD_LENGTH } from "./wire.ts";
import { canonicalUrl } from "./url.ts";

/** The Reporting API types this module reads. */
export const SCRIPT_REPORT_TYPES = ["csp-hash", "integrity-violation"] as const;
export type ScriptReportType = (typeof SCRIPT_REPORT_TYPES)[number];
const TYPES: ReadonlySet<string> = new Set(SCRIPT_REPORT_TYPES);
export const isScriptReportType = (t: string): t is ScriptReportType => TYPES.has(t);

/** One script report, normalized: URLs without query, fragment or credentials. */
export type ScriptReport =
  | {
      type: "csp-hash";
      /** The script (`subresourceURL`). */
      url: string;
      documentUrl: string;
      /** The SRI value (`sha384-…`), or "" for a cross-origin script fetched without CORS. */
      hash: string;
      hashable: boolean;
    }
  | {
      type: "integrity-violation";
      /** The script loaded without integrity metadata (`blockedURL`). */
      url: string;
      documentUrl: string;
      reportOnly: boolean;
    };

// Every spelling of every field, first present wins. Chromium 156 sends camelCase with upper-case URL
// (documentURL, subresourceURL, blockedURL, reportOnly: test/fixtures/script-reports); the CSP3 draft's csp-hash
// example and the Reporting API's JSON serialisation of other bodies use snake_case; the legacy report-uri
// hyphenated style is accepted too, as wire.ts does for csp-violation.
export const SCRIPT_FIELD_SPELLINGS = {
  documentUrl: ["documentURL", "document_url", "documentUrl", "document-url", "document-uri", "documentURI"],
  subresourceUrl: ["subresourceURL", "subresource_url", "subresourceUrl", "subresource-url"],
  blockedUrl: ["blockedURL", "blocked_url", "blockedUrl", "blocked-url", "blocked-uri", "blockedURI"],
  hash: ["hash"],
  destination: ["destination"],
  reportOnly: ["reportOnly", "report_only", "report-only"],
} as const;
type ScriptField = keyof typeof SCRIPT_FIELD_SPELLINGS;

/** `text`: a string cut to MAX_FIELD_LENGTH; `flag`: a boolean, or "true"/"false" as some serialisers send. */
const SCRIPT_FIELD_KINDS = {
  documentUrl: "text",
  subresourceUrl: "text",
  blockedUrl: "text",
  hash: "text",
  destination: "text",
  reportOnly: "flag",
} as const satisfies Record<ScriptField, "text" | "flag">;

type Fields = { [K in ScriptField]?: (typeof SCRIPT_FIELD_KINDS)[K] extends "flag" ? boolean : string };

function readText(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  return v.length > MAX_FIELD_LENGTH ? v.slice(0, MAX_FIELD_LENGTH) : v;
}

function readFlag(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** The body's fields, any spelling (own keys of a JSON.parse object only; a wrong type counts as absent). */
export function readScriptFields(body: Record<string, unknown>): Fields {
  const out: Record<string, string | boolean> = {};
  for (const field of Object.keys(SCRIPT_FIELD_SPELLINGS) as ScriptField[]) {
    const read = SCRIPT_FIELD_KINDS[field] === "flag" ? readFlag : readText;
    for (const spelling of SCRIPT_FIELD_SPELLINGS[field]) {
      if (!Object.hasOwn(body, spelling)) continue;
      const value = read(body[spelling]);
      if (value !== undefined) {
        out[field] = value;
        break;
      }
    }
  }
  return out as Fields;
}

// SRI metadata (W3C SRI §3.5): algorithm, "-", base64 of the digest. The digest lengths are fixed, so a value of
// any other length is not a hash a browser computed. Chromium sends standard base64 with padding.
const SRI_HASH = /^(?:sha256-[A-Za-z0-9+/]{43}=|sha384-[A-Za-z0-9+/]{64}|sha512-[A-Za-z0-9+/]{86}==)$/;

/** Whether a value is an SRI hash as browsers compute them (`sha256-…`, `sha384-…`, `sha512-…`). */
export const isSriHash = (s: string): boolean => SRI_HASH.test(s);

/**
 * A script report from a Reporting API body of type `csp-hash` or `integrity-violation`; null when it is well
 * formed but not about a script (another `destination`): skipped like other types; a string says what is wrong.
 * `envelopeUrl` is the report's `url` (the document), used when the body names none.
 */
export function scriptReportOf(
  type: ScriptReportType,
  body: Record<string, unknown>,
  envelopeUrl: string | undefined,
): ScriptReport | null | string {
  const f = readScriptFields(body);
  // The CSP3 draft also defines csp-hash for other destinations (style); the inventory is of scripts.
  if (f.destination !== undefined && f.destination.toLowerCase() !== "script") return null;
  const documentUrl = networkUrl(f.documentUrl ?? envelopeUrl ?? "") ?? "";
  if (type === "csp-hash") {
    const url = networkUrl(f.subresourceUrl ?? "");
    if (url === null) return "csp-hash report has no http(s) subresourceURL";
    if (f.hash === undefined) return "csp-hash report has no hash";
    const hash = f.hash.trim();
    if (hash !== "" && !isSriHash(hash))
      return `csp-hash report has an invalid hash ${JSON.stringify(hash.slice(0, 40))}`;
    return { type, url, documentUrl, hash, hashable: hash !== "" };
  }
  const url = networkUrl(f.blockedUrl ?? "");
  if (url === null) return "integrity-violation report has no http(s) blockedURL";
  return { type, url, documentUrl, reportOnly: f.reportOnly ?? false };
}

/** The canonical URL (no query, fragment or credentials) of an http(s) URL, else null. */
function networkUrl(raw: string): string | null {
  const c = canonicalUrl(raw);
  return c.value.startsWith("https://") || c.value.startsWith("http://") ? c.value : null;
}

/**
 * A Reporting API entry of a script type (`{"type": "csp-hash", "url", "body": {...}}`) read into its report (or
 * null / a problem, as scriptReportOf); undefined when the entry is not of a script type (the caller goes on).
 */
export function scriptEntryOf(entry: Record<string, unknown>): ScriptReport | null | string | undefined {
  const type = entry["type"];
  if (typeof type !== "string" || !isScriptReportType(type)) return undefined;
  const body = entry["body"];
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return `Reporting API "body" of a ${type} report must be an object`;
  return scriptReportOf(type, body as Record<string, unknown>, readText(entry["url"]));
}
