// Structured logs (pino) that never carry credentials: authorization headers, cookies, passwords, tokens, report
// and policy keys in paths and query strings are redacted, and the request line records the path only.
import pino, { type DestinationStream, type Logger } from "pino";
import type { Context, Next } from "koa";

/** Keys whose values never reach a log line, at the top level and one or two levels down. */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-csrf-token",
  "password",
  "passwordHash",
  "token",
  "csrfToken",
  "secret",
  "sessionId",
  "SESSION_SECRET",
  "CINCH_ADMIN_PASSWORD",
  "METRICS_TOKEN",
  "query",
  "querystring",
];
const PATHS = SECRET_KEYS.flatMap((k) => {
  const key = /^\w+$/.test(k) ? k : `["${k}"]`;
  const child = key.startsWith("[") ? key : `.${key}`;
  return [key, `*${child}`, `*.*${child}`, `*.*.*${child}`];
});

/**
 * Strip the query string and the key of /r/<key> and /p/<key>/... from anything that looks like a URL field. The
 * public policy key lets its holder read the enforced policy; the report key is in every page's CSP header, but a
 * log reader who has it can fill the project with reports, so it is treated as a semi-secret too. Either prefix in
 * any case: the ingest and policy routers match case-insensitively.
 */
export const redactUrl = (s: string): string =>
  s.replace(/\?.*$/s, "").replace(/^\/([rp])\/[^/]+/i, (_m, p: string) => `/${p}/[redacted]`);

/** The logger: structured JSON with the redactions above. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts: pino.LoggerOptions = {
    level,
    redact: { paths: PATHS, censor: "[redacted]" },
    formatters: {
      log(obj) {
        for (const k of ["url", "path", "originalUrl"]) {
          const v = obj[k];
          if (typeof v === "string") obj[k] = redactUrl(v);
        }
        return obj;
      },
    },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/**
 * One info line per request: method, path (never the query string), status, duration. Accepted ingest reports
 * log at debug: at thousands of reports a second they would drown everything else.
 */
export function requestLog(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const line = {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round((performance.now() - start) * 10) / 10,
      };
      if (ctx.path.startsWith("/r/") && ctx.status < 400) log.debug(line, "request");
      else log.info(line, "request");
    }
  };
}
