// CSRF: the session's token on cookie-authenticated state changes, bearer tokens exempt; cross-site state
// changes refused by Sec-Fetch-Site / Origin; sign-in protected against login CSRF; no CORS on /api.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import { ADMIN, rawRequest, signIn, startAppWithAdmin, type Browser } from "./helpers.ts";

let t: TestApp;
let b: Browser;
beforeAll(async () => {
  t = await startAppWithAdmin();
  b = await signIn(t);
});
afterAll(async () => {
  await t.close();
});

describe("per-session CSRF token", () => {
  test.each<{ name: string; headers: Record<string, string> | "other"; status: number }>([
    { name: "no token", headers: {}, status: 403 },
    { name: "wrong token", headers: { "X-CSRF-Token": "A".repeat(43) }, status: 403 },
    { name: "token of another session", headers: "other" as const, status: 403 },
  ])("cookie + POST with $name → $status csrf_failed", async ({ headers, status }) => {
    const h = headers === "other" ? { "X-CSRF-Token": (await signIn(t)).csrfToken } : headers;
    const res = await b.fetch("/api/projects", {
      method: "POST",
      json: { name: "p" },
      csrf: false,
      headers: h,
    });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({
      error: "csrf_failed",
      message: "X-CSRF-Token header is missing or does not match the session",
    });
  });

  test("cookie + POST with the session's token succeeds", async () => {
    expect((await b.fetch("/api/projects", { method: "POST", json: { name: "p" } })).status).toBe(201);
  });

  test("cookie + GET needs no token", async () => {
    expect((await b.fetch("/api/projects", { csrf: false })).status).toBe(200);
  });

  test("bearer-token requests are exempt", async () => {
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "via token" }),
    });
    expect(res.status).toBe(201);
  });

  test("an Authorization header is the only credential considered when present: a bad token with a good cookie is 401", async () => {
    const res = await b.fetch("/api/projects", {
      headers: { Authorization: "Bearer cinch_wrong-wrong-wrong" },
    });
    expect(res.status).toBe(401);
  });
});

describe("cross-site requests", () => {
  const post = (headers: Record<string, string>) =>
    rawRequest(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ name: "x" }),
    });

  test.each<{ headers: Record<string, string>; status: number }>([
    { headers: { "Sec-Fetch-Site": "cross-site" }, status: 403 },
    { headers: { "Sec-Fetch-Site": "same-site" }, status: 403 },
    { headers: { Origin: "https://evil.example" }, status: 403 },
    { headers: { Origin: "null" }, status: 403 },
    { headers: { Origin: "http://127.0.0.1:8787" }, status: 201 }, // PUBLIC_URL's origin
    { headers: { "Sec-Fetch-Site": "same-origin" }, status: 201 },
    { headers: { "Sec-Fetch-Site": "none" }, status: 201 }, // typed into the address bar / bookmarks
    { headers: {}, status: 201 }, // not a browser (curl, CI)
  ])("state change with $headers → $status", async ({ headers, status }) => {
    const res = await post(headers);
    expect(res.status).toBe(status);
    if (status === 403) expect((JSON.parse(res.body) as { error: string }).error).toBe("cross_site");
  });

  test("the request's own origin is same-origin", async () => {
    expect((await post({ Origin: t.url })).status).toBe(201);
  });

  test("cross-site GETs are not refused (SameSite=Strict keeps the cookie out; no CORS keeps the answer unreadable)", async () => {
    const res = await fetch(`${t.url}/api/projects`, {
      headers: { ...t.auth, "Sec-Fetch-Site": "cross-site" },
    });
    expect(res.status).toBe(200);
  });
});

describe("login CSRF", () => {
  const signInWith = (headers: Record<string, string>, body: string) =>
    rawRequest(`${t.url}/api/session`, { method: "POST", headers, body });

  test.each<{ name: string; headers: Record<string, string>; body: string; status: number }>([
    {
      name: "form post (urlencoded)",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "email=a&password=b",
      status: 415,
    },
    {
      name: "text/plain (no-preflight fetch)",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(ADMIN),
      status: 415,
    },
    {
      name: "multipart",
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
      body: "--x--",
      status: 415,
    },
    {
      name: "JSON from another site",
      headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
      body: JSON.stringify(ADMIN),
      status: 403,
    },
    {
      name: "JSON with a foreign Origin",
      headers: { "Content-Type": "application/json", Origin: "https://evil.example" },
      body: JSON.stringify(ADMIN),
      status: 403,
    },
  ])("$name → $status, no session", async ({ headers, body, status }) => {
    const res = await signInWith(headers, body);
    expect(res.status).toBe(status);
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  test("setup is protected the same way", async () => {
    const res = await fetch(`${t.url}/api/setup`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ token: "x", ...ADMIN }),
    });
    expect(res.status).toBe(415);
  });
});

describe("no CORS on /api", () => {
  test("a preflight from another origin gets no Access-Control-Allow-* headers", async () => {
    const res = await rawRequest(`${t.url}/api/session`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-csrf-token",
      },
    });
    for (const k of Object.keys(res.headers)) expect(k).not.toMatch(/^access-control-/);
  });

  test("API answers carry no Access-Control-Allow-Origin", async () => {
    const res = await rawRequest(`${t.url}/api/projects`, {
      headers: { ...t.auth, Origin: "https://evil.example" },
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
