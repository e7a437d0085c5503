// HTML <meta http-equiv> export: drops what meta ignores and refuses report-only (CSP3 §3.3).
import { parsePolicy, serializePolicy } from "../csp.ts";
import { ExportError } from "./errors.ts";
import type { ExportOptions } from "./headers.ts";
import { DEFAULT_REFERRER_POLICY } from "./headers.ts";

/** Directives a <meta> policy ignores (CSP3 §3.3). */
export const META_IGNORED = ["report-uri", "frame-ancestors", "sandbox"] as const;

/** HTML attribute escaping for a double-quoted value. */
export function htmlAttr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * `<meta http-equiv="Content-Security-Policy" content="…">`, without report-uri, frame-ancestors and
 * sandbox (listed in a comment so nobody wonders). Of the companions only Referrer-Policy has a meta form.
 */
export function renderMeta(policyText: string, opts: ExportOptions): string {
  if (opts.reportOnly) {
    throw new ExportError(
      "meta_report_only",
      "meta: Content-Security-Policy-Report-Only cannot be delivered in a <meta> element (CSP3 §3.3); send it as a response header",
    );
  }
  const policy = parsePolicy(policyText);
  const dropped = policy.directives.filter((d) => (META_IGNORED as readonly string[]).includes(d.name));
  policy.directives = policy.directives.filter((d) => !dropped.includes(d));
  const lines: string[] = [];
  if (dropped.length > 0) {
    lines.push(
      `<!-- ignored in <meta>, send as a header instead: ${dropped.map((d) => d.name).join(", ")} -->`,
    );
  }
  lines.push(`<meta http-equiv="Content-Security-Policy" content="${htmlAttr(serializePolicy(policy))}">`);
  const c = opts.companions === true ? {} : opts.companions || null;
  if (c && c.referrerPolicy !== false) {
    lines.push(`<meta name="referrer" content="${htmlAttr(c.referrerPolicy ?? DEFAULT_REFERRER_POLICY)}">`);
  }
  return lines.join("\n") + "\n";
}
