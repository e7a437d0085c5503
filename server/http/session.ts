// The session cookie: HttpOnly, SameSite=Strict, Path=/, and over TLS (directly, or a trusted proxy's
// X-Forwarded-Proto) Secure with the __Host- prefix, which browsers only accept from a secure origin for the
// whole host — so a sibling subdomain or a plain-HTTP response cannot plant or shadow it.
import type { Context } from "koa";

export const COOKIE = "cinch_session";
export const SECURE_COOKIE = "__Host-cinch_session";

const nameFor = (ctx: Context): string => (ctx.secure ? SECURE_COOKIE : COOKIE);

/** The session id the request carries, if any (the cookie matching this request's scheme). */
export function readSessionCookie(ctx: Context): string | null {
  const name = nameFor(ctx);
  for (const part of ctx.get("Cookie").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function cookie(ctx: Context, value: string, maxAgeSeconds: number): string {
  const attrs = [
    `${nameFor(ctx)}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${maxAgeSeconds}`,
  ];
  if (ctx.secure) attrs.push("Secure");
  return attrs.join("; ");
}

/** Give the browser its session id until the session's absolute expiry (idle expiry is enforced server-side). */
export function setSessionCookie(ctx: Context, id: string, expiresAt: Date): void {
  ctx.append(
    "Set-Cookie",
    cookie(ctx, id, Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))),
  );
}

/** Tell the browser to forget its session id. */
export function clearSessionCookie(ctx: Context): void {
  ctx.append("Set-Cookie", cookie(ctx, "", 0));
}
