// createApp(deps) builds the Koa application; main.ts listens. Tests build apps on throwaway databases.
import type { IncomingMessage, ServerResponse } from "node:http";
import Koa from "koa";
import Router from "@koa/router";
import type { AppDeps } from "./deps.ts";
import { errorMiddleware } from "./http/errors.ts";
import { securityHeaders } from "./http/headers.ts";
import { serveDashboard } from "./http/static.ts";
import { createIngest, ingestKeyOf, quickIngestTarget, type Ingest } from "./api/ingest.ts";
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

/**
 * Koa whose request handler (`callback()`, what every server and test listens with) sends POST and OPTIONS to
 * /r/<key> straight to ingest, before Koa builds a context: at thousands of reports a second Koa's context, the
 * middleware chain and koa-body cost a third of ingest's CPU (#17). Ingest gives its own answers the error format,
 * metric and log line the middleware below gives every other route.
 */
class CinchKoa extends Koa {
  ingest: Ingest | null = null;

  override callback(): ReturnType<Koa["callback"]> {
    const koa = super.callback();
    const ingest = this.ingest;
    if (ingest === null) return koa;
    // Cinch serves HTTP/1.1 (server.ts: node:http or node:https), so the request is an IncomingMessage.
    return (req, res) => {
      const target = quickIngestTarget(req as IncomingMessage);
      return target
        ? ingest.serve(req as IncomingMessage, res as ServerResponse, target.key, target.path)
        : koa(req, res);
    };
  }
}

/** Build the application from its dependencies. */
export function createApp(
  deps: AppDeps,
  opts: {
    webDist?: string;
    selfReportUri?: string | null;
    /** The policy worker's module (tests start one that fails on purpose). */
    policyWorkerEntry?: URL;
  } = {},
): App {
  const { config, log, metrics } = deps;
  // maxIpsCount 1: behind a proxy, the client address is the last X-Forwarded-For entry (the one the proxy
  // wrote), not the first, which a client can put there itself to dodge per-address rate limits.
  const koa = new CinchKoa({ proxy: config.TRUST_PROXY, maxIpsCount: 1 });
  koa.silent = true;
  const ingest = createIngest(deps);
  koa.ingest = ingest;
  // Ingest requests the quick check in callback() left to Koa (an absolute-form target, a fragment or whitespace in
  // the target) reach the same handler here, by Koa's parsed path, ahead of the middleware only other routes need.
  koa.use((ctx, next) => {
    if (ctx.method !== "POST" && ctx.method !== "OPTIONS") return next();
    const key = ingestKeyOf(ctx.path);
    if (key === null) return next();
    ctx.respond = false;
    return ingest.serve(ctx.req, ctx.res, key, ctx.path);
  });

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
  // Any other method on an ingest path: 405 naming the two it takes (what the ingest router answered).
  koa.use((ctx, next) => {
    if (ingestKeyOf(ctx.path) === null) return next();
    ctx.status = 405;
    ctx.set("Allow", "OPTIONS, POST");
    return undefined;
  });

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
  const publicPolicy = policyRoutes(api, deps, { workerEntry: opts.policyWorkerEntry });
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
