// The header set a format renders: the CSP header (or its report-only twin) plus optional companions.
import { getDirective, parsePolicy, serializePolicy } from "../csp.ts";
import type { Policy } from "../csp.ts";

/** Companion headers; `true` for each default, a string to override, false to leave it out. */
export type CompanionOptions = {
  /** Reporting-Endpoints entries, name → URL; default: report-to's group → the first report-uri URL. */
  reportingEndpoints?: Readonly<Record<string, string>> | false;
  /** Strict-Transport-Security value (default "max-age=31536000; includeSubDomains"). */
  hsts?: string | false;
  /** X-Content-Type-Options: nosniff (default true). */
  contentTypeOptions?: boolean;
  /** Referrer-Policy value (default "strict-origin-when-cross-origin"). */
  referrerPolicy?: string | false;
  /** X-Frame-Options value (default: derived from frame-ancestors 'none' → DENY, 'self' → SAMEORIGIN). */
  frameOptions?: string | false;
};

/** Options shared by every export format. */
export type ExportOptions = {
  /** Emit Content-Security-Policy-Report-Only (refused for meta). */
  reportOnly?: boolean;
  /** Add companion headers: true for the defaults, or per-header options. */
  companions?: boolean | CompanionOptions;
  /** Reporting-Endpoints entries (emitted even without companions). */
  reportingEndpoints?: Readonly<Record<string, string>>;
};

export type Header = { name: string; value: string };

export const DEFAULT_HSTS = "max-age=31536000; includeSubDomains";
export const DEFAULT_REFERRER_POLICY = "strict-origin-when-cross-origin";

/** The CSP header name for the disposition. */
export function cspHeaderName(reportOnly: boolean | undefined): string {
  return reportOnly ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy";
}

function derivedEndpoints(policy: Policy): Record<string, string> {
  const group = getDirective(policy, "report-to")?.values[0];
  const url = getDirective(policy, "report-uri")?.values.find((u) => u.startsWith("https://"));
  // Reporting-Endpoints URLs must be potentially trustworthy (Reporting API §3.2): https only.
  return group && url ? { [group]: url } : {};
}

// X-Frame-Options can say only DENY or SAMEORIGIN; frame-ancestors overrides it where supported.
function derivedFrameOptions(policy: Policy): string | null {
  const fa = getDirective(policy, "frame-ancestors")?.values.map((v) => v.toLowerCase());
  if (!fa) return null;
  if (fa.length === 1 && fa[0] === "'none'") return "DENY";
  if (fa.length === 1 && fa[0] === "'self'") return "SAMEORIGIN";
  return null;
}

/** Serialize Reporting-Endpoints (a Structured Fields dictionary of strings, RFC 8941 §3.2). */
export function reportingEndpointsValue(entries: Readonly<Record<string, string>>): string {
  return Object.entries(entries)
    .map(([name, url]) => `${name}="${url.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(", ");
}

/** The headers to emit, in a fixed order: CSP, Reporting-Endpoints, HSTS, nosniff, Referrer, XFO. */
export function headerSet(policyText: string, opts: ExportOptions = {}): Header[] {
  const policy = parsePolicy(policyText);
  const headers: Header[] = [{ name: cspHeaderName(opts.reportOnly), value: serializePolicy(policy) }];
  const c: CompanionOptions | null = opts.companions === true ? {} : opts.companions ? opts.companions : null;
  const endpoints =
    opts.reportingEndpoints ??
    (c && c.reportingEndpoints !== false ? (c.reportingEndpoints ?? derivedEndpoints(policy)) : undefined);
  if (endpoints && Object.keys(endpoints).length > 0) {
    headers.push({ name: "Reporting-Endpoints", value: reportingEndpointsValue(endpoints) });
  }
  if (!c) return headers;
  if (c.hsts !== false) headers.push({ name: "Strict-Transport-Security", value: c.hsts ?? DEFAULT_HSTS });
  if (c.contentTypeOptions !== false) headers.push({ name: "X-Content-Type-Options", value: "nosniff" });
  if (c.referrerPolicy !== false) {
    headers.push({ name: "Referrer-Policy", value: c.referrerPolicy ?? DEFAULT_REFERRER_POLICY });
  }
  const xfo = c.frameOptions === false ? null : (c.frameOptions ?? derivedFrameOptions(policy));
  if (xfo) headers.push({ name: "X-Frame-Options", value: xfo });
  return headers;
}
