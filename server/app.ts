// createApp(deps) builds the Koa application; main.ts listens. Tests build apps on throwaway databases.
import Koa from "koa";
import Router from "@koa/router";
import type { AppDeps } from "./deps.ts";
import { errorMiddleware } from "./http/errors.ts";
import { securityHeaders } from "./http/headers.ts";
import { serveDashboard } from "./http/static.ts";
import { ingestRouter } from "./api/ingest.ts";
import { ApiRouter } from "./api/routes.ts";
import { projectRoutes } from "./api/projects.ts";
import { projectLifecycleRoutes } from "./api/project-lifecycle.ts";
import { violationRoutes } from "./api/violations.ts";
import { opsRouter } from "./api/ops.ts";
import { policyRoutes } from "./api/policy.ts";
import { sessionRoutes } from "./api/session.ts";
import { tokenRoutes } from "./api/tokens.ts";
import { alertRoutes } from "./api/alerts.ts";
import { triageRoutes } from "./api/triage.ts";
import { scriptRoutes } from "./api/scripts.ts";
import { requestLog } from "./http/log.ts";
import { rejectCrossSite } from "./http/csrf.ts";

export const WEB_DIST = new URL("../web/dist/", import.meta.url).pathname;

export type App = { koa: Koa; api: ApiRouter };

/** Build the application from its dependencies. */
export function createApp(
  deps: AppDeps,
  opts: { webDist?: string; selfReportUri?: string | null } = {},
): App {
  const { config, log, metrics } = deps;
  // maxIpsCount 1: behind a proxy, the client address is the last X-Forwarded-For entry (the one the proxy
  // wrote), not the first, which a client can put there itself to dodge per-address rate limits.
  const koa = new Koa({ proxy: config.TRUST_PROXY, maxIpsCount: 1 });
  koa.silent = true;

  koa.use(async (ctx, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? "other";
      metrics.requestSeconds.observe(
        { route, status: String(ctx.status) },
        (performance.now() - start) / 1000,
      );
    }
  });
  koa.use(requestLog(log));
  koa.use(errorMiddleware(log, deps.health));
  koa.use(
    securityHeaders({
      tls: () => Boolean(config.TLS_CERT_FILE) || config.publicUrl.startsWith("https://"),
      reportUri: () => opts.selfReportUri ?? null,
    }),
  );

  const ingest = ingestRouter(deps);
  koa.use(ingest.routes());

  const ops = opsRouter(deps);
  koa.use(ops.routes());

  const api = new ApiRouter(deps, config.API_BODY_LIMIT);
  sessionRoutes(api, deps);
  tokenRoutes(api, deps);
  projectRoutes(api, deps);
  projectLifecycleRoutes(api, deps);
  violationRoutes(api, deps);
  alertRoutes(api, deps);
  triageRoutes(api, deps);
  scriptRoutes(api, deps);
  const publicPolicy = policyRoutes(api, deps);
  koa.use(publicPolicy.routes());
  const crossSite = rejectCrossSite(config.publicUrl);
  // Lower-cased so that no spelling of /api skips the check (the API router is case-sensitive as well).
  koa.use((ctx, next) => (ctx.path.toLowerCase().startsWith("/api/") ? crossSite(ctx, next) : next()));
  koa.use(api.router.routes());
  koa.use(api.router.allowedMethods());

  koa.use(serveDashboard(opts.webDist ?? WEB_DIST));
  void Router;
  return { koa, api };
}
