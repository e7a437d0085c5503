// Export what is deployed: the enforced policy and, beside it, the report-only candidate (two headers).
import { parsePolicy, serializePolicy } from "../csp.ts";
import { ExportError } from "./errors.ts";
import { cspHeaderName, headerSet } from "./headers.ts";
import type { ExportOptions, Header } from "./headers.ts";
import { exportPolicy, type ExportFormat } from "./index.ts";
import { helmetReportOnly, renderHelmet } from "./javascript.ts";
import { djangoSetting, renderDjango, renderPhoenix, renderRails } from "./languages.ts";
import { htmlAttr, renderMeta } from "./meta.ts";
import {
  renderApache,
  renderCaddy,
  renderCloudflare,
  renderHeader,
  renderIis,
  renderNginx,
} from "./servers.ts";
import { renderNextjs } from "./javascript.ts";

/** One policy to serve: its text (report URL already tagged ?v=N) and its disposition. */
export type DeployedPolicy = { policy: string; reportOnly: boolean; version: number | null };

/**
 * Render the deployed set for `format`. One policy renders as exportPolicy does. Two (the enforced one first,
 * then the report-only candidate) render as two headers, Content-Security-Policy and
 * Content-Security-Policy-Report-Only, with the companions once, derived from the enforced policy. <meta> cannot
 * carry a report-only policy (CSP3 §3.3): it renders the enforced one and says so in a comment.
 */
export function exportDeployed(
  set: readonly DeployedPolicy[],
  format: ExportFormat,
  opts: Omit<ExportOptions, "reportOnly"> = {},
): string {
  const [first, second] = set;
  if (!first) throw new ExportError("unknown_format", "nothing to export");
  if (!second) return exportPolicy(first.policy, format, { ...opts, reportOnly: first.reportOnly });
  if (first.reportOnly || !second.reportOnly) {
    throw new ExportError("unknown_format", "two policies export as enforced, then report-only");
  }
  const enforced = serializePolicy(parsePolicy(first.policy));
  const candidate = serializePolicy(parsePolicy(second.policy));
  if (format === "meta") {
    return (
      renderMeta(enforced, opts) +
      `<!-- the report-only candidate${second.version === null ? "" : ` v${second.version}`} cannot be delivered in <meta> (CSP3 §3.3); send it as a response header: ${htmlAttr(`${cspHeaderName(true)}: ${candidate}`)} -->\n`
    );
  }
  const headers: Header[] = headerSet(enforced, opts);
  headers.splice(1, 0, { name: cspHeaderName(true), value: candidate });
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
    case "nextjs":
      return renderNextjs(headers);
    case "phoenix":
      return renderPhoenix(headers);
    case "helmet":
      // helmet's contentSecurityPolicy middleware sends one header; a second instance sends the report-only one.
      return (
        renderHelmet(
          enforced,
          headers.filter((h) => h.name !== cspHeaderName(true)),
          false,
        ) + helmetReportOnly(candidate)
      );
    case "rails":
      // The Rails DSL holds one policy; the candidate goes out as a default header beside it.
      return renderRails(enforced, headers, false);
    case "django":
      // django-csp 4 sends both settings at once.
      return renderDjango(enforced, headers, false) + djangoSetting(candidate, true);
  }
}
