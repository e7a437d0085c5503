// The strict starter policy a project deploys report-only before any reports exist (csper-style).

/** Where a policy reports to: a report-uri URL and/or a Reporting API group name (report-to). */
export type ReportingTarget = { reportUri?: string; reportToGroup?: string };

/**
 * A strict starter: everything same-origin, no plugins, no inline code, and 'report-sample' so inline
 * violations carry the first 40 characters of the code (CSP3 §5.3) for hashes.
 */
export function starterPolicy(target: ReportingTarget = {}): string {
  const parts = [
    "default-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
    "script-src 'self' 'report-sample'",
    "style-src 'self' 'report-sample'",
  ];
  if (target.reportUri) parts.push(`report-uri ${target.reportUri}`);
  if (target.reportToGroup) parts.push(`report-to ${target.reportToGroup}`);
  return parts.join("; ");
}
