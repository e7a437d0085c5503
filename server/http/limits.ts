// Guards on parsed API bodies. JSON.parse turns a "__proto__" key into an own property; code that later copies
// the object with Object.assign or a merge helper would then replace a prototype (prototype pollution). No API
// body has a reason to use these keys, so they are refused outright.
import type { Context, Middleware, Next } from "koa";
import { koaBody } from "koa-body";
import { badRequest } from "./errors.ts";

export const POISON_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The path of the first forbidden key in a parsed JSON value, or null. Iterative: depth cannot overflow the stack. */
export function findPoisonKey(value: unknown): string | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: "body" }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    for (const key of Object.keys(v)) {
      const child = `${path}.${key}`;
      if (POISON_KEYS.has(key)) return child;
      stack.push({ v: (v as Record<string, unknown>)[key], path: child });
    }
  }
  return null;
}

/** An unpaired UTF-16 surrogate: JSON's `\udfff` escape parses to one, and it has no UTF-8 form to store. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string (key or value) in a parsed JSON value holding an unpaired surrogate, or null. The
 * fuzzer found `{"name": "\udfff"}` answered 500 by POST /api/projects: the database driver cannot encode it.
 */
export function findLoneSurrogate(value: unknown): string | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: "body" }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === "string") {
      if (LONE_SURROGATE.test(v)) return path;
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    for (const key of Object.keys(v)) {
      if (LONE_SURROGATE.test(key)) return path;
      stack.push({ v: (v as Record<string, unknown>)[key], path: `${path}.${key}` });
    }
  }
  return null;
}

/**
 * Middleware (after the body parser): 400 for a body containing __proto__, constructor or prototype keys, or a
 * string that is not well-formed UTF-16.
 */
export function rejectPoisonKeys() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const at = findPoisonKey(ctx.request.body);
    if (at !== null) throw badRequest("forbidden_key", `${at}: this key is not allowed`);
    const bad = findLoneSurrogate(ctx.request.body);
    if (bad !== null)
      throw badRequest(
        "invalid_input",
        `${bad}: contains an unpaired UTF-16 surrogate (not valid Unicode text)`,
      );
    await next();
  };
}

/**
 * The API body parser (JSON only, strict, capped at `limit` bytes) followed by the poison-key guard. ApiRouter runs
 * it after a route's auth check, so an anonymous caller cannot make the server inflate or parse anything.
 */
export function apiBody(limit: number): Middleware {
  const parse = koaBody({
    json: true,
    urlencoded: false,
    text: false,
    multipart: false,
    jsonLimit: limit,
    jsonStrict: true,
  });
  const poison = rejectPoisonKeys();
  return (ctx, next) => {
    // Content codings are case-insensitive (RFC 9110 §8.4.1); the decoder (inflation) only knows lower case.
    const coding = ctx.req.headers["content-encoding"];
    if (coding !== undefined) ctx.req.headers["content-encoding"] = coding.trim().toLowerCase();
    return parse(ctx, () => poison(ctx, next));
  };
}
