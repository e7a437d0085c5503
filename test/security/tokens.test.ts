// API tokens through the API: shown once, stored hashed, named, scoped, last-used, revocable. Admin scope.
import { afterEach, describe, expect, test } from "vitest";
import { api, sqliteRaw, startTestApp, type TestApp } from "../helpers/app.ts";
import { hashToken } from "../../server/store/tokens.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

type Created = {
  id: string;
  name: string;
  scope: string;
  token: string;
  createdAt: string;
  lastUsedAt: null;
};

describe("/api/tokens", () => {
  test("create → 201 with the token once; the list never shows it; the token works with its scope", async () => {
    t = await startTestApp();
    const res = await api(t, "POST", "/api/tokens", { name: "ci", scope: "read" });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Created;
    expect(created).toMatchObject({ name: "ci", scope: "read", lastUsedAt: null });
    expect(created.token).toMatch(/^cinch_[A-Za-z0-9_-]{43}$/);
    const list = await (await api(t, "GET", "/api/tokens")).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.token);
    const auth = { Authorization: `Bearer ${created.token}` };
    expect((await fetch(`${t.url}/api/projects`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${t.url}/api/tokens`, { headers: auth })).status).toBe(403);
  });

  test("stored as a hash only", async () => {
    t = await startTestApp();
    const created = (await (
      await api(t, "POST", "/api/tokens", { name: "x", scope: "write" })
    ).json()) as Created;
    const rows = sqliteRaw(t).prepare("SELECT * FROM ApiToken").all();
    expect(JSON.stringify(rows)).not.toContain(created.token);
    expect(JSON.stringify(rows)).toContain(hashToken(created.token));
  });

  test("last-used time is recorded", async () => {
    t = await startTestApp();
    const created = (await (
      await api(t, "POST", "/api/tokens", { name: "x", scope: "read" })
    ).json()) as Created;
    await fetch(`${t.url}/api/projects`, { headers: { Authorization: `Bearer ${created.token}` } });
    const { tokens } = (await (await api(t, "GET", "/api/tokens")).json()) as {
      tokens: { id: string; lastUsedAt: string | null }[];
    };
    const used = tokens.find((x) => x.id === created.id)!;
    expect(Date.parse(used.lastUsedAt!)).toBeGreaterThan(Date.now() - 10_000);
  });

  test("revoke → 204, then the token is refused and unlisted; revoking again → 404", async () => {
    t = await startTestApp();
    const created = (await (
      await api(t, "POST", "/api/tokens", { name: "x", scope: "read" })
    ).json()) as Created;
    expect((await api(t, "DELETE", `/api/tokens/${created.id}`)).status).toBe(204);
    expect(
      (await fetch(`${t.url}/api/projects`, { headers: { Authorization: `Bearer ${created.token}` } }))
        .status,
    ).toBe(401);
    expect(await (await api(t, "GET", "/api/tokens")).text()).not.toContain(created.id);
    expect((await api(t, "DELETE", `/api/tokens/${created.id}`)).status).toBe(404);
  });

  test.each([
    { body: { name: "x", scope: "root" }, message: "scope" },
    { body: { name: "", scope: "read" }, message: "name: must not be empty" },
    { body: { name: "x".repeat(101), scope: "read" }, message: "name: must be at most 100 characters" },
    { body: { name: "x" }, message: "scope" },
    { body: { name: "x", scope: "read", token: "mine" }, message: "body" },
  ])("rejects bad input $body", async ({ body, message }) => {
    t = await startTestApp();
    const res = await api(t, "POST", "/api/tokens", body);
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: string; message: string };
    expect(err.error).toBe("invalid_input");
    expect(err.message).toContain(message);
  });
});
