// The demo site: a shop (HTTPS, plus a plain-HTTP twin), a "CDN", an API, an ad server and a payment provider,
// each its own Koa app on its own origin. Every page carries what its policy source answers (Cinch's deployed
// versions, or the starter), reporting to Cinch.
import { createServer as createHttp, type Server } from "node:http";
import { createServer as createHttps } from "node:https";
import Koa from "koa";
import type { Context } from "koa";
import { demoFont } from "./font.ts";
import {
  describeServed,
  headersForPage,
  starterServed,
  type PolicySource,
  type Served,
} from "./policy-source.ts";
import {
  ADS_JS,
  CDN_LIB_JS,
  PAY_JS,
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

/** What the shop's pages contain; changeable while running (the shop's own demo controls, the e2e test). */
export type DemoState = {
  /**
   * The second turn: the shop ships a payment widget, a script from an origin no policy lists yet (legitimate:
   * the shop's own team added it).
   */
  payments?: boolean;
  /** An injected third-party script from the ad server (an ad injector's or a skimmer's stand-in): unwanted. */
  extraScript?: boolean;
};

export type DemoOptions = DemoState & {
  /** Cinch's report URL for the project: the starter reports there. */
  cinchReportUri: string;
  /**
   * Where each page's policy comes from, asked on every page request: Cinch's public pipeline URL
   * (pipelineSource, ./policy-source.ts). Default: the starter, report-only, reporting to `cinchReportUri`.
   */
  policy?: PolicySource;
  /** HTTPS certificate for every server; null serves plain HTTP (report-uri only). */
  tls: { cert: Buffer | string; key: Buffer | string } | null;
  site?: Listen;
  /** A plain-HTTP twin of the shop (same pages): its policy carries report-uri only. Off when omitted. */
  httpSite?: Listen;
  cdn?: Listen;
  api?: Listen;
  ads?: Listen;
  /** The payment provider of the second turn. */
  pay?: Listen;
};

export type Demo = {
  /** The shop's URL (HTTPS unless tls is null). */
  url: string;
  /** The plain-HTTP twin's URL, when started. */
  httpUrl: string | null;
  origins: DemoOrigins;
  /** Add or remove the payment widget or the injected script for the next responses. */
  set(state: DemoState): void;
  /** What the pages are served with now: the policy source's answer. */
  served(): Promise<Served>;
  /** The headers a page on the HTTPS (or only) origin gets now, Reporting-Endpoints included. */
  headers(secure?: boolean): Promise<Record<string, string>>;
  stop(): Promise<void>;
};

/** Defaults of `npm run demo`: the shop on 127.0.0.1, third parties on other loopback addresses. */
export const DEMO_DEFAULTS = {
  site: { host: "127.0.0.1", port: 8788 },
  httpSite: { host: "127.0.0.1", port: 8789 },
  cdn: { host: "127.0.0.2", port: 8788 },
  api: { host: "127.0.0.2", port: 8789 },
  ads: { host: "127.0.0.3", port: 8788 },
  pay: { host: "127.0.0.3", port: 8789 },
} as const satisfies Record<string, Listen>;

/** The shop's demo controls: `/demo/set?payments=on&injected=off` (GET, so a plain link on the page does it). */
const SWITCHES = { payments: "payments", injected: "extraScript" } as const satisfies Record<
  string,
  keyof DemoState
>;

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

function staticApp(routes: Record<string, (ctx: Context) => unknown>, cors: boolean): Koa {
  const app = new Koa();
  app.use(async (ctx) => {
    const route = Object.hasOwn(routes, ctx.path) ? routes[ctx.path] : undefined;
    if (ctx.method !== "GET" || !route) {
      ctx.status = 404;
      return;
    }
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Cache-Control", "no-store");
    // Fonts and fetches across origins need CORS; scripts, frames and images do not.
    if (cors) ctx.set("Access-Control-Allow-Origin", "*");
    await route(ctx);
  });
  return app;
}

/** Start the demo: shop, optional HTTP twin, CDN, API, ad server and payment provider. */
export async function createDemo(options: DemoOptions): Promise<Demo> {
  const state: Required<DemoState> = {
    payments: options.payments ?? false,
    extraScript: options.extraScript ?? false,
  };
  const source: PolicySource =
    options.policy ?? (() => Promise.resolve(starterServed(options.cinchReportUri)));
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
    const pay = await start(
      staticApp({ "/checkout.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = PAY_JS)) }, false),
      options.pay ?? DEMO_DEFAULTS.pay,
    );
    const origins: DemoOrigins = { site: "", cdn, api, ads, pay };

    const headers = async (secure = options.tls !== null) => headersForPage(await source(), secure);
    const shop = (secure: boolean): Koa => {
      const pages: Record<string, (ctx: Context) => unknown> = {
        "/app.css": (ctx) => ((ctx.type = "text/css"), (ctx.body = appCss(origins))),
        "/app.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = appJs(origins))),
        "/worker.js": (ctx) => ((ctx.type = "text/javascript"), (ctx.body = WORKER_JS)),
        "/favicon.ico": (ctx) => (ctx.status = 204),
        "/demo/set": (ctx) => {
          for (const [param, key] of Object.entries(SWITCHES)) {
            const v = ctx.query[param];
            if (v === "on" || v === "off") state[key] = v === "on";
          }
          ctx.redirect("/");
        },
      };
      for (const path of Object.keys(DEMO_PAGES)) {
        pages[path] = async (ctx) => {
          const served = await source();
          ctx.set(headersForPage(served, secure));
          ctx.type = "text/html; charset=utf-8";
          ctx.body = pageHtml(path, origins, { mode: describeServed(served), ...state });
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
      served: source,
      headers,
      set(next) {
        if (next.payments !== undefined) state.payments = next.payments;
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
