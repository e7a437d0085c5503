// One error vocabulary: factories with status + stable id; the outermost middleware renders {error, message}.
import type { Context, Next } from "koa";
import type { Logger } from "pino";
import type { StorageHealth } from "../store/health.ts";

/**
 * An error whose id and message are safe to show to the client. It carries no stack trace: it is rendered as
 * {error, message} and never logged with one, and capturing it was ~12 µs of every request shed under overload
 * (7 % of Cinch's busy time at 3 × its maximum rate; server CPU per 429 −7 % in interleaved runs, #17).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export const badRequest = (id: string, message: string) => new HttpError(400, id, message);

/**
 * A 400 one input caused: the answer names it, `field` (a dotted path, e.g. "settings.ignoreRules.hosts") and
 * `line` (1-based, an item of a list), so the dashboard shows the message at that field.
 */
export class FieldError extends HttpError {
  constructor(
    id: string,
    message: string,
    readonly field: string,
    readonly line?: number,
  ) {
    super(400, id, message);
  }
}
export const unauthorized = (message = "authentication required") =>
  new HttpError(401, "unauthorized", message);
export const forbidden = (id: string, message: string) => new HttpError(403, id, message);
export const notFound = (what = "resource") => new HttpError(404, "not_found", `${what} not found`);
export const conflict = (id: string, message: string) => new HttpError(409, id, message);
export const gone = (what: string) => new HttpError(410, "gone", `${what} is no longer in use`);
export const tooLarge = (id: string, message: string) => new HttpError(413, id, message);
export const unsupportedType = (message: string) => new HttpError(415, "unsupported_media_type", message);
export const tooManyRequests = (retryAfterSeconds: number, message = "rate limit exceeded") =>
  new HttpError(429, "rate_limited", message, {
    "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
export const unavailable = (id: string, message: string, retryAfterSeconds = 1) =>
  new HttpError(503, id, message, { "Retry-After": String(retryAfterSeconds) });

/** zlib's decode failures: `code` Z_DATA_ERROR, Z_BUF_ERROR (gzip, deflate) or ERR__ERROR_FORMAT_... (brotli). */
function isZlibError(err: object): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^(Z_|ERR__)[A-Z0-9_]+$/.test(code);
}

/** Map errors thrown by Koa/koa-body/http-errors (status + expose) to our vocabulary. */
function fromKnown(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  if (typeof err !== "object" || err === null) return null;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown };
  const status =
    typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 0;
  if (status === 413) return tooLarge("body_too_large", "request body exceeds the size limit");
  // A Content-Encoding the body does not decode with (zlib's Z_* errors carry no status) or an unknown coding
  // (inflation's 415, which names no type): both are a body the client got wrong, the same 400 the ingest route answers.
  if (status === 415 && err instanceof Error && err.message.startsWith("Unsupported Content-Encoding")) {
    return badRequest("malformed_body", "unsupported Content-Encoding (use gzip, deflate, br or identity)");
  }
  if (isZlibError(err)) {
    return badRequest("malformed_body", "the request body does not decode with its Content-Encoding");
  }
  if (status === 415) return unsupportedType("unsupported content type");
  if (status === 400 && e.type === "request.aborted") return badRequest("request_aborted", "request aborted");
  // koa-body (co-body) signals bad JSON with a SyntaxError carrying status 400; its message is safe but terse.
  if (status === 400 && err instanceof SyntaxError) {
    return /prototype/i.test(err.message)
      ? badRequest("forbidden_key", "body contains a forbidden key (__proto__, constructor or prototype)")
      : badRequest("malformed_json", "body is not valid JSON (a JSON object or array is required)");
  }
  if (status >= 400 && status < 500) return new HttpError(status, "bad_request", "bad request");
  return null;
}

/** Seconds a client is asked to wait while storage fails (the health probe runs every 2 s). */
const STORAGE_RETRY_AFTER = 5;

/** 503 storage_unavailable: the database cannot take writes (disk full, I/O error); nothing was stored. */
export const storageUnavailable = (reason: string) =>
  unavailable("storage_unavailable", `storage is unavailable (${reason}); retry later`, STORAGE_RETRY_AFTER);

/**
 * Outermost middleware: renders every error as JSON; unknown errors become a plain 500 and are logged. Storage
 * failures become a 503 storage_unavailable, logged once per change of state by StorageHealth, not here.
 */
export function errorMiddleware(log: Logger, health?: StorageHealth) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound("route");
    } catch (err0) {
      const err = health?.markFailure(err0) ? storageUnavailable(health.state?.reason ?? "failure") : err0;
      const known = fromKnown(err);
      const e = known ?? new HttpError(500, "internal", "internal error");
      if (!known) log.error({ err, method: ctx.method, path: ctx.path }, "unhandled error");
      ctx.status = e.status;
      for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
      ctx.type = "application/json";
      ctx.body = {
        error: e.id,
        message: e.message,
        ...(e instanceof FieldError
          ? { field: e.field, ...(e.line !== undefined ? { line: e.line } : {}) }
          : {}),
      };
    }
  };
}
