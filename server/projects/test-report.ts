// "Send a test report" (#16): a real report, POSTed to the project's public report URI as a browser would, so its
// arrival proves the whole path (DNS, TLS, proxy, ingest, storage) works. Its blocked URL is on TEST_REPORT_HOST,
// which ingest classifies as noise "test-report": stored and shown, kept out of the builder and alerts.
import { randomBytes } from "node:crypto";
import { TEST_REPORT_HOST } from "../reports/noise.ts";

/** How long the dashboard waits for the endpoint: a browser's report POST is not retried sooner either. */
export const TEST_REPORT_TIMEOUT_MS = 10_000;

export type TestReport = { blockedUrl: string; body: string };

/**
 * A legacy `application/csp-report` body for the page `documentUrl` (an allowed origin's, so the origin check lets
 * it in). Without `original-policy`: the policy-drift check (#14) must not take a test for a deployed policy.
 */
export function testReport(documentUrl: string): TestReport {
  const blockedUrl = `https://${TEST_REPORT_HOST}/${randomBytes(8).toString("hex")}.js`;
  const body = JSON.stringify({
    "csp-report": {
      "document-uri": documentUrl,
      "blocked-uri": blockedUrl,
      "effective-directive": "script-src-elem",
      "violated-directive": "script-src-elem",
      disposition: "report",
      "status-code": 200,
    },
  });
  return { blockedUrl, body };
}

export type SendResult = { status: number | null; error: string | null; elapsedMs: number };

/** POST the report to the URI; never throws (an unreachable endpoint is an answer: status null and why). */
export async function sendTestReport(
  uri: string,
  report: TestReport,
  timeoutMs = TEST_REPORT_TIMEOUT_MS,
): Promise<SendResult> {
  const t0 = performance.now();
  try {
    const res = await fetch(uri, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report", "User-Agent": "Cinch test report" },
      body: report.body,
      // The report URI is the instance's own (PUBLIC_URL): a redirect there is a misconfiguration to report,
      // as browsers do not follow redirects of report POSTs either.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, error: null, elapsedMs: Math.round(performance.now() - t0) };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : "";
    const what =
      err instanceof Error ? (err.name === "TimeoutError" ? "no answer in time" : err.message) : "";
    return {
      status: null,
      error: [what, cause].filter(Boolean).join(": ").slice(0, 200),
      elapsedMs: Math.round(performance.now() - t0),
    };
  }
}

/** The answer's sentence, from what was sent and whether it was found stored. */
export function testReportMessage(uri: string, r: SendResult, stored: boolean): string {
  if (r.status === null) {
    return `Could not reach ${uri} (${r.error ?? "no answer"}). Check that PUBLIC_URL is the address browsers use and that this server can reach it.`;
  }
  if (r.status >= 300 && r.status < 400) {
    return `${uri} answered ${r.status} (a redirect): browsers do not follow redirects when sending reports. Point PUBLIC_URL at the address that serves Cinch.`;
  }
  if (r.status >= 400) {
    return `${uri} refused the report with HTTP ${r.status}. See the project's refused reports for the reason.`;
  }
  if (!stored) {
    return `${uri} answered ${r.status} but the report is not stored: another server may be answering at that address, or the project's sample rate dropped it.`;
  }
  return `The test report arrived in ${r.elapsedMs} ms and is stored as noise "test-report": shown in Violations with noise included, never in the policy or alerts.`;
}
