// Limits: API body size, prototype-pollution keys, header size, request timeouts (on the real server).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { findPoisonKey } from "../../server/http/limits.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type Running } from "../../server/server.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe("API body limit", () => {
  test("a body over API_BODY_LIMIT is refused with 413", async () => {
    t = await startTestApp({ API_BODY_LIMIT: "2048" });
    const res = await api(t, "POST", "/api/projects", { name: "x", pad: "y".repeat(4096) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("body_too_large");
  });
});

describe("prototype pollution", () => {
  // koa-body's parser already refuses __proto__ and constructor.prototype (first two rows); the guard
  // (server/http/limits.ts) refuses the keys anywhere else, which the parser lets through.
  const PARSER = "body contains a forbidden key (__proto__, constructor or prototype)";
  test.each([
    { body: '{"__proto__": {"polluted": true}, "name": "x"}', message: PARSER },
    { body: '[{"a": [{"__proto__": 1}]}]', message: PARSER },
    {
      body: '{"name": "x", "settings": {"constructor": {"polluted": true}}}',
      message: "body.settings.constructor: this key is not allowed",
    },
    {
      body: '{"name": "x", "settings": {"ignoreRules": {"prototype": 1}}}',
      message: "body.settings.ignoreRules.prototype: this key is not allowed",
    },
    { body: '{"name": "x", "constructor": "y"}', message: "body.constructor: this key is not allowed" },
  ])("$body → 400 forbidden_key", async ({ body, message }) => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "forbidden_key", message });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    { body: '{"name": "\\udfff"}', at: "body.name" },
    { body: '{"name": "ok \\ud83d"}', at: "body.name" },
    {
      body: '{"name": "x", "settings": {"allowedOrigins": ["https://a.example/\\udc00x"]}}',
      at: "body.settings.allowedOrigins.0",
    },
    { body: '{"name": "x", "settings": {"\\ud800": 1}}', at: "body.settings" },
  ])("$body → 400 invalid_input, never a 500 (found by the fuzzer)", async ({ body, at }) => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "invalid_input",
      message: `${at}: contains an unpaired UTF-16 surrogate (not valid Unicode text)`,
    });
  });

  test("a well-formed pair (an emoji) is text like any other", async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: '{"name": "shop \\ud83d\\ude00"}',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe("shop \u{1F600}");
  });

  test("deep nesting does not overflow the guard", () => {
    let deep: unknown = { __proto__: null, ok: 1 };
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(findPoisonKey(deep)).toBeNull();
    expect(findPoisonKey(JSON.parse('{"a":{"b":[1,{"constructor":2}]}}'))).toBe("body.a.b.1.constructor");
  });
});

describe("the real server", () => {
  let running: Running;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cinch-limits-"));
    running = await startServer(
      loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent", MAX_HEADER_BYTES: "8192" }),
    );
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("headers over MAX_HEADER_BYTES are refused with 431", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${running.url}/healthz`, { headers: { "X-Big": "a".repeat(10_000) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(431);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });

  test("request and header timeouts are bounded (Node's defaults are 300 s and 60 s)", () => {
    expect(running.server.requestTimeout).toBe(30_000);
    expect(running.server.headersTimeout).toBe(10_000);
  });
});
