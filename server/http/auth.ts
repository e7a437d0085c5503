// Authentication and authorization for /api: bearer tokens with scopes (read < write < admin).
import type { Context, Next } from "koa";
import { forbidden, unauthorized } from "./errors.ts";
import { scopeCovers, type Scope, type TokenStore } from "../store/tokens.ts";

export type Principal = { kind: "token"; id: string; name: string; scope: Scope };

/** Middleware: require a principal whose scope covers `scope`; sets ctx.state.principal. */
export function requireScope(tokens: TokenStore, scope: Scope) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const principal = await authenticate(ctx, tokens);
    if (!principal) {
      ctx.set("WWW-Authenticate", 'Bearer realm="cinch"');
      throw unauthorized();
    }
    if (!scopeCovers(principal.scope, scope)) {
      throw forbidden("insufficient_scope", `this action needs the "${scope}" scope`);
    }
    ctx.state.principal = principal;
    await next();
  };
}

async function authenticate(ctx: Context, tokens: TokenStore): Promise<Principal | null> {
  const header = ctx.get("Authorization");
  const m = /^Bearer ([A-Za-z0-9_\-.~+/=]{10,200})$/.exec(header);
  if (!m?.[1]) return null;
  const info = await tokens.verify(m[1]);
  return info ? { kind: "token", id: info.id, name: info.name, scope: info.scope } : null;
}
