// The breakdown writers of both engines keep the same rule (placeCounts): stored values keep their rows, new ones
// fill the day's slots most reports first (ties by value), the rest go to other; counts add up across commits.
// CINCH_TEST_ENGINE=postgres npx vitest run test/store/breakdown-write.test.ts runs it on PostgreSQL.
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { aggregateBatch, Counters, groupKey, type BatchItem } from "../../server/store/aggregate.ts";
import { writePgBreakdowns, writeSqliteBreakdowns } from "../../server/store/breakdown-write.ts";
import { BREAKDOWN_LIMITS, DAY_MS } from "../../server/store/breakdown.ts";
import type { Violation } from "../../server/reports/types.ts";
import { violation } from "../helpers/violation.ts";

let t: TestApp;
let projectId: string;
beforeAll(async () => {
  t = await startTestApp();
  projectId = ((await (await api(t, "POST", "/api/projects", { name: "w" })).json()) as { id: string }).id;
});
afterAll(async () => t.close());

const AT = Date.UTC(2026, 11, 7, 12);
const v = (page: string): Violation =>
  violation({
    directive: "img-src",
    blocked: "https://img.example/a.png",
    blockedKey: "https://img.example",
    documentUrl: `https://shop.example/${page}`,
  });

/** Commit one batch of reports (page name → reports) through the engine's breakdown writer. */
async function commit(pages: Record<string, number>, groupId = 1): Promise<void> {
  const items: BatchItem[] = [];
  for (const [page, n] of Object.entries(pages))
    for (let i = 0; i < n; i++)
      items.push({
        projectId,
        violations: [v(page)],
        tags: { policyVersion: null, env: "" },
        receivedAt: AT,
      });
  const agg = aggregateBatch(items, new Counters(), { ring: 5, perFlush: 2, maxPages: 50, maxBrowsers: 20 });
  const [d] = [...agg.groups.values()];
  const ids = new Map([[groupKey(projectId, d!.fp), { id: groupId }]]);
  const db = t.deps.db;
  if (db.engine === "sqlite") db.raw.transaction(() => writeSqliteBreakdowns(db.raw, agg, ids))();
  else {
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await writePgBreakdowns(client, agg, ids);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  }
}

const stored = async (groupId = 1) =>
  Object.fromEntries(
    (
      await rows<{ value: string; count: unknown }>(
        t,
        `SELECT value, count FROM "GroupBreakdown" WHERE "groupId" = ? AND kind = 'page' AND day = ? ORDER BY value`,
        groupId,
        Math.floor(AT / DAY_MS),
      )
    ).map((r) => [r.value.replace("https://shop.example/", "") || "(other)", Number(r.count)]),
  );

test("new values fill the slots most reports first, ties by value; then other; stored ones keep counting", async () => {
  const limit = BREAKDOWN_LIMITS.page;
  // 1. limit - 2 pages with one report each.
  const first: Record<string, number> = {};
  for (let i = 0; i < limit - 2; i++) first[`p${String(i).padStart(2, "0")}`] = 1;
  await commit(first);
  // 2. Four new pages for two free slots: "z" has the most, "b" and "c" tie (b wins by value), "a" has the fewest;
  //    and a stored page again.
  await commit({ z: 5, c: 3, b: 3, a: 1, p00: 2 });
  const got = await stored();
  expect(got).toMatchObject({ z: 5, b: 3, "(other)": 4, p00: 3 });
  expect(got.c).toBeUndefined();
  expect(got.a).toBeUndefined();
  expect(Object.keys(got).filter((k) => k !== "(other)")).toHaveLength(limit);
  // 3. Full: a new page goes to other, a stored one adds to its row.
  await commit({ y: 2, b: 1 });
  expect(await stored()).toMatchObject({ b: 4, "(other)": 6 });
  // 4. More new pages than the bound in one batch (the batch folds the excess into other itself) while other has a
  //    row and new pages overflow into it too: each report lands once (PostgreSQL touches the other row once).
  const many: Record<string, number> = { b: 1 };
  for (let i = 0; i < limit + 3; i++) many[`n${String(i).padStart(2, "0")}`] = 1;
  await commit(many);
  const last = await stored();
  expect(last).toMatchObject({ b: 5, "(other)": 6 + limit + 3 });
  expect(Object.keys(last).filter((k) => k !== "(other)")).toHaveLength(limit);
});
