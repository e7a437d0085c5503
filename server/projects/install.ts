// What a project pastes into its site: report URL, Reporting-Endpoints and a starter report-only policy.
import type { InstallDto } from "../contract.ts";
import { integrityPolicyReportOnly, withReportHashes } from "../scripts/report-hashes.ts";

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

/**
 * The install instructions for a project. `scripts.reportHashes` (the project's reportScriptHashes setting, #18) adds
 * 'report-sha384' to the policy and, over HTTPS, the Integrity-Policy-Report-Only header.
 */
export function installFor(
  publicUrl: string,
  reportKey: string,
  starter: (uri: string, reportToGroup: string | undefined) => string,
  scripts: { reportHashes: boolean } = { reportHashes: false },
): InstallDto {
  const uri = reportUri(publicUrl, reportKey);
  const group = reportToGroupFor(publicUrl);
  const reportingEndpoints = `${REPORT_TO_GROUP}="${uri}"`;
  const starterPolicy = starter(uri, group);
  const reportOnlyPolicy = scripts.reportHashes ? withReportHashes(starterPolicy) : starterPolicy;
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
  if (scripts.reportHashes) notes.push(...scriptNotes(publicUrl, group));
  return {
    reportUri: uri,
    reportingEndpoints,
    reportOnlyPolicy,
    headers: [
      `Content-Security-Policy-Report-Only: ${reportOnlyPolicy}`,
      ...(group ? [`Reporting-Endpoints: ${reportingEndpoints}`] : []),
      ...(group && scripts.reportHashes
        ? [`Integrity-Policy-Report-Only: ${integrityPolicyReportOnly(group)}`]
        : []),
    ],
    notes,
  };
}

/** What the script inventory's opt-in asks of the page (#18). */
function scriptNotes(publicUrl: string, group: string | undefined): string[] {
  const hashes =
    "'report-sha384' in script-src makes Chromium 133+ send a csp-hash report with the SHA-384 of every external " +
    'script it loads (cross-origin scripts only with crossorigin="anonymous" and CORS; otherwise the hash is empty).';
  if (group)
    return [
      hashes,
      "Integrity-Policy-Report-Only (Chromium 138+) reports every script loaded without SRI; like report-to it needs " +
        "your page and this endpoint on HTTPS, and it names the report-to group of Reporting-Endpoints.",
    ];
  return [
    hashes,
    `csp-hash and integrity-violation reports travel only through report-to, which needs HTTPS: this Cinch is reached ` +
      `at ${publicUrl}, so no script reports will arrive, and no Integrity-Policy-Report-Only header is offered.`,
  ];
}
