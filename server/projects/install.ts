// What a project pastes into its site: report URL, Reporting-Endpoints and a starter report-only policy.
import type { InstallDto } from "../contract.ts";

export const REPORT_TO_GROUP = "cinch";

/** The report URL of a project, optionally tagged with a policy version. */
export function reportUri(publicUrl: string, reportKey: string, version?: number): string {
  return `${publicUrl}/r/${reportKey}${version !== undefined ? `?v=${version}` : ""}`;
}

/**
 * The report-to group policies should name, or undefined when this Cinch is not reached over HTTPS.
 * Measured with Chromium 156: report-to is delivered only when the page and the endpoint are both HTTPS, and a
 * policy naming a report-to group makes Chromium ignore its report-uri even when report-to cannot deliver —
 * so report-to with an HTTP endpoint means no reports at all from Chromium.
 */
export function reportToGroupFor(publicUrl: string): string | undefined {
  return publicUrl.startsWith("https://") ? REPORT_TO_GROUP : undefined;
}

/** The install instructions for a project. */
export function installFor(
  publicUrl: string,
  reportKey: string,
  starter: (uri: string, reportToGroup: string | undefined) => string,
): InstallDto {
  const uri = reportUri(publicUrl, reportKey);
  const group = reportToGroupFor(publicUrl);
  const reportingEndpoints = `${REPORT_TO_GROUP}="${uri}"`;
  const reportOnlyPolicy = starter(uri, group);
  const notes = [
    "Start in report-only mode: nothing is blocked, and the reports show what an enforced policy would break.",
  ];
  if (group) {
    notes.unshift(
      "report-to (the Reporting API) delivers only when both your page and this endpoint are HTTPS; report-uri " +
        "stays in the policy as the fallback for browsers without report-to.",
      "On plain-HTTP pages remove `; report-to cinch` from the policy: Chromium ignores report-uri whenever " +
        "report-to is present, even where report-to cannot deliver, and would send nothing at all.",
    );
  } else {
    notes.unshift(
      `This Cinch is reached at ${publicUrl} (not HTTPS), so the policy reports through report-uri only: ` +
        "report-to needs an HTTPS page and an HTTPS endpoint, and Chromium ignores report-uri whenever report-to " +
        "is present. Serve Cinch over HTTPS (TLS_CERT_FILE / TLS_KEY_FILE, or PUBLIC_URL behind a TLS proxy) " +
        "to receive Reporting API batches too.",
    );
  }
  return {
    reportUri: uri,
    reportingEndpoints,
    reportOnlyPolicy,
    headers: [
      `Content-Security-Policy-Report-Only: ${reportOnlyPolicy}`,
      ...(group ? [`Reporting-Endpoints: ${reportingEndpoints}`] : []),
    ],
    notes,
  };
}
