// The inventory's rows follow the data lifecycle (#18): deleting a project deletes its scripts and everything
// reached through them (and nothing of another project's); retention removes hours, change-log entries and pages
// before the horizon (at least MAX_WINDOW_DAYS), and scripts unseen since it with their hashes.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { MAX_WINDOW_DAYS, runRetention } from "../../server/store/retention.ts";
import { runnerFor } from "../../server/store/sql-runner.ts";

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
const TABLES = ["Script", "ScriptHash", "ScriptPage", "ScriptHour", "ScriptEvent", "ScriptPattern"] as const;
const DAY_MS = 86_400_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
});
afterAll(async () => t.close());

/** A project with the Chromium batch ingested, a review and an accepted pattern: a row in every inventory table. */
async function seeded(name: string): Promise<string> {
  const p = (await (await api(t, "POST", "/api/projects", { name })).json()) as {
    id: string;
    reportKey: string;
  };
  const res = await fetch(`${t.url}/r/${p.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body: BATCH,
  });
  expect(res.status).toBe(204);
  const [s] = await t.deps.scripts.list(p.id);
  await t.deps.scripts.review(p.id, s!.id, "authorized", "ours", "test", Date.now());
  await t.deps.scripts.acceptPattern(p.id, "https://cdn.localhost/lib@*/x.js", false, "test", Date.now());
  return p.id;
}

/** Rows per inventory table that belong to a project (directly or through its scripts). */
async function owned(projectId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const where =
      table === "ScriptHash" || table === "ScriptPage"
        ? `"scriptId" IN (SELECT "id" FROM "Script" WHERE "projectId" = ?)`
        : `"projectId" = ?`;
    out[table] = Number(
      (await rows<{ n: number }>(t, `SELECT count(*) AS n FROM "${table}" WHERE ${where}`, projectId))[0]!.n,
    );
  }
  return out;
}

describe("project delete", () => {
  test("purges every inventory row of the project, none of the other's", async () => {
    const gone = await seeded("gone");
    const kept = await seeded("kept");
    const before = await owned(kept);
    for (const table of TABLES) expect(before[table], table).toBeGreaterThan(0);
    expect((await api(t, "DELETE", `/api/projects/${gone}`)).status).toBe(204);
    expect(await owned(gone)).toEqual(Object.fromEntries(TABLES.map((x) => [x, 0])));
    expect(await owned(kept)).toEqual(before);
    // No orphan reached through a deleted script.
    const orphans = await rows<{ n: number }>(
      t,
      `SELECT count(*) AS n FROM "ScriptHash" WHERE "scriptId" NOT IN (SELECT "id" FROM "Script")`,
    );
    expect(Number(orphans[0]!.n)).toBe(0);
  });
});

describe("retention", () => {
  test("a pass past the horizon removes the project's scripts, hashes, pages, hours and events; patterns stay", async () => {
    const id = await seeded("old");
    const db = runnerFor(t.deps.db);
    await runRetention(db, Date.now() + (MAX_WINDOW_DAYS + 2) * DAY_MS, {
      days: 1,
      pause: () => Promise.resolve(),
    });
    const after = await owned(id);
    expect(after).toEqual({
      Script: 0,
      ScriptHash: 0,
      ScriptPage: 0,
      ScriptHour: 0,
      ScriptEvent: 0,
      ScriptPattern: 1,
    });
  });

  test("a pass within the horizon keeps everything", async () => {
    const id = await seeded("fresh");
    const before = await owned(id);
    await runRetention(runnerFor(t.deps.db), Date.now(), { days: 30, pause: () => Promise.resolve() });
    expect(await owned(id)).toEqual(before);
  });
});
