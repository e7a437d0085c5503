// /healthz (database check) and /metrics (Prometheus; bearer-protected when METRICS_TOKEN is set).
import Router from "@koa/router";
import { sameSecret } from "../accounts/compare.ts";
import type { AppDeps } from "../deps.ts";
import { HttpError, unauthorized } from "../http/errors.ts";

export function opsRouter(deps: AppDeps): Router {
  const router = new Router({ sensitive: true });
  router.get("/healthz", (ctx) => {
    try {
      deps.db.raw.prepare("SELECT 1").get();
    } catch {
      throw new HttpError(503, "database_unavailable", "the database does not answer");
    }
    ctx.set("Cache-Control", "no-store");
    ctx.body = { status: "ok", queueDepth: deps.writer.depth };
  });
  router.get("/metrics", async (ctx) => {
    const token = deps.config.METRICS_TOKEN;
    if (token !== undefined && !sameSecret(ctx.get("Authorization"), `Bearer ${token}`)) {
      ctx.set("WWW-Authenticate", 'Bearer realm="metrics"');
      throw unauthorized();
    }
    deps.metrics.queueDepth.set(deps.writer.depth);
    ctx.set("Content-Type", deps.metrics.registry.contentType);
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
