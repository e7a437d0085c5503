// Route table for /api: every route is declared with the scope it needs, or explicitly as public, so auth cannot
// be forgotten and the auth-boundary test can enumerate them all.
import Router from "@koa/router";
import type { Context, Middleware } from "koa";
import { requireScope, type AuthSources } from "../http/auth.ts";
import { apiBody } from "../http/limits.ts";
import type { Scope } from "../store/tokens.ts";

export type Method = "get" | "post" | "patch" | "put" | "delete";
/** "public": reachable without credentials; test/security/authz.test.ts lists every such route by name. */
export type RouteInfo = { method: Method; path: string; scope: Scope | "public" };
type Handler = (ctx: Context) => Promise<void> | void;

/**
 * A router wrapper whose only ways to add a route name a scope or declare the route public. Case-sensitive: the
 * guards in app.ts test the lower-case `/api/` prefix, and `/API/...` matching here would route around them.
 * The body is parsed after the auth check (a bad Content-Encoding from an anonymous caller costs a 401, no inflate).
 */
export class ApiRouter {
  readonly router = new Router({ prefix: "/api", sensitive: true });
  readonly routes: RouteInfo[] = [];
  private readonly body: Middleware;
  constructor(
    private readonly auth: AuthSources,
    bodyLimit = 256 * 1024,
  ) {
    this.body = apiBody(bodyLimit);
  }

  add(method: Method, path: string, scope: Scope, handler: Handler): void {
    this.routes.push({ method, path: `/api${path}`, scope });
    this.router[method](path, requireScope(this.auth, scope), this.body, async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      await handler(ctx);
    });
  }

  /** A route without an auth check (sign-in, first-run setup). Keep these few, and list them in the test. */
  addPublic(method: Method, path: string, handler: Handler): void {
    this.routes.push({ method, path: `/api${path}`, scope: "public" });
    this.router[method](path, this.body, async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      await handler(ctx);
    });
  }
}
