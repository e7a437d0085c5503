// How requests reach ingest (#17): POST and OPTIONS to /r/<key> are served on the Node request ahead of Koa, an
// unusual target (absolute-form, a fragment) by Koa's parsed path, and both give the answers the middleware gives
// every other route: the error format, CORS, nosniff, the request metric. Other methods are 405.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, rows, type TestApp } from "../helpers/app.ts";
import { ingestKeyOf, quickIngestTarget } from "../../server/api/ingest.ts";
import type { IncomingMessage } from "node:http";

let t: TestApp;
let key: string;
let projectId: string;
beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
  const p = (await (await api(t, "POST", "/api/projects", { name: "route" })).json()) as {
    id: string;
    reportKey: string;
  };
  key = p.reportKey;
  projectId = p.id;
});
afterAll(async () => t.close());

const REPORT = JSON.stringify({
  "csp-report": {
    "document-uri": "https://a.example/",
    "effective-directive": "img-src",
    "blocked-uri": "https://img.example.net/a.png",
  },
});

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A request with the exact request target given (fetch would normalize it). */
function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const { port } = new URL(t.url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: target, headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const stored = async () =>
  (
    await rows<{ n: number }>(
      t,
      `SELECT COALESCE(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
      projectId,
    )
  )[0]!.n;

const REPORT_HEADERS = { "Content-Type": "application/csp-report" };

describe("which requests are ingest's", () => {
  test.each([
    { path: "/r/abc", key: "abc" },
    { path: "/r/abc/", key: "abc" },
    { path: "/R/abc", key: "abc" },
    { path: "/r/a%20b", key: "a b" },
    { path: "/r/a%zz", key: "a%zz" },
    { path: "/r/", key: null },
    { path: "/r//", key: null },
    { path: "/r/abc/def", key: null },
    { path: "/rx/abc", key: null },
  ])("$path → $key (as @koa/router matched /r/:reportKey)", ({ path, key: want }) => {
    expect(ingestKeyOf(path)).toBe(want);
  });

  test.each([
    { method: "POST", url: "/r/abc?v=1", quick: { path: "/r/abc", key: "abc" } },
    { method: "OPTIONS", url: "/R/abc/", quick: { path: "/R/abc/", key: "abc" } },
    { method: "GET", url: "/r/abc", quick: null },
    { method: "POST", url: "http://h/r/abc", quick: null },
    { method: "POST", url: "/r/abc#f", quick: null },
    { method: "POST", url: "/r/a b", quick: null },
    { method: "POST", url: "/api/projects", quick: null },
  ])("$method $url: quick path $quick", ({ method, url, quick }) => {
    expect(quickIngestTarget({ method, url } as IncomingMessage)).toEqual(quick);
  });
});

describe("over HTTP", () => {
  test("the quick path and Koa's path (absolute-form target, fragment) both store and answer alike", async () => {
    const before = await stored();
    const answers = [
      await raw("POST", `/r/${key}`, REPORT_HEADERS, REPORT),
      await raw("POST", `http://127.0.0.1/r/${key}`, REPORT_HEADERS, REPORT),
      await raw("POST", `/r/${key}#x`, REPORT_HEADERS, REPORT),
    ];
    for (const a of answers) {
      expect(a.status).toBe(204);
      expect(a.headers["access-control-allow-origin"]).toBe("*");
      expect(a.headers["vary"]).toBe("Origin");
      expect(a.headers["x-content-type-options"]).toBe("nosniff");
      expect(a.body).toBe("");
    }
    expect((await stored()) - before).toBe(3);
  });

  test("errors: the JSON error format, CORS and nosniff, on both paths", async () => {
    for (const target of ["/r/no-such-key", "http://127.0.0.1/r/no-such-key"]) {
      const a = await raw("POST", target, REPORT_HEADERS, REPORT);
      expect(a.status).toBe(404);
      expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(a.headers["access-control-allow-origin"]).toBe("*");
      expect(a.headers["x-content-type-options"]).toBe("nosniff");
      expect(JSON.parse(a.body)).toEqual({ error: "not_found", message: "report key not found" });
      expect(Number(a.headers["content-length"])).toBe(Buffer.byteLength(a.body));
    }
  });

  test("OPTIONS is the CORS preflight", async () => {
    const a = await raw("OPTIONS", `/r/${key}`);
    expect(a.status).toBe(204);
    expect(a.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers": "Content-Type",
      "access-control-max-age": "86400",
      "x-content-type-options": "nosniff",
    });
  });

  test.each(["GET", "HEAD", "PUT", "DELETE"])("%s is 405 naming POST and OPTIONS", async (method) => {
    const a = await raw(method, `/r/${key}`);
    expect(a.status).toBe(405);
    expect(a.headers["allow"]).toBe("OPTIONS, POST");
  });

  test("the request metric is labelled with the route, as for every other route", async () => {
    await raw("POST", `/r/${key}`, REPORT_HEADERS, REPORT);
    await raw("POST", `/r/${key}`, { "Content-Type": "text/plain" }, REPORT);
    const text = await (await fetch(`${t.url}/metrics`, { headers: t.auth })).text();
    expect(text).toMatch(
      /cinch_http_request_duration_seconds_count\{route="\/r\/:reportKey",status="204"\} \d+/,
    );
    expect(text).toMatch(
      /cinch_http_request_duration_seconds_count\{route="\/r\/:reportKey",status="415"\} 1\b/,
    );
  });
});
