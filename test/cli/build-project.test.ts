// `cinch build --project <id>` builds from the project's stored groups in the local database.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { ProjectStore } from "../../server/store/projects.ts";
import { ReportWriter } from "../../server/store/writer.ts";
import { parseReportBody } from "../../server/reports/parse.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-build-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (directive: string, blocked: string) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/",
      "effective-directive": directive,
      "blocked-uri": blocked,
    },
  });

test("build --project uses stored groups, the project's report URL and its evidence threshold", async () => {
  const db = await openDb(join(dir, "cinch.db"));
  const project = await new ProjectStore(db).create("shop");
  const writer = new ReportWriter(db.raw, { flushMs: 0, maxQueue: 1000 });
  const bodies = [
    ...Array.from({ length: 3 }, () => report("script-src-elem", "https://cdn.example.net/a.js")),
    report("img-src", "https://once.example.org/x.png"),
  ];
  for (const b of bodies) {
    const parsed = parseReportBody("application/csp-report", b);
    if (!parsed.ok) throw new Error(parsed.message);
    await writer.enqueue(project.id, parsed.violations, { policyVersion: null, env: "" });
  }
  writer.close();
  await db.close();

  const r = spawnSync(process.execPath, ["bin/cinch.mjs", "build", "--project", project.id], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir, PUBLIC_URL: "https://csp.example.com" },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines[0]).toBe(`2 group(s) read from project ${project.id}`);
  const policy = lines.at(-1)!;
  expect(policy).toContain("script-src 'self' 'report-sample' https://cdn.example.net");
  expect(policy).not.toContain("once.example.org");
  expect(policy).toContain(`report-uri https://csp.example.com/r/${project.reportKey}; report-to cinch`);

  const missing = spawnSync(process.execPath, ["bin/cinch.mjs", "build", "--project", "nope"], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(missing.status).toBe(1);
  expect(missing.stderr.trim()).toBe("cinch: no project with id nope");
});
