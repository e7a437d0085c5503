// POST /r/:reportKey — the public, attacker-reachable ingest endpoint. Order of checks: cheap ones first
// (content type, key, rate limits), then the bounded body read, the pure parser, project rules, the writer.
import Router from "@koa/router";
import type { Context } from "koa";
import { encodingProblem, ingestBodyReader } from "./ingest-body.ts";
import { parseReportBody, mediaTypeOf, REPORT_MEDIA_TYPES } from "../reports/parse.ts";
import { applyIgnoreRules } from "../reports/noise.ts";
import type { Violation } from "../reports/types.ts";
import {
  HttpError,
  gone,
  notFound,
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

const DAY_MS = 86_400_000;
const ENV_RE = /^[A-Za-z0-9._-]{1,32}$/;

function cors(ctx: Context): void {
  ctx.set("Access-Control-Allow-Origin", "*");
  ctx.set("Vary", "Origin");
}

/** Parse the optional `v` (policy version) and `env` query tags; bad tags are a 400, not silently dropped. */
function tagsFrom(ctx: Context): ReportTags {
  const v = ctx.query.v;
  const env = ctx.query.env;
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

/** The ingest router: POST and OPTIONS on /r/:reportKey. */
export function ingestRouter(deps: AppDeps): Router {
  const { config, projects, writer, metrics } = deps;
  const perClient = new TokenBuckets(config.INGEST_RATE_PER_CLIENT, config.INGEST_BURST_PER_CLIENT);
  const perProject = new TokenBuckets(config.INGEST_RATE_PER_PROJECT, config.INGEST_BURST_PER_PROJECT);
  const keyOf = clientKeyer();
  const daily = new DailyCounts(deps.db.sql);
  const router = new Router();

  /** Count a rejected request (the metric) of `reports` reports (the project's counter; 1 when the body was not
   *  read) and return the error to throw. */
  const reject = (project: ProjectRecord | null, reason: string, err: HttpError, reports = 1): HttpError => {
    metrics.rejected.inc({ reason });
    if (project) writer.count(project.id, `rejected:${reason}`, reports);
    return err;
  };

  // Rate limits count reports, not requests (the README documents reports/s): before the body is read a request
  // needs one token from each bucket (a cheap refusal, counted as one report); after parsing it takes one per
  // report, at least one, from both or neither. A batch larger than a bucket's burst could never be allowed and
  // is refused whole with 413.
  const limitReports = (ctx: Context, project: ProjectRecord, n: number): void => {
    const client = ctx.state.clientKey as string;
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

  router.options("/r/:reportKey", (ctx) => {
    ctx.set("Access-Control-Allow-Origin", "*");
    ctx.set("Access-Control-Allow-Methods", "POST, OPTIONS");
    ctx.set("Access-Control-Allow-Headers", "Content-Type");
    ctx.set("Access-Control-Max-Age", "86400");
    ctx.status = 204;
  });

  const readBody = ingestBodyReader(config.INGEST_BODY_LIMIT);

  router.post(
    "/r/:reportKey",
    async (ctx, next) => {
      cors(ctx);
      const contentType = ctx.get("Content-Type");
      if (!isReportContentType(contentType)) {
        metrics.rejected.inc({ reason: "unsupported_media_type" });
        throw unsupportedType(
          `Content-Type must be application/csp-report, application/reports+json or application/json (got ${JSON.stringify(contentType.slice(0, 100))})`,
        );
      }
      const project = await projects.reportKeyStatus(ctx.params.reportKey ?? "");
      // A rotated key, or a deleted project's: the Reporting API removes an endpoint that answers 410 Gone.
      if (project === "gone") {
        metrics.rejected.inc({ reason: "retired_key" });
        throw gone("report key");
      }
      if (!project) {
        metrics.rejected.inc({ reason: "unknown_key" });
        throw notFound("report key");
      }
      const clientKey = keyOf(ctx.ip, ctx.req.socket);
      ctx.state.clientKey = clientKey;
      const wait = perClient.wait(clientKey);
      if (wait > 0)
        throw reject(project, "rate_limited", tooManyRequests(wait, "too many reports from this client"));
      const pwait = perProject.wait(project.id);
      if (pwait > 0)
        throw reject(project, "rate_limited", tooManyRequests(pwait, "too many reports for this project"));
      ctx.state.project = project;
      // Tags are checked before the body is read: a bad one costs no body read or parse.
      try {
        ctx.state.tags = tagsFrom(ctx);
      } catch (err) {
        throw err instanceof HttpError ? reject(project, "invalid_tag", err) : err;
      }
      const tooBig = () =>
        reject(
          project,
          "body_too_large",
          new HttpError(413, "body_too_large", `body exceeds ${config.INGEST_BODY_LIMIT} bytes`),
        );
      if (Number(ctx.get("Content-Length") || "0") > config.INGEST_BODY_LIMIT) throw tooBig();
      const problem = encodingProblem(ctx);
      if (problem !== null) throw reject(project, problem.id, problem);
      try {
        await readBody(ctx);
      } catch (err) {
        if ((err as { status?: number }).status === 413) throw tooBig();
        throw reject(project, "malformed", badRequest("malformed_body", "could not read the request body"));
      }
      await next();
    },
    async (ctx) => {
      const project = ctx.state.project as ProjectRecord;
      const tags = ctx.state.tags as ReportTags;
      const raw = typeof ctx.request.body === "string" ? ctx.request.body : "";
      // Policy drift (#14): the reports' original-policy texts, only for projects with a policy-drift rule.
      const policies: [string, string][] = [];
      const outcome = parseReportBody(ctx.get("Content-Type"), raw, {
        maxEntries: config.INGEST_BATCH_CAP,
        userAgent: ctx.get("User-Agent"),
        onPolicy: deps.alerts.wantsPolicies(project.id)
          ? (policy, documentUrl) => policies.push([policy, documentUrl])
          : undefined,
      });
      if (!outcome.ok)
        throw reject(project, outcome.error, new HttpError(outcome.status, outcome.error, outcome.message));
      limitReports(ctx, project, outcome.violations.length + outcome.scripts.length);
      metrics.batchSize.observe(outcome.violations.length + outcome.scripts.length);
      const now = Date.now();
      const scripts = await scriptSightings(deps.scripts, project, outcome.scripts); // the script inventory (#18)
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
      ctx.status = 204;
    },
  );
  return router;
}

const REPORT_TYPES: ReadonlySet<string> = new Set(REPORT_MEDIA_TYPES);

/** Checked before the body is read, so a wrong type costs nothing; the parser checks it again (it is pure). */
const isReportContentType = (header: string): boolean => REPORT_TYPES.has(mediaTypeOf(header));

function sameOrigin(url: string, origin: string): boolean {
  return url === origin || url.startsWith(`${origin}/`);
}
