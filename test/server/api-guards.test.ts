// The /api guards hold for every spelling of the path and every body: upper- or mixed-case paths meet the
// cross-site check and never reach a handler (#11 item 6); a body that does not decode is a 400, and an anonymous
// caller gets its 401 before anything is inflated or parsed (#11 item 7).
import { gzipSync } from "node:zlib";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import type { RouteInfo } from "../../server/api/routes.ts";

let t: TestApp;
let projectId: string;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  t = await startTestApp({}, { log: pino({ level: "info" }, sink) });
  const res = await api(t, "POST", "/api/projects", { name: "guards" });
  projectId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await t.close();
});

const projectCount = async () => ((await (await api(t, "GET", "/api/projects")).json()) as unknown[]).length;

describe("upper- and mixed-case /api paths", () => {
  test.each(["/API/projects", "/Api/projects", "/aPi/projects", "/API/PROJECTS"])(
    "POST %s from another site is refused by the cross-site check",
    async (path) => {
      const res = await fetch(`${t.url}${path}`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
        body: JSON.stringify({ name: "x" }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: "cross_site" });
    },
  );

  test.each(["/API/projects", "/Api/projects", "/api/PROJECTS"])(
    "POST %s with a poison-key body and a valid token reaches no handler (404, nothing created)",
    async (path) => {
      const before = await projectCount();
      const res = await fetch(`${t.url}${path}`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json" },
        body: '{"name":"x","__proto__":{"polluted":1}}',
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "not_found", message: "route not found" });
      expect(await projectCount()).toBe(before);
    },
  );

  test.each(["/API/projects", "/Api/tokens", "/API/session"])(
    "GET %s is neither data nor the dashboard page, with or without credentials",
    async (path) => {
      for (const headers of [{}, t.auth]) {
        const res = await fetch(`${t.url}${path}`, { headers });
        expect(res.status).toBe(404);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      }
    },
  );

  test("the lower-case path still works (the guard is not simply closing everything)", async () => {
    const res = await fetch(`${t.url}/api/projects`, { headers: t.auth });
    expect(res.status).toBe(200);
  });
});

/** Bodies that do not decode under the Content-Encoding they declare. */
const BAD_BODIES = [
  {
    name: "gzip header, then garbage",
    encoding: "gzip",
    body: Buffer.from("\x1f\x8b\x08\x00garbage!", "latin1"),
  },
  { name: "not gzip at all", encoding: "gzip", body: Buffer.from('{"name":"x"}') },
  { name: "truncated gzip", encoding: "gzip", body: gzipSync('{"name":"x"}').subarray(0, 12) },
  { name: "not deflate", encoding: "deflate", body: Buffer.from('{"name":"x"}') },
  { name: "not brotli", encoding: "br", body: Buffer.from("\xff\xff\xff\xff\xff\xff", "latin1") },
  { name: "unknown coding", encoding: "x-bogus", body: Buffer.from('{"name":"x"}') },
  { name: "two codings, second unknown", encoding: "gzip, x-bogus", body: gzipSync('{"name":"x"}') },
];

/** Routes with a body: DELETE bodies are not read at all (koa-body's parsedMethods). */
const unsafeRoutes = (): RouteInfo[] =>
  t.app.api.routes.filter((r) => r.method === "post" || r.method === "put" || r.method === "patch");
const concrete = (path: string) =>
  path
    .replace(/:id\b/, projectId)
    .replace(/:groupId\b/, "1")
    .replace(/:\w+/g, "x");

function send(r: RouteInfo, bad: (typeof BAD_BODIES)[number], headers: Record<string, string>) {
  return fetch(`${t.url}${concrete(r.path)}`, {
    method: r.method.toUpperCase(),
    headers: { "Content-Type": "application/json", "Content-Encoding": bad.encoding, ...headers },
    body: bad.body,
    signal: AbortSignal.timeout(5000),
  });
}

describe("bodies that do not decode, on every state-changing /api route", () => {
  test("the table covers the API's state-changing routes", () => {
    expect(unsafeRoutes().length).toBeGreaterThan(5);
  });

  test.each(BAD_BODIES)(
    "$name ($encoding): 401 without credentials on every protected route",
    async (bad) => {
      for (const r of unsafeRoutes().filter((x) => x.scope !== "public")) {
        const res = await send(r, bad, {});
        expect(res.status, `${r.method} ${r.path}`).toBe(401);
      }
    },
  );

  test.each(BAD_BODIES)(
    "$name ($encoding): 400 malformed_body with an admin token, and on public routes",
    async (bad) => {
      for (const r of unsafeRoutes()) {
        const res = await send(r, bad, t.auth);
        expect(res.status, `${r.method} ${r.path}`).toBe(400);
        expect(await res.json(), `${r.method} ${r.path}`).toMatchObject({ error: "malformed_body" });
      }
    },
  );

  test("a gzip body that decodes to bad JSON is malformed_json, one that decodes to good JSON is served", async () => {
    const post = (body: Uint8Array) =>
      fetch(`${t.url}/api/projects`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json", "Content-Encoding": "gzip" },
        body: new Uint8Array(body),
      });
    const bad = await post(gzipSync("{not json"));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "malformed_json" });
    const good = await post(gzipSync(JSON.stringify({ name: "gzipped" })));
    expect(good.status).toBe(201);
  });

  test("content codings are case-insensitive: GZIP decodes like gzip", async () => {
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json", "Content-Encoding": "GZIP" },
      body: gzipSync(JSON.stringify({ name: "upper" })),
    });
    expect(res.status).toBe(201);
  });

  test("a DELETE with an undecodable body is served without reading it (never a 5xx)", async () => {
    const res = await fetch(`${t.url}/api/tokens/00000000-0000-4000-8000-000000000000`, {
      method: "DELETE",
      headers: { ...t.auth, "Content-Encoding": "gzip" },
      body: "garbage",
    });
    expect(res.status).toBeLessThan(500);
  });

  test("none of the above logged an unhandled error", () => {
    expect(logLines.filter((l) => l.includes("unhandled error"))).toEqual([]);
  });
});
