// Logs: structured request lines (method, path, status, duration); secrets and report contents never appear.
import { Writable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { createLogger } from "../../server/http/log.ts";
import { ADMIN, postSignIn, signIn } from "./helpers.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** A logger writing into an array of parsed lines. */
function capture(level: string): {
  lines: Record<string, unknown>[];
  text: () => string;
  log: ReturnType<typeof createLogger>;
} {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString();
      for (const l of chunk.toString().split("\n"))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, text: () => raw, log: createLogger(level, stream) };
}

describe("the logger redacts", () => {
  test("authorization, cookies, passwords, tokens, CSRF tokens, secrets and query strings", () => {
    const c = capture("info");
    c.log.info(
      {
        req: { headers: { authorization: "Bearer S1", cookie: "cinch_session=S2", "x-csrf-token": "S3" } },
        res: { headers: { "set-cookie": "cinch_session=S4" } },
        password: "S5",
        body: { token: "S6", csrfToken: "S7", nested: { password: "S8" } },
        config: { SESSION_SECRET: "S9", secret: "S10" },
        url: "/api/projects?text=S11",
        query: { text: "S12" },
      },
      "hello",
    );
    expect(c.text()).not.toMatch(/S\d/);
    expect(c.lines[0]).toMatchObject({ msg: "hello", url: "/api/projects", password: "[redacted]" });
  });
});

describe("the app's logs", () => {
  test("one info line per request, and no secret in any line", async () => {
    const c = capture("trace");
    t = await startTestApp({ SIGNIN_ATTEMPTS_PER_MINUTE: "1000" }, { log: c.log });
    const wrongPassword = "wrong-password-MARK1";
    await t.deps.users.create(ADMIN.email, ADMIN.password);
    await postSignIn(t, { email: ADMIN.email, password: wrongPassword });
    const b = await signIn(t);
    const project = (await (
      await b.fetch("/api/projects", { method: "POST", json: { name: "p" } })
    ).json()) as {
      id: string;
      reportKey: string;
    };
    await b.fetch(`/api/projects/${project.id}/violations?text=QUERYMARK2&page=QUERYMARK3`);
    await fetch(`${t.url}/api/projects?token=QUERYMARK4`, { headers: t.auth });
    await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: '{"name": "REPORTMARK0", broken',
    });
    await fetch(`${t.url}/r/${project.reportKey}?env=ENVMARK5`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "https://shop.example/REPORTMARK1?session=REPORTMARK2",
          "blocked-uri": "https://evil.example/REPORTMARK3",
          "effective-directive": "script-src",
          "script-sample": "REPORTMARK4",
        },
      }),
    });
    await new Promise((r) => setTimeout(r, 30));

    const text = c.text();
    for (const secret of [ADMIN.password, wrongPassword, t.token, b.cookie.split("=")[1]!, b.csrfToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/QUERYMARK|ENVMARK|REPORTMARK/);

    const requests = c.lines.filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const r of requests) {
      expect(Object.keys(r).sort()).toEqual([
        "hostname",
        "level",
        "method",
        "ms",
        "msg",
        "path",
        "pid",
        "status",
        "time",
      ]);
      expect(String(r.path)).not.toContain("?");
    }
    expect(requests).toContainEqual(
      expect.objectContaining({ level: 30, method: "POST", path: "/api/session", status: 201 }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ level: 30, method: "POST", path: "/api/session", status: 401 }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        level: 30,
        method: "GET",
        path: `/api/projects/${project.id}/violations`,
        status: 200,
      }),
    );
  });

  test("report contents are not logged at info level", async () => {
    const c = capture("info");
    t = await startTestApp({}, { log: c.log });
    const p = await t.deps.projects.create("p");
    for (const body of [
      JSON.stringify({
        "csp-report": {
          "document-uri": "https://a.example/SECRETPAGE",
          "blocked-uri": "inline",
          "effective-directive": "script-src",
          "script-sample": "SECRETSAMPLE",
        },
      }),
      '{"csp-report": SECRETBROKEN',
    ]) {
      await fetch(`${t.url}/r/${p.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body,
      });
    }
    await new Promise((r) => setTimeout(r, 30));
    expect(c.text()).not.toMatch(/SECRET/);
    // the rejected report still leaves its request line
    expect(c.lines).toContainEqual(expect.objectContaining({ msg: "request", method: "POST", status: 400 }));
  });
});
