// Sessions: sign-in, the cookie's attributes, who-am-I, sign-out, sign-out everywhere, fixation, expiry.
import { afterEach, describe, expect, test } from "vitest";
import { sqliteRaw, type TestApp } from "../helpers/app.ts";
import { ADMIN, browser, postSignIn, sessionCookieOf, signIn, startAppWithAdmin } from "./helpers.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe("sign-in", () => {
  test("201 with a CSRF token and an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP)", async () => {
    t = await startAppWithAdmin();
    const res = await postSignIn(t, ADMIN);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { csrfToken: string };
    expect(Object.keys(body)).toEqual(["csrfToken"]);
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [set] = res.headers.getSetCookie();
    expect(set).toMatch(/^cinch_session=[A-Za-z0-9_-]{43}; /);
    const attrs = set!.split("; ").slice(1);
    expect(attrs).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Strict"]));
    expect(attrs).not.toContain("Secure");
  });

  test("behind a TLS-terminating proxy (TRUST_PROXY + X-Forwarded-Proto: https) the cookie is Secure and __Host-", async () => {
    t = await startAppWithAdmin({ TRUST_PROXY: "true" });
    const res = await postSignIn(t, ADMIN, { "X-Forwarded-Proto": "https" });
    expect(res.status).toBe(201);
    const [set] = res.headers.getSetCookie();
    expect(set).toMatch(/^__Host-cinch_session=/);
    expect(set!.split("; ")).toContain("Secure");
  });

  test("X-Forwarded-Proto is ignored without TRUST_PROXY", async () => {
    t = await startAppWithAdmin();
    const res = await postSignIn(t, ADMIN, { "X-Forwarded-Proto": "https" });
    expect(res.headers.getSetCookie()[0]).toMatch(/^cinch_session=/);
  });

  test.each([
    { name: "unknown email", body: { email: "nobody@example.test", password: ADMIN.password } },
    { name: "wrong password", body: { email: ADMIN.email, password: "not-the-password-at-all" } },
  ])("$name: 401 invalid_credentials, same answer, no cookie", async ({ body }) => {
    t = await startAppWithAdmin();
    const res = await postSignIn(t, body);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "invalid_credentials", message: "email or password is wrong" });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  test("email is case-insensitive", async () => {
    t = await startAppWithAdmin();
    expect((await postSignIn(t, { ...ADMIN, email: "Admin@Example.TEST" })).status).toBe(201);
  });

  test.each([
    { name: "no body", body: undefined, status: 415 },
    { name: "missing password", body: { email: ADMIN.email }, status: 400 },
    { name: "extra field", body: { ...ADMIN, admin: true }, status: 400 },
    { name: "array", body: [ADMIN], status: 400 },
  ])("rejects bad input: $name → $status", async ({ body, status }) => {
    t = await startAppWithAdmin();
    const res = await fetch(`${t.url}/api/session`, {
      method: "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBe(status);
  });
});

describe("session lifecycle", () => {
  test("GET /api/session: who am I + the same CSRF token; 401 without a session", async () => {
    t = await startAppWithAdmin();
    const b = await signIn(t);
    const res = await b.fetch("/api/session");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { email: ADMIN.email }, csrfToken: b.csrfToken });
    const anon = await fetch(`${t.url}/api/session`);
    expect(anon.status).toBe(401);
  });

  test("the session works as an admin credential on the API", async () => {
    t = await startAppWithAdmin();
    const b = await signIn(t);
    expect((await b.fetch("/api/projects")).status).toBe(200);
    expect((await b.fetch("/api/tokens")).status).toBe(200);
    expect((await b.fetch("/api/projects", { method: "POST", json: { name: "via session" } })).status).toBe(
      201,
    );
  });

  test("every sign-in issues a new session id, and the one the browser came with is revoked (no fixation)", async () => {
    t = await startAppWithAdmin();
    const first = await signIn(t);
    const res = await postSignIn(t, ADMIN, { Cookie: first.cookie });
    const second = sessionCookieOf(res);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first.cookie);
    expect((await first.fetch("/api/projects")).status).toBe(401);
  });

  test("a planted session id is never adopted", async () => {
    t = await startAppWithAdmin();
    const planted = `cinch_session=${"A".repeat(43)}`;
    const res = await postSignIn(t, ADMIN, { Cookie: planted });
    expect(sessionCookieOf(res)).not.toBe(planted);
    expect((await browser(t, planted, "x").fetch("/api/projects")).status).toBe(401);
  });

  test("session ids are stored hashed: the database never holds the cookie value", async () => {
    t = await startAppWithAdmin();
    const b = await signIn(t);
    const id = b.cookie.split("=")[1]!;
    const rows = sqliteRaw(t).prepare("SELECT idHash FROM Session").all() as { idHash: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.idHash).not.toContain(id);
    expect(rows[0]!.idHash).toBe(t.deps.sessions.hashId(id));
  });

  test("DELETE /api/session signs out (204, cookie cleared, session gone); needs the CSRF token", async () => {
    t = await startAppWithAdmin();
    const b = await signIn(t);
    expect((await b.fetch("/api/session", { method: "DELETE", csrf: false })).status).toBe(403);
    const res = await b.fetch("/api/session", { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toMatch(/^cinch_session=; .*Max-Age=0/);
    expect((await b.fetch("/api/projects")).status).toBe(401);
  });

  test("POST /api/session/revoke-all ends every session of the user", async () => {
    t = await startAppWithAdmin();
    const a = await signIn(t);
    const b = await signIn(t);
    expect((await a.fetch("/api/projects")).status).toBe(200);
    expect((await a.fetch("/api/session/revoke-all", { method: "POST" })).status).toBe(204);
    expect((await a.fetch("/api/projects")).status).toBe(401);
    expect((await b.fetch("/api/projects")).status).toBe(401);
  });

  test("revoke-all with a bearer token is refused (it is about a signed-in user)", async () => {
    t = await startAppWithAdmin();
    const res = await fetch(`${t.url}/api/session/revoke-all`, { method: "POST", headers: t.auth });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("session_required");
  });

  test("a password change ends every session; a sign-in with an outdated hash rehashes it", async () => {
    t = await startAppWithAdmin();
    const b = await signIn(t);
    const user = (await t.deps.users.byEmail(ADMIN.email))!;
    await t.deps.users.setPassword(user.id, "harbor-violet-quartz-21");
    expect((await b.fetch("/api/projects")).status).toBe(401);
    const { hash } = await import("@node-rs/argon2");
    await t.deps.users.setPasswordHash(
      user.id,
      await hash(ADMIN.password, { memoryCost: 4096, timeCost: 3 }),
    );
    expect((await postSignIn(t, ADMIN)).status).toBe(201);
    expect((await t.deps.users.byId(user.id))!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test("idle expiry: a session unused for SESSION_IDLE_MINUTES is gone", async () => {
    t = await startAppWithAdmin({ SESSION_IDLE_MINUTES: "5" });
    const b = await signIn(t);
    const id = b.cookie.split("=")[1]!;
    expect(await t.deps.sessions.resolve(id, Date.now() + 4 * 60_000)).not.toBeNull();
    // the resolve above touched lastSeenAt; 5 minutes after that touch the session has idled out
    expect(await t.deps.sessions.resolve(id, Date.now() + 9 * 60_000 + 1)).toBeNull();
    expect((await b.fetch("/api/projects")).status).toBe(401);
  });

  test("absolute expiry: even a busy session ends after SESSION_MAX_HOURS", async () => {
    t = await startAppWithAdmin({ SESSION_MAX_HOURS: "1", SESSION_IDLE_MINUTES: "600" });
    const b = await signIn(t);
    const id = b.cookie.split("=")[1]!;
    const now = Date.now();
    for (let m = 10; m < 60; m += 10)
      expect(await t.deps.sessions.resolve(id, now + m * 60_000)).not.toBeNull();
    expect(await t.deps.sessions.resolve(id, now + 61 * 60_000)).toBeNull();
    expect((await b.fetch("/api/projects")).status).toBe(401);
  });

  test("the cookie lives until the absolute expiry", async () => {
    t = await startAppWithAdmin({ SESSION_MAX_HOURS: "2" });
    const res = await postSignIn(t, ADMIN);
    const maxAge = Number(/Max-Age=(\d+)/.exec(res.headers.getSetCookie()[0]!)?.[1]);
    expect(maxAge).toBeGreaterThan(7190);
    expect(maxAge).toBeLessThanOrEqual(7200);
  });
});
