// Route table for /api: every route is declared with the scope it needs, or explicitly as public, so auth cannot
// be forgotten and the auth-boundary test can enumerate them all.
import Router from "@koa/router";
import type { Context } from "koa";
import { requireScope, type AuthSources } from "../http/auth.ts";
import type { Scope } from "../store/tokens.ts";

export type Method = "get" | "post" | "patch" | "put" | "delete";
/** "public": reachable without credentials; test/security/authz.test.ts lists every such route by name. */
export type RouteInfo = { method: Method; path: string; scope: Scope | "public" };
type Handler = (ctx: Context) => Promise<void> | void;

/** A router wrapper whose only ways to add a route name a scope or declare the route public. */
export class ApiRouter {
  readonly router = new Router({ prefix: "/api" });
  readonly routes: RouteInfo[] = [];
  constructor(private readonly auth: AuthSources) {}

  add(method: Method, path: string, scope: Scope, handler: Handler): void {
    this.routes.push({ method, path: `/api${path}`, scope });
    this.router[method](path, requireScope(this.auth, scope), async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      await handler(ctx);
    });
  }

  /** A route without an auth check (sign-in, first-run setup). Keep these few, and list them in the test. */
  addPublic(method: Method, path: string, handler: Handler): void {
    this.routes.push({ method, path: `/api${path}`, scope: "public" });
    this.router[method](path, async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      await handler(ctx);
    });
  }
}
