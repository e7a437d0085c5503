// Security headers on every dashboard and API response (errors included); the ingest route keeps its open CORS.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { rawRequest } from "./helpers.ts";

let t: TestApp;
let reportKey: string;
beforeAll(async () => {
  t = await startTestApp();
  reportKey = (await t.deps.projects.create("h")).reportKey;
});
afterAll(async () => {
  await t.close();
});

/** Responses of every kind: dashboard, API success, API errors of each family, ops. */
const CASES = [
  { name: "dashboard /", path: "/", auth: false },
  { name: "dashboard deep link", path: "/setup", auth: false },
  { name: "API 200", path: "/api/projects", auth: true },
  { name: "API public 200", path: "/api/setup", auth: false },
  { name: "API 401", path: "/api/projects", auth: false },
  { name: "API 404", path: "/api/no-such-route", auth: true },
  { name: "API 400", path: "/api/projects/x/violations?limit=abc", auth: true },
  { name: "healthz", path: "/healthz", auth: false },
  { name: "unknown asset 404", path: "/nope.js", auth: false },
];

function parseCsp(value: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of value.split(";")) {
    const [name, ...sources] = d.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), sources);
  }
  return m;
}

describe.each(CASES)("$name", ({ path, auth }) => {
  let h: Record<string, string | string[] | undefined>;
  beforeAll(async () => {
    h = (await rawRequest(`${t.url}${path}`, { headers: auth ? t.auth : {} })).headers;
  });

  test("strict CSP: no unsafe-inline / unsafe-eval; object-src, base-uri, frame-ancestors 'none'; form-action 'self'", () => {
    const csp = String(h["content-security-policy"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*/);
    const d = parseCsp(csp);
    expect(d.get("default-src")).toEqual(["'self'"]);
    expect(d.get("script-src")).toEqual(["'self'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'none'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
  });

  test("nosniff, referrer policy, frame denial; no X-XSS-Protection; no HSTS over plain HTTP", () => {
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["x-xss-protection"]).toBeUndefined();
    expect(h["strict-transport-security"]).toBeUndefined();
    expect(h["access-control-allow-origin"]).toBeUndefined();
  });

  if (path.startsWith("/api/")) {
    test("Cache-Control: no-store", () => {
      expect(h["cache-control"]).toBe("no-store");
    });
  }
});

describe("HSTS", () => {
  test("sent when PUBLIC_URL is https", async () => {
    const s = await startTestApp({ PUBLIC_URL: "https://cinch.example" });
    try {
      const res = await rawRequest(`${s.url}/api/setup`);
      expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    } finally {
      await s.close();
    }
  });

  test("sent when a trusted proxy says the request came over TLS, not when an untrusted client claims it", async () => {
    const trusted = await startTestApp({ TRUST_PROXY: "true" });
    try {
      const res = await rawRequest(`${trusted.url}/`, { headers: { "X-Forwarded-Proto": "https" } });
      expect(res.headers["strict-transport-security"]).toBeDefined();
    } finally {
      await trusted.close();
    }
    const res = await rawRequest(`${t.url}/`, { headers: { "X-Forwarded-Proto": "https" } });
    expect(res.headers["strict-transport-security"]).toBeUndefined();
  });
});

describe("ingest keeps its open CORS", () => {
  test("preflight and POST on /r/:key allow any origin", async () => {
    const pre = await rawRequest(`${t.url}/r/${reportKey}`, {
      method: "OPTIONS",
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST" },
    });
    expect(pre.headers["access-control-allow-origin"]).toBe("*");
    const res = await rawRequest(`${t.url}/r/${reportKey}`, {
      method: "POST",
      headers: { Origin: "https://shop.example", "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "https://shop.example/",
          "blocked-uri": "inline",
          "effective-directive": "script-src",
        },
      }),
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });
});
