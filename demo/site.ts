// The demo site: a shop (HTTPS, plus a plain-HTTP twin), a "CDN", an API and an ad server, each its own Koa
// app on its own origin, serving a CSP (report-only or enforced) that reports to Cinch.
import { createServer as createHttp, type Server } from "node:http";
import { createServer as createHttps } from "node:https";
import Koa from "koa";
import type { Context } from "koa";
import { parsePolicy, serializePolicy } from "../server/policy/csp.ts";
import { starterPolicy } from "../server/policy/starter.ts";
import { REPORT_TO_GROUP } from "../server/projects/install.ts";
import { demoFont } from "./font.ts";
import {
  ADS_JS,
  CDN_LIB_JS,
  DEMO_PAGES,
  WORKER_JS,
  appCss,
  appJs,
  pageHtml,
  widgetHtml,
  type DemoOrigins,
} from "./pages.ts";

/** Where one of the demo's servers listens, and the host name its URLs use (e.g. cdn.localhost). */
export type Listen = { host: string; port: number; name?: string };

/** What the shop serves; changeable while running (the e2e test switches policies between visits). */
export type DemoState = {
  /** The CSP; default: Cinch's starter reporting to `cinchReportUri`. */
  policy?: string;
  /** Content-Security-Policy (true) or Content-Security-Policy-Report-Only (false, default). */
  enforce?: boolean;
  /** Add a third-party script from the ad server that no report has ever shown. */
  extraScript?: boolean;
};

export type DemoOptions = DemoState & {
  /** Cinch's report URL for the project (report-uri, and the Reporting-Endpoints URL). */
  cinchReportUri: string;
  /** HTTPS certificate for every server; null serves plain HTTP (report-uri only). */
  tls: { cert: Buffer | string; key: Buffer | string } | null;
  site?: Listen;
  /** A plain-HTTP twin of the shop (same pages): its policy carries report-uri only. Off when omitted. */
  httpSite?: Listen;
  cdn?: Listen;
  api?: Listen;
  ads?: Listen;
};

export type Demo = {
  /** The shop's URL (HTTPS unless tls is null). */
  url: string;
  /** The plain-HTTP twin's URL, when started. */
  httpUrl: string | null;
  origins: DemoOrigins;
  /** Change the policy, mode or extra script for the next responses. */
  set(state: DemoState): void;
  /** The header name and value the shop sends on its HTTPS (or only) origin, and Reporting-Endpoints. */
  headers(secure?: boolean): Record<string, string>;
  stop(): Promise<void>;
};

/** Defaults of `npm run demo`: the shop on 127.0.0.1, third parties on other loopback addresses. */
export const DEMO_DEFAULTS = {
  site: { host: "127.0.0.1", port: 8788 },
  httpSite: { host: "127.0.0.1", port: 8789 },
  cdn: { host: "127.0.0.2", port: 8788 },
  api: { host: "127.0.0.2", port: 8789 },
  ads: { host: "127.0.0.3", port: 8788 },
} as const satisfies Record<string, Listen>;

/**
 * The policy a page gets. Chromium (156, measured) ignores report-uri whenever the policy names a report-to
 * group, and delivers report-to only when the page and the endpoint are both HTTPS; so on a plain-HTTP page,
 * or when the endpoint is not HTTPS, report-to is dropped and report-uri does the reporting.
 */
export function policyForPage(
  policy: string,
  pageIsHttps: boolean,
): { policy: string; reportTo: string | null; endpoint: string | null } {
  const p = parsePolicy(policy);
  const endpoint = p.directives.find((d) => d.name === "report-uri")?.values[0] ?? null;
  const group = p.directives.find((d) => d.name === "report-to")?.values[0] ?? null;
  if (group && pageIsHttps && endpoint?.startsWith("https://")) return { policy, reportTo: group, endpoint };
  p.directives = p.directives.filter((d) => d.name !== "report-to");
  return { policy: serializePolicy(p), reportTo: null, endpoint };
}

async function listen(app: Koa, at: Listen, tls: DemoOptions["tls"]) {
  const cb = app.callback();
  const server: Server = tls
    ? (createHttps({ cert: tls.cert, key: tls.key }, cb) as unknown as Server)
    : createHttp(cb);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : at.port;
  const host = at.name ?? (at.host.includes(":") ? `[${at.host}]` : at.host);
  return { server, url: `${tls ? "https" : "http"}://${host}:${port}` };
}

function staticApp(routes: Record<string, (ctx: Context) => void>, cors: boolean): Koa {
  const app = new Koa();
  app.use(async (ctx) => {
    const route = routes[ctx.path];
    if (ctx.method !== "GET" || !route) {
      ctx.status = 404;
      return;
    }
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Cache-Control", "no-store");
    // Fonts and fetches across origins need CORS; scripts, frames and images do not.
    if (cors) ctx.set("Access-Control-Allow-Origin", "*");
    route(ctx);
  });
  return app;
}

/** Start the demo: shop, optional HTTP twin, CDN, API and ad server. */
export async function createDemo(options: DemoOptions): Promise<Demo> {
  const state: Required<DemoState> = {
    policy:
      options.policy ?? starterPolicy({ reportUri: options.cinchReportUri, reportToGroup: REPORT_TO_GROUP }),
    enforce: options.enforce ?? false,
    extraScript: options.extraScript ?? false,
  };
  const servers: Server[] = [];
  const start = async (app: Koa, at: Listen, tls = options.tls) => {
    const s = await listen(app, at, tls);
    servers.push(s.server);
    return s.url;
  };
  try {
    const font = demoFont();
    const cdn = await start(
      staticApp(
        {
          "/lib.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = CDN_LIB_JS)),
          "/font.ttf": (ctx) => ((ctx.type = "font/ttf"), (ctx.body = font)),
          "/widget.html": (ctx) => ((ctx.type = "text/html; charset=utf-8"), (ctx.body = widgetHtml())),
        },
        true,
      ),
      options.cdn ?? DEMO_DEFAULTS.cdn,
    );
    const api = await start(
      staticApp({ "/api/hello": (ctx) => (ctx.body = { hello: "world" }) }, true),
      options.api ?? DEMO_DEFAULTS.api,
    );
    const ads = await start(
      staticApp({ "/track.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = ADS_JS)) }, false),
      options.ads ?? DEMO_DEFAULTS.ads,
    );
    const origins: DemoOrigins = { site: "", cdn, api, ads };

    const headers = (secure = options.tls !== null): Record<string, string> => {
      const p = policyForPage(state.policy, secure);
      const out: Record<string, string> = {
        [state.enforce ? "Content-Security-Policy" : "Content-Security-Policy-Report-Only"]: p.policy,
      };
      if (p.reportTo && p.endpoint) out["Reporting-Endpoints"] = `${p.reportTo}="${p.endpoint}"`;
      return out;
    };
    const shop = (secure: boolean): Koa => {
      const pages: Record<string, (ctx: Context) => void> = {
        "/app.css": (ctx) => ((ctx.type = "text/css"), (ctx.body = appCss(origins))),
        "/app.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = appJs(origins))),
        "/worker.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = WORKER_JS)),
        "/favicon.ico": (ctx) => (ctx.status = 204),
      };
      for (const path of Object.keys(DEMO_PAGES)) {
        pages[path] = (ctx) => {
          const h = headers(secure);
          ctx.set(h);
          ctx.type = "text/html; charset=utf-8";
          const mode = state.enforce ? "Content-Security-Policy" : "Content-Security-Policy-Report-Only";
          ctx.body = pageHtml(path, origins, { mode, extraScript: state.extraScript });
        };
      }
      return staticApp(pages, false);
    };
    const url = await start(shop(options.tls !== null), options.site ?? DEMO_DEFAULTS.site);
    origins.site = url;
    const httpUrl = options.httpSite ? await start(shop(false), options.httpSite, null) : null;
    return {
      url,
      httpUrl,
      origins,
      headers,
      set(next) {
        if (next.policy !== undefined) state.policy = next.policy;
        if (next.enforce !== undefined) state.enforce = next.enforce;
        if (next.extraScript !== undefined) state.extraScript = next.extraScript;
      },
      stop: () => stopAll(servers),
    };
  } catch (err) {
    await stopAll(servers);
    throw err;
  }
}

async function stopAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
}
