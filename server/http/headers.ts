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
  if (reportUri) parts.push(`report-uri ${reportUri}`);
  // Chromium ignores report-uri whenever report-to is present and delivers report-to only to HTTPS endpoints
  // (measured with Chromium 156): name the group only when the endpoint is HTTPS, or nothing would arrive.
  if (reportUri?.startsWith("https://")) parts.push("report-to cinch-self");
  return parts.join("; ");
}

/**
 * Middleware: the headers above on every dashboard and API response, errors included. HSTS when served over TLS
 * (directly, by PUBLIC_URL, or per a trusted proxy's X-Forwarded-Proto). No X-XSS-Protection: the filter it
 * controlled is gone from browsers and could itself be abused to blank pages; the CSP is the protection.
 * /api never carries Access-Control-Allow-Origin, whatever a handler set: the API is for same-origin use only.
 */
export function securityHeaders(opts: { tls: () => boolean; reportUri: () => string | null }) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } finally {
      ctx.remove("X-XSS-Protection");
      ctx.remove("X-Powered-By");
      if (!ctx.path.startsWith("/r/")) {
        const uri = opts.reportUri();
        ctx.set("Content-Security-Policy", dashboardCsp(uri));
        if (uri?.startsWith("https://")) ctx.set("Reporting-Endpoints", `cinch-self="${uri}"`);
        ctx.set("X-Content-Type-Options", "nosniff");
        ctx.set("Referrer-Policy", "strict-origin-when-cross-origin");
        ctx.set("X-Frame-Options", "DENY");
        ctx.set("Cross-Origin-Opener-Policy", "same-origin");
        ctx.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
        if (opts.tls() || ctx.secure)
          ctx.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        if (ctx.path.startsWith("/api/")) {
          ctx.set("Cache-Control", "no-store");
          ctx.set("Cross-Origin-Resource-Policy", "same-origin");
          ctx.remove("Access-Control-Allow-Origin");
          ctx.remove("Access-Control-Allow-Credentials");
        }
      } else {
        ctx.set("X-Content-Type-Options", "nosniff");
      }
    }
  };
}
