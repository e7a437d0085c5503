// cinch project delete and rotate-key on the database DATA_DIR chooses.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { ReportWriter } from "../../server/store/writer.ts";
import { violation } from "../helpers/violation.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-cli-lifecycle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cinch = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/cinch.mjs", ...args], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir, PUBLIC_URL: "https://csp.example.com" },
    encoding: "utf8",
    timeout: 60_000,
  });

const create = (name: string) => {
  const r = cinch("project", "create", "--name", name);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { id: string; reportKey: string };
};

/** A few reports through the writer, so the project owns groups, hours, rollups and samples. */
async function reportsFor(projectId: string): Promise<void> {
  const db = await openDb(join(dir, "cinch.db"));
  const writer = new ReportWriter(db.raw, { flushMs: 0, maxQueue: 1000 });
  await writer.enqueue(
    projectId,
    ["https://a.example", "https://b.example"].map((blocked) =>
      violation({ directive: "img-src", blocked, blockedKey: blocked, disposition: "report" }),
    ),
    { policyVersion: null, env: "" },
  );
  writer.close();
  await db.close();
}

async function count(sql: string, ...params: unknown[]): Promise<number> {
  const db = await openDb(join(dir, "cinch.db"));
  try {
    return (db.raw.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    await db.close();
  }
}

test("project delete asks for --yes, then removes the project and what it owns", async () => {
  const p = create("doomed");
  const kept = create("kept");
  await reportsFor(p.id);
  await reportsFor(kept.id);
  expect(await count(`SELECT COUNT(*) AS n FROM ViolationGroup WHERE projectId = ?`, p.id)).toBe(2);

  const refused = cinch("project", "delete", p.id);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toBe(
    `cinch: this deletes project ${p.id} (doomed) and all its reports, groups and versions; add --yes to confirm\n`,
  );
  expect(await count(`SELECT COUNT(*) AS n FROM Project WHERE id = ?`, p.id)).toBe(1);

  const r = cinch("project", "delete", p.id, "--yes");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^deleted project ${p.id} \\(doomed\\): \\d+ rows in \\d+ batches\\n`));
  expect(r.stdout).toContain("  ViolationGroup\t2\n");
  for (const t of ["ViolationGroup", "GroupHour", "DirectiveHour", "ProjectHour"])
    expect(await count(`SELECT COUNT(*) AS n FROM "${t}" WHERE projectId = ?`, p.id), t).toBe(0);
  expect(await count(`SELECT COUNT(*) AS n FROM Sample`)).toBe(2); // the kept project's two
  expect(await count(`SELECT COUNT(*) AS n FROM ViolationGroup WHERE projectId = ?`, kept.id)).toBe(2);
  expect(await count(`SELECT COUNT(*) AS n FROM RetiredReportKey WHERE reportKey = ?`, p.reportKey)).toBe(1);

  const again = cinch("project", "delete", p.id, "--yes");
  expect(again.status).toBe(1);
  expect(again.stderr).toBe(`cinch: no project with id ${p.id}\n`);
});

test("project rotate-key prints the new install values and retires the old key", async () => {
  const p = create("rotating");
  const r = cinch("project", "rotate-key", p.id);
  expect(r.status).toBe(0);
  const next = JSON.parse(r.stdout) as { id: string; reportKey: string; reportUri: string };
  expect(next.id).toBe(p.id);
  expect(next.reportKey).not.toBe(p.reportKey);
  expect(next.reportUri).toBe(`https://csp.example.com/r/${next.reportKey}`);
  expect(await count(`SELECT COUNT(*) AS n FROM RetiredReportKey WHERE reportKey = ?`, p.reportKey)).toBe(1);
  expect(cinch("project", "rotate-key", "nope").stderr).toBe("cinch: no project with id nope\n");
});
