// `cinch scripts list|export` (#18) on the configured database: filters as options, the export to stdout or a file,
// and bad options refused with exit 2 naming the option.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

const root = new URL("../../", import.meta.url).pathname;
const BATCH = JSON.stringify(
  (
    JSON.parse(
      readFileSync(
        new URL("../fixtures/script-reports/chromium156-script-hashes-batch/request.json", import.meta.url),
        "utf8",
      ),
    ) as { body: unknown }
  ).body,
);

let t: TestApp;
let pid = "";

const cinch = (...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["bin/cinch.mjs", ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: t.dir, DATABASE_URL: "" }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  t = await startTestApp();
  const p = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as {
    id: string;
    reportKey: string;
  };
  pid = p.id;
  const res = await fetch(`${t.url}/r/${p.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body: BATCH,
  });
  expect(res.status).toBe(204);
  const app = (await t.deps.scripts.list(pid)).find((s) => s.url === "https://shop.localhost/app.js")!;
  await t.deps.scripts.review(pid, app.id, "authorized", "+our bundle", "admin@example.test", Date.now());
}, 60_000);
afterAll(async () => t.close());

// Each command starts a Node process through tsx: seconds each, 25 s measured for the first on 2 busy cores.
describe.skipIf(process.env.CINCH_TEST_ENGINE === "postgres")("cinch scripts", { timeout: 120_000 }, () => {
  test("list: one JSON line per script; --status and --origin filter", async () => {
    const all = await cinch("scripts", "list", pid);
    expect(all.stderr).toBe("");
    expect(all.status).toBe(0);
    const lines = all.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { url: string; status: string });
    expect(lines.map((l) => l.url).sort()).toEqual([
      "https://cdn.localhost/lib/cors.js",
      "https://cdn.localhost/lib/nocors.js",
      "https://shop.localhost/app.js",
    ]);
    const authorized = await cinch("scripts", "list", pid, "--status", "authorized");
    expect(
      authorized.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { url: string }).url),
    ).toEqual(["https://shop.localhost/app.js"]);
    const cdn = await cinch("scripts", "list", pid, "--origin", "https://cdn.localhost");
    expect(cdn.stdout.trim().split("\n")).toHaveLength(2);
  });

  test("export: CSV to a file, the justification escaped for spreadsheets", async () => {
    const file = join(t.dir, "inventory.csv");
    const r = await cinch("scripts", "export", pid, "--format", "csv", "--out", file);
    expect(r.status).toBe(0);
    const csv = readFileSync(file, "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^record,scriptId,url,/);
    expect(csv).toContain(",'+our bundle,");
    expect(csv.split("\r\n").filter((l) => l.startsWith("script,"))).toHaveLength(3);
  });

  test("export: JSON to stdout for a period", async () => {
    const r = await cinch("scripts", "export", pid, "--since", "2000-01-01");
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as {
      period: { since: string };
      scripts: unknown[];
      events: { kind: string }[];
    };
    expect(json.period.since).toBe("2000-01-01T00:00:00.000Z");
    expect(json.scripts).toHaveLength(3);
    expect(json.events.map((e) => e.kind)).toContain("script-reviewed");
  });

  test.each([
    {
      args: ["list", "PID", "--status", "ok"],
      error: "--status: must be new, authorized, rejected or changed, not ok",
    },
    { args: ["export", "PID", "--format", "xml"], error: "--format: must be csv or json, not xml" },
    { args: ["export", "PID", "--since", "last week"], error: "--since: not a date" },
  ])("$args → exit 2", async ({ args, error }) => {
    const r = await cinch("scripts", ...args.map((a) => (a === "PID" ? pid : a)));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(error);
  });

  test("an unknown project exits 1", async () => {
    const r = await cinch("scripts", "list", "nope");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("cinch: no project with id nope\n");
  });
});
