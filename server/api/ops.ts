// /healthz (storage state and database check) and /metrics (Prometheus; bearer-protected when METRICS_TOKEN is set).
import Router from "@koa/router";
import { sameSecret } from "../accounts/compare.ts";
import type { AppDeps } from "../deps.ts";
import { HttpError, unauthorized, unavailable } from "../http/errors.ts";
import { ping } from "../store/db.ts";

export function opsRouter(deps: AppDeps): Router {
  const router = new Router({ sensitive: true });
  router.get("/healthz", async (ctx) => {
    ctx.set("Cache-Control", "no-store");
    // A failed state is re-checked here (the probe also runs on its own timer), so recovery shows at once.
    if (!(await deps.health.check())) {
      const f = deps.health.state!;
      throw unavailable(
        "storage_unavailable",
        `storage is unavailable since ${new Date(f.since).toISOString()}: ${f.reason} (${f.code})`,
        5,
      );
    }
    try {
      await ping(deps.db);
    } catch (err) {
      // A lost database is a storage failure: recorded, so the probe runs and ingest answers 503 until it is back.
      deps.health.markFailure(err);
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
