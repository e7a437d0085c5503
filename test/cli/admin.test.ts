// The cinch command: project create and token create against a database chosen by DATA_DIR.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { TokenStore } from "../../server/store/tokens.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cinch = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/cinch.mjs", ...args], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir, PUBLIC_URL: "https://csp.example.com" },
    encoding: "utf8",
    timeout: 60_000,
  });

test("project create prints the install values", () => {
  const r = cinch("project", "create", "--name", "shop");
  expect(r.status).toBe(0);
  const p = JSON.parse(r.stdout) as {
    name: string;
    reportKey: string;
    reportUri: string;
    reportingEndpoints: string;
    reportOnlyPolicy: string;
  };
  expect(p.name).toBe("shop");
  expect(p.reportUri).toBe(`https://csp.example.com/r/${p.reportKey}`);
  expect(p.reportingEndpoints).toBe(`cinch="https://csp.example.com/r/${p.reportKey}"`);
  expect(p.reportOnlyPolicy).toContain(`report-uri https://csp.example.com/r/${p.reportKey}`);
  expect(p.reportOnlyPolicy).toContain("report-to cinch");
});

test("token create prints a token that is stored hashed and verifies with its scope", async () => {
  const r = cinch("token", "create", "--name", "ci", "--scope", "read");
  expect(r.status).toBe(0);
  const token = r.stdout.trim();
  expect(token).toMatch(/^cinch_[A-Za-z0-9_-]{40,}$/);
  const db = await openDb(join(dir, "cinch.db"));
  const stored = db.raw.prepare("SELECT tokenHash FROM ApiToken WHERE name = 'ci'").get() as {
    tokenHash: string;
  };
  expect(stored.tokenHash).not.toContain(token);
  const info = await new TokenStore(db).verify(token);
  expect(info?.scope).toBe("read");
  await db.close();
});

test.each([
  {
    args: ["token", "create", "--name", "x", "--scope", "root"],
    err: "cinch: --scope must be one of read, write, admin (got root)",
  },
  { args: ["project", "create", "--name", "   "], err: "cinch: --name must be 1-100 characters" },
  { args: ["token", "revoke", "nope"], err: "cinch: no active token with id or name nope" },
])("$args fails clearly", ({ args, err }) => {
  const r = cinch(...args);
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toBe(err);
});
