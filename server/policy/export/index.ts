// Export a policy in one of the supported formats (docs/architecture.md "Export syntaxes").
import { serializePolicy, parsePolicy } from "../csp.ts";
import { ExportError } from "./errors.ts";
import { headerSet } from "./headers.ts";
import type { ExportOptions } from "./headers.ts";
import { renderHelmet, renderNextjs } from "./javascript.ts";
import { renderDjango, renderPhoenix, renderRails } from "./languages.ts";
import { renderMeta } from "./meta.ts";
import {
  renderApache,
  renderCaddy,
  renderCloudflare,
  renderHeader,
  renderIis,
  renderNginx,
} from "./servers.ts";

export const EXPORT_FORMATS = [
  "header",
  "meta",
  "nginx",
  "apache",
  "caddy",
  "iis",
  "helmet",
  "nextjs",
  "phoenix",
  "rails",
  "django",
  "cloudflare",
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** True for a supported export format name. */
export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * Render `policy` for `format`, optionally as report-only and with companion headers, quoted and
 * escaped for the target language. Throws ExportError (id "meta_report_only") for meta + report-only,
 * and for values a format cannot carry (nginx "$", Cloudflare lines over 2,000 characters).
 */
export function exportPolicy(policy: string, format: ExportFormat, opts: ExportOptions = {}): string {
  if (!isExportFormat(format)) {
    throw new ExportError(
      "unknown_format",
      `unknown export format "${String(format)}"; use one of ${EXPORT_FORMATS.join(", ")}`,
    );
  }
  const text = serializePolicy(parsePolicy(policy));
  const reportOnly = opts.reportOnly ?? false;
  if (format === "meta") return renderMeta(text, opts);
  const headers = headerSet(text, opts);
  switch (format) {
    case "header":
      return renderHeader(headers);
    case "nginx":
      return renderNginx(headers);
    case "apache":
      return renderApache(headers);
    case "caddy":
      return renderCaddy(headers);
    case "iis":
      return renderIis(headers);
    case "cloudflare":
      return renderCloudflare(headers);
    case "helmet":
      return renderHelmet(text, headers, reportOnly);
    case "nextjs":
      return renderNextjs(headers);
    case "phoenix":
      return renderPhoenix(headers);
    case "rails":
      return renderRails(text, headers, reportOnly);
    case "django":
      return renderDjango(text, headers, reportOnly);
  }
}

export { ExportError } from "./errors.ts";
export type { ExportOptions } from "./headers.ts";
