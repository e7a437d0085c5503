// What a project pastes into its site: report URL, Reporting-Endpoints and a starter report-only policy.
import type { InstallDto } from "../contract.ts";

export const REPORT_TO_GROUP = "cinch";

/** The report URL of a project, optionally tagged with a policy version. */
export function reportUri(publicUrl: string, reportKey: string, version?: number): string {
  return `${publicUrl}/r/${reportKey}${version !== undefined ? `?v=${version}` : ""}`;
}

/** The install instructions for a project. */
export function installFor(
  publicUrl: string,
  reportKey: string,
  starter: (uri: string) => string,
): InstallDto {
  const uri = reportUri(publicUrl, reportKey);
  const reportingEndpoints = `${REPORT_TO_GROUP}="${uri}"`;
  const reportOnlyPolicy = starter(uri);
  const notes = [
    "report-to (the Reporting API) is used only when both your page and this endpoint are served over HTTPS; " +
      "report-uri stays in the policy as the fallback for HTTP pages and browsers without report-to.",
    "Start in report-only mode: nothing is blocked, and the reports show what an enforced policy would break.",
  ];
  if (!publicUrl.startsWith("https://")) {
    notes.push(
      `This Cinch is reached at ${publicUrl} (not HTTPS): browsers will send only report-uri reports. Set PUBLIC_URL to an HTTPS address behind your TLS proxy to receive report-to batches.`,
    );
  }
  return {
    reportUri: uri,
    reportingEndpoints,
    reportOnlyPolicy,
    headers: [
      `Content-Security-Policy-Report-Only: ${reportOnlyPolicy}`,
      `Reporting-Endpoints: ${reportingEndpoints}`,
    ],
    notes,
  };
}
