// POST /r/:reportKey — the public, attacker-reachable ingest endpoint. Order of checks: cheap ones first
// (content type, key, rate limits), then the bounded body read, the pure parser, project rules, the writer.
// Served on the Node request itself, ahead of Koa and its middleware (app.ts): at thousands of requests a second
// Koa's context, middleware chain and koa-body were a third of ingest's CPU (#17). It therefore does here what
// the middleware does for every other route: the error answer, the request metric and the request log line.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import { BodyReadError, encodingProblem, readIngestBody } from "./ingest-body.ts";
import { parseReportBody, mediaTypeOf, REPORT_MEDIA_TYPES } from "../reports/parse.ts";
import { applyIgnoreRules } from "../reports/noise.ts";
import type { Violation } from "../reports/types.ts";
import {
  HttpError,
  gone,
  notFound,
  storageUnavailable,
  tooManyRequests,
  unavailable,
  unsupportedType,
  badRequest,
} from "../http/errors.ts";
import { QueueFullError, type ReportTags } from "../store/writer.ts";
import type { AppDeps } from "../deps.ts";
import { TokenBuckets, clientKeyer } from "../http/ratelimit.ts";
import type { ProjectRecord } from "../store/projects.ts";
import { DailyCounts } from "../store/daily-counts.ts";
import { scriptSightings } from "./ingest-scripts.ts";
import type { ScriptSighting } from "../scripts/sighting.ts";

const DAY_MS = 86_400_000;
const ENV_RE = /^[A-Za-z0-9._-]{1,32}$/;

/** The route's name in metrics (the label @koa/router gave it). */
export const INGEST_ROUTE = "/r/:reportKey";

// What @koa/router matched for "/r/:reportKey": any case, one non-empty segment, an optional trailing slash.
const INGEST_PATH = /^\/r\/([^/]+)\/?$/i;

/** The report key of an ingest path (percent-decoded where it decodes), or null for any other path. */
export function ingestKeyOf(path: string): string | null {
  const m = INGEST_PATH.exec(path);
  if (m === null) return null;
  if (!m[1]!.includes("%")) return m[1]!; // report keys are URL-safe: nothing to decode
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

// Request targets the quick check takes as they are: origin-form, no characters a URL parser would treat apart
// (fragment, whitespace). Anything else reaches ingest through Koa's parsed path (app.ts), with the same result.
const PLAIN_TARGET = /^\/[rR]\/[^/?#\s\u00a0\ufeff]+\/?(?:\?[^#\s\u00a0\ufeff]*)?$/;

/** The path and report key of a request for ingest, from its raw target; null when it is not one (or is unusual). */
export function quickIngestTarget(req: IncomingMessage): { path: string; key: string } | null {
  if (req.method !== "POST" && req.method !== "OPTIONS") return null;
  const url = req.url ?? "";
  if (!PLAIN_TARGET.test(url)) return null;
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const key = ingestKeyOf(path);
  return key === null ? null : { path, key };
}

/** Parse the optional `v` (policy version) and `env` query tags; bad tags are a 400, not silently dropped. */
function tagsFrom(url: string): ReportTags {
  const q = url.indexOf("?");
  if (q === -1) return NO_TAGS;
  const query = parseQuery(url.slice(q + 1));
  const v = query.v;
  const env = query.env;
  let policyVersion: number | null = null;
  if (v !== undefined) {
    if (typeof v !== "string" || !/^\d{1,9}$/.test(v))
      throw badRequest("invalid_tag", "v must be a positive integer");
    policyVersion = Number(v);
  }
  if (env !== undefined && (typeof env !== "string" || !ENV_RE.test(env))) {
    throw badRequest("invalid_tag", "env must be 1-32 characters of letters, digits, '.', '_' or '-'");
  }
  return { policyVersion, env: typeof env === "string" ? env : "" };
}
const NO_TAGS: ReportTags = Object.freeze({ policyVersion: null, env: "" });
const NO_SCRIPTS: { sightings: ScriptSighting[]; foreign: number } = { sightings: [], foreign: 0 };

/** The ingest endpoint: serve(req, res, key, path) answers one POST or OPTIONS to /r/<key>. */
export type Ingest = {
  serve(req: IncomingMessage, res: ServerResponse, reportKey: string, path: string): Promise<void>;
};

const JSON_TYPE = "application/json; charset=utf-8";

/** Build the ingest endpoint. */
export function createIngest(deps: AppDeps): Ingest {
  const { config, projects, writer, metrics, log } = deps;
  const perClient = new TokenBuckets(config.INGEST_RATE_PER_CLIENT, config.INGEST_BURST_PER_CLIENT);
  const perProject = new TokenBuckets(config.INGEST_RATE_PER_PROJECT, config.INGEST_BURST_PER_PROJECT);
  const keyOf = clientKeyer();
  const daily = new DailyCounts(deps.db.sql);
  const limit = config.INGEST_BODY_LIMIT;
  const trustProxy = config.TRUST_PROXY;

  /** Count a rejected request (the metric) of `reports` reports (the project's counter; 1 when the body was not
   *  read) and return the error to throw. */
  const reject = (project: ProjectRecord | null, reason: string, err: HttpError, reports = 1): HttpError => {
    metrics.rejected.inc({ reason });
    if (project) writer.count(project.id, `rejected:${reason}`, reports);
    return err;
  };

  // The client's address as Koa gave it: behind a trusted proxy (maxIpsCount 1) the last X-Forwarded-For entry,
  // the one the proxy wrote, not the first, which a client can put there itself to dodge per-address limits.
  const addressOf = (req: IncomingMessage): string => {
    if (trustProxy) {
      const xff = req.headers["x-forwarded-for"];
      if (typeof xff === "string" && xff !== "") {
        const last = xff.slice(xff.lastIndexOf(",") + 1).trim();
        if (last) return last;
      }
    }
    return req.socket.remoteAddress ?? "";
  };

  // Rate limits count reports, not requests (the README documents reports/s): before the body is read a request
  // needs one token from each bucket (a cheap refusal, counted as one report); after parsing it takes one per
  // report, at least one, from both or neither. A batch larger than a bucket's burst could never be allowed and
  // is refused whole with 413.
  const limitReports = (client: string, project: ProjectRecord, n: number): void => {
    const need = Math.max(1, n);
    if (need > perClient.capacity || need > perProject.capacity) {
      const burst = Math.min(perClient.capacity, perProject.capacity);
      throw reject(
        project,
        "rate_limited",
        new HttpError(413, "too_many_reports", `batch has ${n} reports; the rate limit's burst is ${burst}`),
        n,
      );
    }
    const now = performance.now();
    const wait = perClient.wait(client, need, now);
    if (wait > 0)
      throw reject(project, "rate_limited", tooManyRequests(wait, "too many reports from this client"), n);
    const pwait = perProject.wait(project.id, need, now);
    if (pwait > 0)
      throw reject(project, "rate_limited", tooManyRequests(pwait, "too many reports for this project"), n);
    perClient.take(client, need, now);
    perProject.take(project.id, need, now);
  };

  const tooBig = (project: ProjectRecord) =>
    reject(project, "body_too_large", new HttpError(413, "body_too_large", `body exceeds ${limit} bytes`));

  /** POST: everything up to the 204; failures throw HttpError (or the writer's errors). */
  const post = async (req: IncomingMessage, reportKey: string): Promise<void> => {
    const headers = req.headers;
    const contentType = headers["content-type"] ?? "";
    if (!isReportContentType(contentType)) {
      metrics.rejected.inc({ reason: "unsupported_media_type" });
      throw unsupportedType(
        `Content-Type must be application/csp-report, application/reports+json or application/json (got ${JSON.stringify(contentType.slice(0, 100))})`,
      );
    }
    const project = await projects.reportKeyStatus(reportKey);
    // A rotated key, or a deleted project's: the Reporting API removes an endpoint that answers 410 Gone.
    if (project === "gone") {
      metrics.rejected.inc({ reason: "retired_key" });
      throw gone("report key");
    }
    if (!project) {
      metrics.rejected.inc({ reason: "unknown_key" });
      throw notFound("report key");
    }
    const clientKey = keyOf(addressOf(req), req.socket);
    const wait = perClient.wait(clientKey);
    if (wait > 0)
      throw reject(project, "rate_limited", tooManyRequests(wait, "too many reports from this client"));
    const pwait = perProject.wait(project.id);
    if (pwait > 0)
      throw reject(project, "rate_limited", tooManyRequests(pwait, "too many reports for this project"));
    // Tags are checked before the body is read: a bad one costs no body read or parse.
    let tags: ReportTags;
    try {
      tags = tagsFrom(req.url ?? "");
    } catch (err) {
      throw err instanceof HttpError ? reject(project, "invalid_tag", err) : err;
    }
    if (Number(headers["content-length"] || "0") > limit) throw tooBig(project);
    const problem = encodingProblem(headers);
    if (problem !== null) throw reject(project, problem.id, problem);
    let raw: string;
    try {
      raw = await readIngestBody(req, limit);
    } catch (err) {
      if (err instanceof BodyReadError && err.tooLarge) throw tooBig(project);
      throw reject(project, "malformed", badRequest("malformed_body", "could not read the request body"));
    }
    // Policy drift (#14): the reports' original-policy texts, only for projects with a policy-drift rule.
    const policies: [string, string][] = [];
    const outcome = parseReportBody(contentType, raw, {
      maxEntries: config.INGEST_BATCH_CAP,
      userAgent: headers["user-agent"] ?? "",
      onPolicy: deps.alerts.wantsPolicies(project.id)
        ? (policy, documentUrl) => policies.push([policy, documentUrl])
        : undefined,
    });
    if (!outcome.ok)
      throw reject(project, outcome.error, new HttpError(outcome.status, outcome.error, outcome.message));
    limitReports(clientKey, project, outcome.violations.length + outcome.scripts.length);
    metrics.batchSize.observe(outcome.violations.length + outcome.scripts.length);
    const now = Date.now();
    // The script inventory (#18); no await (a turn of the microtask queue) for the reports that carry no script.
    const scripts =
      outcome.scripts.length === 0
        ? NO_SCRIPTS
        : await scriptSightings(deps.scripts, project, outcome.scripts);
    const { settings } = project;
    const rules = settings.ignoreRules;
    const hasRules = rules.hosts.length + rules.schemes.length + rules.sampleContains.length > 0;
    const kept: Violation[] = [];
    let foreign = 0;
    let sampled = 0;
    let noise = 0;
    for (const v0 of outcome.violations) {
      const v = hasRules && v0.noise === null ? applyIgnoreRules(v0, rules) : v0;
      if (
        settings.allowedOrigins.length > 0 &&
        !settings.allowedOrigins.some((o) => sameOrigin(v.documentUrl, o))
      ) {
        foreign++;
        continue;
      }
      if (v.noise === null && settings.sampleRate < 1 && Math.random() >= settings.sampleRate) {
        sampled++;
        continue;
      }
      if (v.noise !== null) noise++;
      kept.push(v);
    }
    foreign += scripts.foreign;
    if (foreign > 0) writer.count(project.id, "rejected:foreign_origin", foreign, now);
    if (sampled > 0) writer.count(project.id, "sampled", sampled, now);
    const stored = kept.length + scripts.sightings.length;
    if (settings.dailyCap !== null && stored > 0) {
      const total = await daily.add(project.id, stored, now);
      if (total > settings.dailyCap) {
        writer.count(project.id, "rejected:daily_cap", stored, now);
        metrics.rejected.inc({ reason: "daily_cap" });
        const tomorrow = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
        throw new HttpError(429, "daily_cap", "this project's daily report cap is reached", {
          "Retry-After": String(Math.ceil((tomorrow - now) / 1000)),
        });
      }
    }
    metrics.reports.inc({ outcome: "received" }, outcome.violations.length + outcome.scripts.length);
    if (stored > 0) {
      try {
        await writer.enqueue(project.id, kept, tags, now, scripts.sightings);
      } catch (err) {
        if (err instanceof QueueFullError) {
          writer.count(project.id, "rejected:queue_full", stored, now);
          metrics.rejected.inc({ reason: "queue_full" });
          throw unavailable("queue_full", "the write queue is full; retry later", 1);
        }
        throw err;
      }
      deps.tail.publish(project.id, kept, now);
      for (const [policy, documentUrl] of policies)
        deps.alerts.observePolicy(project.id, policy, documentUrl, now);
      metrics.reports.inc({ outcome: "accepted" }, kept.length - noise);
      metrics.reports.inc({ outcome: "noise" }, noise);
    }
    if (sampled) metrics.reports.inc({ outcome: "sampled" }, sampled);
  };

  /** The error answer errorMiddleware gives every other route: {error, message}, a logged plain 500 if unknown. */
  const fail = (req: IncomingMessage, res: ServerResponse, path: string, err0: unknown): number => {
    const err = deps.health.markFailure(err0)
      ? storageUnavailable(deps.health.state?.reason ?? "failure")
      : err0;
    const e = err instanceof HttpError ? err : new HttpError(500, "internal", "internal error");
    if (!(err instanceof HttpError)) log.error({ err, method: req.method, path }, "unhandled error");
    const body = JSON.stringify({ error: e.id, message: e.message });
    for (const k in e.headers) res.setHeader(k, e.headers[k]!);
    res.writeHead(e.status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
    return e.status;
  };

  /** The request metric and log line the app's middleware gives every other route (log.ts, app.ts). */
  const done = (req: IncomingMessage, path: string, status: number, start: number): void => {
    const ms = performance.now() - start;
    metrics.requestSeconds.observe({ route: INGEST_ROUTE, status: statusLabel(status) }, ms / 1000);
    const level = path.startsWith("/r/") && status < 400 ? "debug" : "info";
    if (!log.isLevelEnabled(level)) return;
    log[level]({ method: req.method, path, status, ms: Math.round(ms * 10) / 10 }, "request");
  };

  return {
    async serve(req, res, reportKey, path) {
      const start = performance.now();
      let status: number;
      res.setHeader("X-Content-Type-Options", "nosniff");
      if (req.method === "OPTIONS") {
        res.writeHead(204, PREFLIGHT);
        res.end();
        status = 204;
      } else {
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Vary", "Origin");
        try {
          await post(req, reportKey);
          res.writeHead(204);
          res.end();
          status = 204;
        } catch (err) {
          status = fail(req, res, path, err);
        }
      }
      done(req, path, status, start);
    },
  };
}

const PREFLIGHT = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "86400",
} as const;

const STATUS_LABELS = new Map<number, string>();
/** The metric's status label without a new string per request. */
function statusLabel(status: number): string {
  let s = STATUS_LABELS.get(status);
  if (s === undefined) STATUS_LABELS.set(status, (s = String(status)));
  return s;
}

const REPORT_TYPES: ReadonlySet<string> = new Set(REPORT_MEDIA_TYPES);

/** Checked before the body is read, so a wrong type costs nothing; the parser checks it again (it is pure). */
const isReportContentType = (header: string): boolean => REPORT_TYPES.has(mediaTypeOf(header));

function sameOrigin(url: string, origin: string): boolean {
  return url === origin || url.startsWith(`${origin}/`);
}
