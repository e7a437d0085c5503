// Security headers on every dashboard and API response (the ingest route keeps its open CORS).
import type { Context, Next } from "koa";

/** Cinch's own CSP: no inline code, no eval; reports go to Cinch's built-in project. */
export function dashboardCsp(reportUri: string | null): string {
  const parts = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ];
  if (reportUri) parts.push(`report-uri ${reportUri}`, "report-to cinch-self");
  return parts.join("; ");
}

export function securityHeaders(opts: { tls: () => boolean; reportUri: () => string | null }) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } finally {
      if (!ctx.path.startsWith("/r/")) {
        const uri = opts.reportUri();
        ctx.set("Content-Security-Policy", dashboardCsp(uri));
        if (uri) ctx.set("Reporting-Endpoints", `cinch-self="${uri}"`);
        ctx.set("X-Content-Type-Options", "nosniff");
        ctx.set("Referrer-Policy", "strict-origin-when-cross-origin");
        ctx.set("X-Frame-Options", "DENY");
        ctx.set("Cross-Origin-Opener-Policy", "same-origin");
        if (opts.tls()) ctx.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        if (ctx.path.startsWith("/api/")) ctx.set("Cache-Control", "no-store");
      } else {
        ctx.set("X-Content-Type-Options", "nosniff");
      }
    }
  };
}
