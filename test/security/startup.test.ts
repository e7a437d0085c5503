// First start: an empty database prints one setup URL; CINCH_ADMIN_* bootstraps instead; a weak bootstrap
// password or SESSION_SECRET stops the start; Cinch's own CSP reports go to its built-in project.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { startServer, type Running } from "../../server/server.ts";
import { rawRequest } from "./helpers.ts";

const root = new URL("../../", import.meta.url).pathname;
const dirs: string[] = [];
let running: Running | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "cinch-start-"));
  dirs.push(d);
  return d;
};

/** Run server/main.ts until it listens (or exits); returns everything it printed. */
function runMain(
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", join(root, "server/main.ts")], {
      cwd: root,
      env: {
        ...process.env,
        PORT: "0",
        CINCH_ADMIN_EMAIL: "",
        CINCH_ADMIN_PASSWORD: "",
        SESSION_SECRET: "",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`no start: ${stdout}${stderr}`));
    }, 30_000);
    proc.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      // Up: listening, and (with no bootstrap admin) past the setup notice.
      if (stdout.includes("listening on") && (env.CINCH_ADMIN_EMAIL || stdout.includes("no admin yet"))) {
        proc.kill("SIGTERM");
      }
    });
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

describe("cinch serve on an empty database", () => {
  test("prints one `Setup: <publicUrl>/setup#<token>` line, outside the JSON log", async () => {
    const { stdout } = await runMain({ DATA_DIR: tempDir(), PUBLIC_URL: "https://cinch.example" });
    const lines = stdout.split("\n").filter((l) => l.includes("setup#"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Setup: https:\/\/cinch\.example\/setup#[A-Za-z0-9_-]{43}$/);
  });

  test("with CINCH_ADMIN_EMAIL/PASSWORD: no setup URL, and the admin can sign in", async () => {
    const { stdout } = await runMain({
      DATA_DIR: tempDir(),
      CINCH_ADMIN_EMAIL: "boot@example.test",
      CINCH_ADMIN_PASSWORD: "granite-meadow-pixel-64",
    });
    expect(stdout).not.toContain("Setup:");
    expect(stdout).toContain("created the first admin from CINCH_ADMIN_EMAIL");
    expect(stdout).not.toContain("granite-meadow-pixel-64");
  });

  test.each<{ env: Record<string, string>; err: string }>([
    {
      env: { CINCH_ADMIN_EMAIL: "boot@example.test", CINCH_ADMIN_PASSWORD: "password123" },
      err: "CINCH_ADMIN_PASSWORD: password must be at least 12 characters",
    },
    {
      env: { CINCH_ADMIN_EMAIL: "boot@example.test" },
      err: "CINCH_ADMIN_EMAIL and CINCH_ADMIN_PASSWORD must be set together",
    },
    { env: { SESSION_SECRET: "tooshort" }, err: "SESSION_SECRET: must encode at least 32 random bytes" },
  ])("refuses to start: $err", async ({ env, err }) => {
    const r = await runMain({ DATA_DIR: tempDir(), ...env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(err);
  });
});

describe("startServer", () => {
  test("a restart issues a fresh setup URL, earlier ones stay valid for their hour; a signed-up admin ends them", async () => {
    const dir = tempDir();
    const config = loadConfig({ DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent" });
    running = await startServer(config);
    const first = running.setupUrl!;
    await running.stop();
    running = await startServer(config);
    const second = running.setupUrl!;
    expect(second).not.toBe(first);
    const post = (url: string) =>
      fetch(`${running!.url}/api/setup`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          token: url.split("#")[1],
          email: "a@example.test",
          password: "granite-meadow-pixel-64",
        }),
      });
    // Tokens are not wiped on start (#13: several nodes start at once, each printing its own URL, and any of them
    // must work), so the first stays valid for its hour; a made-up one never is, and one admin ends them all.
    expect((await post(`made-up#${"A".repeat(43)}`)).status).toBe(403);
    expect((await post(second)).status).toBe(201);
    expect((await post(first)).status).toBe(409);
    await running.stop();
    running = await startServer(config);
    expect(running.setupUrl).toBeNull();
  });

  test("Cinch's own CSP reports to its built-in project, which accepts the reports", async () => {
    running = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: "0", LOG_LEVEL: "silent" }));
    const res = await rawRequest(`${running.url}/`);
    const uri = /report-uri (\S+?)(;|$)/.exec(String(res.headers["content-security-policy"]))?.[1];
    expect(uri).toMatch(/\/r\/[A-Za-z0-9_-]+$/);
    // Over plain HTTP the policy reports through report-uri only (report-to would silence it in Chromium).
    expect(uri).toMatch(/^http:\/\//);
    expect(String(res.headers["content-security-policy"])).not.toContain("report-to");
    expect(res.headers["reporting-endpoints"]).toBeUndefined();
    const builtin = await running.deps.projects.getBuiltin();
    expect(uri!.endsWith(`/r/${builtin!.reportKey}`)).toBe(true);
    const path = new URL(uri!).pathname;
    const sent = await fetch(`${running.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "http://127.0.0.1/",
          "blocked-uri": "inline",
          "effective-directive": "script-src-elem",
        },
      }),
    });
    expect(sent.status).toBe(204);
  });
});
