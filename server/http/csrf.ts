// Cross-site request defenses for /api, beside the per-session CSRF token (auth.ts):
// - state-changing /api requests from another site are refused, judged by Sec-Fetch-Site (sent by every current
//   browser) and Origin (sent on every cross-origin POST/PUT/PATCH/DELETE). Clients that are not browsers send
//   neither and are unaffected.
// - sign-in and setup only accept `Content-Type: application/json`: a cross-site page can only send that through
//   a CORS preflight, which /api never grants (no Access-Control-Allow-Origin). With the Origin check this stops
//   login CSRF (an attacker signing the victim's browser into the attacker's account).
import type { Context, Next } from "koa";
import { forbidden, unsupportedType } from "./errors.ts";
import { SAFE_METHODS } from "./auth.ts";

/** Middleware for /api: refuse state-changing requests that a browser marks as coming from another site. */
export function rejectCrossSite(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!SAFE_METHODS.has(ctx.method)) {
      const site = ctx.get("Sec-Fetch-Site");
      if (site !== "" && site !== "same-origin" && site !== "none") {
        throw forbidden(
          "cross_site",
          `cross-site requests to the API are not allowed (Sec-Fetch-Site: ${site.slice(0, 20)})`,
        );
      }
      const origin = ctx.get("Origin");
      // Not ctx.origin: Koa 3 answers that from the Origin header itself.
      const own = `${ctx.protocol}://${ctx.host}`;
      if (origin !== "" && origin !== own && origin !== publicOrigin) {
        throw forbidden("cross_site", "cross-origin requests to the API are not allowed");
      }
    }
    await next();
  };
}

/** Throw 415 unless the request body is declared JSON (see the file header: it forces a CORS preflight). */
export function requireJsonBody(ctx: Context): void {
  if (ctx.is("application/json") !== "application/json") {
    throw unsupportedType("Content-Type must be application/json");
  }
}
