// First run: the one-time setup token (single use, one hour) and the CINCH_ADMIN_* bootstrap.
import { afterEach, describe, expect, test } from "vitest";
import { sqliteRaw, startTestApp, type TestApp } from "../helpers/app.ts";
import { prepareFirstRun, SETUP_TOKEN_TTL_MS } from "../../server/store/setup.ts";
import { ConfigError } from "../../server/config.ts";
import { browser, sessionCookieOf } from "./helpers.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const GOOD = { email: "first@example.test", password: "blue-kettle-orbit-47" };

const postSetup = (app: TestApp, body: unknown) =>
  fetch(`${app.url}/api/setup`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" },
    body: JSON.stringify(body),
  });

async function freshApp(): Promise<{ app: TestApp; token: string }> {
  const app = await startTestApp({ SIGNIN_ATTEMPTS_PER_MINUTE: "1000" });
  const first = await prepareFirstRun(app.deps.users, app.deps.setup, {});
  if (first.kind !== "setup") throw new Error("expected a setup token");
  return { app, token: first.token };
}

describe("setup token", () => {
  test("GET /api/setup says whether setup is needed", async () => {
    const { app, token } = await freshApp();
    t = app;
    expect(await (await fetch(`${app.url}/api/setup`)).json()).toEqual({ needed: true });
    expect((await postSetup(app, { token, ...GOOD })).status).toBe(201);
    expect(await (await fetch(`${app.url}/api/setup`)).json()).toEqual({ needed: false });
  });

  test("POST /api/setup creates the first admin and signs in (201, csrfToken, cookie)", async () => {
    const { app, token } = await freshApp();
    t = app;
    const res = await postSetup(app, { token, ...GOOD });
    expect(res.status).toBe(201);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    const cookie = sessionCookieOf(res)!;
    const me = await browser(app, cookie, csrfToken).fetch("/api/session");
    expect(await me.json()).toEqual({ user: { email: GOOD.email }, csrfToken });
    const user = await app.deps.users.byEmail(GOOD.email);
    expect(user?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test("single use: the token cannot be spent twice, even with no admin left", async () => {
    const { app, token } = await freshApp();
    t = app;
    expect(await app.deps.setup.createAdmin(token, GOOD.email, GOOD.password)).not.toBeNull();
    await app.deps.users.remove(GOOD.email);
    expect(await app.deps.setup.createAdmin(token, "second@example.test", GOOD.password)).toBeNull();
    expect(await app.deps.users.count()).toBe(0);
  });

  test("two setups at once with two tokens create exactly one admin", async () => {
    const { app, token } = await freshApp();
    t = app;
    const other = await app.deps.setup.issue();
    const results = await Promise.all([
      postSetup(app, { token, ...GOOD }),
      postSetup(app, { token: other, email: "second@example.test", password: GOOD.password }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await app.deps.users.count()).toBe(1);
  });

  test("a second setup is refused once an admin exists (409)", async () => {
    const { app, token } = await freshApp();
    t = app;
    expect((await postSetup(app, { token, ...GOOD })).status).toBe(201);
    const again = await postSetup(app, { token, email: "second@example.test", password: GOOD.password });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe("setup_done");
  });

  test("expires after an hour", async () => {
    const { app, token } = await freshApp();
    t = app;
    const { setup } = app.deps;
    expect(
      await setup.createAdmin(token, GOOD.email, GOOD.password, Date.now() + SETUP_TOKEN_TTL_MS + 1000),
    ).toBeNull();
    expect(
      await setup.createAdmin(token, GOOD.email, GOOD.password, Date.now() + SETUP_TOKEN_TTL_MS - 60_000),
    ).not.toBeNull();
  });

  test("a restart prints a fresh token; the earlier one (another node's) still works", async () => {
    const { app, token } = await freshApp();
    t = app;
    const again = await prepareFirstRun(app.deps.users, app.deps.setup, {});
    expect(again.kind === "setup" && again.token !== token).toBe(true);
    expect((await postSetup(app, { token, ...GOOD })).status).toBe(201);
  });

  test("expired tokens go when the next one is issued", async () => {
    const { app, token } = await freshApp();
    t = app;
    await prepareFirstRun(app.deps.users, app.deps.setup, {});
    const count = () => sqliteRaw(app).prepare("SELECT count(*) AS n FROM SetupToken").get() as { n: number };
    expect(count().n).toBe(2);
    const later = await app.deps.setup.issue(Date.now() + SETUP_TOKEN_TTL_MS + 1000);
    expect(count().n).toBe(1);
    expect((await postSetup(app, { token, ...GOOD })).status).toBe(403);
    expect((await postSetup(app, { token: later, ...GOOD })).status).toBe(201);
  });

  test("stored hashed", async () => {
    const { app, token } = await freshApp();
    t = app;
    const rows = sqliteRaw(app).prepare("SELECT tokenHash FROM SetupToken").all() as { tokenHash: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token);
  });

  test.each([
    {
      name: "wrong token",
      body: (tok: string) => ({ ...GOOD, token: `${tok}x` }),
      status: 403,
      error: "invalid_setup_token",
    },
    {
      name: "short password",
      body: (tok: string) => ({ ...GOOD, token: tok, password: "short" }),
      status: 400,
      error: "weak_password",
    },
    {
      name: "common password",
      body: (tok: string) => ({ ...GOOD, token: tok, password: "Password123456!" }),
      status: 400,
      error: "weak_password",
    },
    {
      name: "bad email",
      body: (tok: string) => ({ ...GOOD, token: tok, email: "not-an-email" }),
      status: 400,
      error: "invalid_input",
    },
    {
      name: "extra field",
      body: (tok: string) => ({ ...GOOD, token: tok, role: "owner" }),
      status: 400,
      error: "invalid_input",
    },
  ])("rejects $name ($status $error) and the token stays usable", async ({ body, status, error }) => {
    const { app, token } = await freshApp();
    t = app;
    const res = await postSetup(app, body(token));
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBe(error);
    expect((await postSetup(app, { token, ...GOOD })).status).toBe(201);
  });

  test("the weak-password message names the problem", async () => {
    const { app, token } = await freshApp();
    t = app;
    const res = await postSetup(app, { ...GOOD, token, password: "short" });
    expect(await res.json()).toEqual({
      error: "weak_password",
      message: "password: must be at least 12 characters",
    });
  });
});

describe("CINCH_ADMIN_EMAIL / CINCH_ADMIN_PASSWORD", () => {
  test("create the first admin when there is none; no setup token then", async () => {
    t = await startTestApp();
    const first = await prepareFirstRun(t.deps.users, t.deps.setup, GOOD);
    expect(first).toEqual({ kind: "bootstrapped", email: GOOD.email });
    expect((await t.deps.users.byEmail(GOOD.email))?.email).toBe(GOOD.email);
    expect(sqliteRaw(t).prepare("SELECT COUNT(*) AS n FROM SetupToken").get()).toEqual({ n: 0 });
  });

  test("are ignored once users exist (never overwrite a password)", async () => {
    t = await startTestApp();
    await t.deps.users.create("existing@example.test", "the-original-password-1");
    expect(await prepareFirstRun(t.deps.users, t.deps.setup, GOOD)).toEqual({ kind: "ready" });
    expect(await t.deps.users.byEmail(GOOD.email)).toBeNull();
  });

  test("a weak bootstrap password stops the start with a ConfigError", async () => {
    t = await startTestApp();
    await expect(
      prepareFirstRun(t.deps.users, t.deps.setup, { email: GOOD.email, password: "password" }),
    ).rejects.toThrow(ConfigError);
    expect(await t.deps.users.count()).toBe(0);
  });
});
