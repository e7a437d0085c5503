// Authentication and authorization for /api: a bearer token with its scope (read < write < admin), or the
// dashboard's session cookie (a signed-in admin has scope admin) plus, on state-changing requests, the
// session's CSRF token in X-CSRF-Token.
import type { Context, Next } from "koa";
import { sameSecret } from "../accounts/compare.ts";
import { forbidden, unauthorized } from "./errors.ts";
import { clearSessionCookie, readSessionCookie } from "./session.ts";
import { scopeCovers, type Scope, type TokenStore } from "../store/tokens.ts";
import type { SessionStore } from "../store/sessions.ts";

export type TokenPrincipal = { kind: "token"; id: string; name: string; scope: Scope };
export type SessionPrincipal = {
  kind: "session";
  userId: string;
  email: string;
  scope: Scope;
  /** The session id as the cookie carries it (to revoke this session). */
  sessionId: string;
  csrfToken: string;
};
export type Principal = TokenPrincipal | SessionPrincipal;

/** Where credentials are checked: AppDeps satisfies this. */
export type AuthSources = { tokens: TokenStore; sessions: SessionStore };

export const CSRF_HEADER = "X-CSRF-Token";

/** Methods that change nothing (RFC 9110 §9.2.1) need no CSRF token. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Who is calling. An Authorization header, when present, is the only credential considered (a wrong token is
 * a 401 even with a valid cookie); otherwise the session cookie.
 */
export async function authenticate(ctx: Context, src: AuthSources): Promise<Principal | null> {
  const header = ctx.get("Authorization");
  if (header !== "") {
    const m = /^Bearer ([A-Za-z0-9_\-.~+/=]{10,200})$/.exec(header);
    if (!m?.[1]) return null;
    const info = await src.tokens.verify(m[1]);
    return info ? { kind: "token", id: info.id, name: info.name, scope: info.scope } : null;
  }
  const sessionId = readSessionCookie(ctx);
  if (sessionId === null) return null;
  const s = await src.sessions.resolve(sessionId);
  if (!s) {
    clearSessionCookie(ctx);
    return null;
  }
  return {
    kind: "session",
    userId: s.userId,
    email: s.email,
    scope: "admin",
    sessionId,
    csrfToken: s.csrfToken,
  };
}

/** Throw 403 unless a cookie-authenticated state-changing request carries its session's CSRF token. */
export function checkCsrf(ctx: Context, principal: Principal): void {
  if (principal.kind !== "session" || SAFE_METHODS.has(ctx.method)) return;
  if (!sameSecret(ctx.get(CSRF_HEADER), principal.csrfToken)) {
    throw forbidden("csrf_failed", `${CSRF_HEADER} header is missing or does not match the session`);
  }
}

/** Middleware: require a principal whose scope covers `scope`; sets ctx.state.principal. */
export function requireScope(src: AuthSources, scope: Scope) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const principal = await authenticate(ctx, src);
    if (!principal) {
      ctx.set("WWW-Authenticate", 'Bearer realm="cinch"');
      throw unauthorized();
    }
    checkCsrf(ctx, principal);
    if (!scopeCovers(principal.scope, scope)) {
      throw forbidden("insufficient_scope", `this action needs the "${scope}" scope`);
    }
    ctx.state.principal = principal;
    await next();
  };
}
