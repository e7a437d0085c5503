// The auth boundary, enumerated from the router: every /api route answers 401 without credentials and 403 with
// too little scope; the few public routes are listed here by name, so a new route without a check fails.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import type { RouteInfo } from "../../server/api/routes.ts";
import { SCOPES, type Scope } from "../../server/store/tokens.ts";
import { signIn, startAppWithAdmin, type Browser } from "./helpers.ts";

/** The only routes reachable without credentials, and why. */
const PUBLIC_ROUTES = [
  "GET /api/session", // who am I: answers 401 itself without a session
  "POST /api/session", // sign-in
  "GET /api/setup", // whether the first admin is still to be created
  "POST /api/setup", // first admin, with the one-time setup token
];

let t: TestApp;
let session: Browser;
let routes: RouteInfo[];
const tokens: Partial<Record<Scope, string>> = {};

beforeAll(async () => {
  t = await startAppWithAdmin();
  session = await signIn(t);
  routes = t.app.api.routes;
  for (const s of SCOPES) tokens[s] = await t.tokenFor(s);
});
afterAll(async () => {
  await t.close();
});

const concrete = (path: string) =>
  path
    .replace(/:groupId\b/g, "1")
    .replace(/:id\b/g, "00000000-0000-4000-8000-000000000000")
    .replace(/:\w+/g, "x");
const label = (r: RouteInfo) => `${r.method.toUpperCase()} ${r.path}`;
const unsafe = (r: RouteInfo) => r.method !== "get";

function call(r: RouteInfo, headers: Record<string, string>): Promise<Response> {
  return fetch(`${t.url}${concrete(r.path)}`, {
    method: r.method.toUpperCase(),
    headers: {
      "Sec-Fetch-Site": "same-origin",
      ...(unsafe(r) ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: unsafe(r) ? "{}" : undefined,
    signal: AbortSignal.timeout(5000),
  });
}

describe("route table", () => {
  test("every route of the API router is declared through ApiRouter (none added behind its back)", () => {
    const declared = new Set(routes.map((r) => label(r)));
    const actual = t.app.api.router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== "HEAD").map((m) => `${m} ${layer.path}`),
    );
    expect(actual.length).toBeGreaterThan(10);
    for (const a of actual) expect(declared, a).toContain(a);
    expect(actual.length).toBe(routes.length);
  });

  test("the public routes are exactly the enumerated exemptions", () => {
    const pub = routes
      .filter((r) => r.scope === "public")
      .map(label)
      .sort();
    expect(pub).toEqual([...PUBLIC_ROUTES].sort());
  });

  test("the known families are all there", () => {
    const all = routes.map(label);
    for (const r of [
      "GET /api/projects",
      "POST /api/tokens",
      "DELETE /api/tokens/:id",
      "DELETE /api/session",
    ]) {
      expect(all).toContain(r);
    }
  });
});

describe("every protected route", () => {
  const scopeBelow = (s: Scope): Scope | null => SCOPES[SCOPES.indexOf(s) - 1] ?? null;

  test("401 without credentials, and with a bogus or revoked token", async () => {
    const revoked = await t.tokenFor("admin");
    await t.deps.tokens.revokeById((await t.deps.tokens.verify(revoked))!.id);
    for (const r of routes.filter((x) => x.scope !== "public")) {
      const variants: Record<string, string>[] = [
        {},
        { Authorization: "Bearer cinch_not-a-real-token-0000000000000" },
        { Authorization: `Bearer ${revoked}` },
        { Authorization: "Basic YWRtaW46YWRtaW4=" },
        { Cookie: `cinch_session=${"A".repeat(43)}` },
      ];
      for (const headers of variants) {
        const res = await call(r, headers);
        expect(res.status, `${label(r)} with ${JSON.stringify(headers)}`).toBe(401);
        expect(await res.json()).toEqual({ error: "unauthorized", message: "authentication required" });
      }
    }
  });

  test("403 insufficient_scope with a token one scope too low", async () => {
    let checked = 0;
    for (const r of routes) {
      if (r.scope === "public") continue;
      const below = scopeBelow(r.scope);
      if (!below) continue;
      const res = await call(r, { Authorization: `Bearer ${tokens[below]!}` });
      expect(res.status, `${label(r)} with a ${below} token`).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("insufficient_scope");
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  test("state-changing routes refuse a session cookie without the CSRF token (403 csrf_failed)", async () => {
    let checked = 0;
    for (const r of routes.filter((x) => x.scope !== "public" && unsafe(x))) {
      const res = await call(r, { Cookie: session.cookie });
      expect(res.status, label(r)).toBe(403);
      expect(((await res.json()) as { error: string }).error, label(r)).toBe("csrf_failed");
      const wrong = await call(r, { Cookie: session.cookie, "X-CSRF-Token": "A".repeat(43) });
      expect(wrong.status, label(r)).toBe(403);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  test("a signed-in admin passes the auth check of every route (scope admin)", async () => {
    // Not the live tail (it streams) nor the two routes that end the session being used.
    const skip = ["GET /api/projects/:id/tail", "DELETE /api/session", "POST /api/session/revoke-all"];
    for (const r of routes.filter((x) => x.scope !== "public" && !skip.includes(label(x)))) {
      const res = await call(r, { Cookie: session.cookie, "X-CSRF-Token": session.csrfToken });
      expect([401, 403], `${label(r)} → ${res.status}`).not.toContain(res.status);
    }
  });
});
