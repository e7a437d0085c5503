// Route table for /api: every route is declared with the scope it needs, so auth cannot be forgotten and the
// auth-boundary test can enumerate them all.
import Router from "@koa/router";
import type { Context } from "koa";
import { requireScope } from "../http/auth.ts";
import type { Scope, TokenStore } from "../store/tokens.ts";

export type Method = "get" | "post" | "patch" | "put" | "delete";
export type RouteInfo = { method: Method; path: string; scope: Scope };
type Handler = (ctx: Context) => Promise<void> | void;

/** A router wrapper whose only way to add a route requires a scope. */
export class ApiRouter {
  readonly router = new Router({ prefix: "/api" });
  readonly routes: RouteInfo[] = [];
  constructor(private readonly tokens: TokenStore) {}

  add(method: Method, path: string, scope: Scope, handler: Handler): void {
    this.routes.push({ method, path: `/api${path}`, scope });
    this.router[method](path, requireScope(this.tokens, scope), async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      await handler(ctx);
    });
  }
}
