// Script reports (#18) count like every report: a batch larger than the rate limit's burst is refused whole, the
// daily cap refuses a batch that would pass it (nothing of it stored), and pages off the allowed origins are dropped.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { DailyCounts } from "../../server/store/daily-counts.ts";

const BATCH = JSON.stringify(
  (
    JSON.parse(
      readFileSync(
        new URL("../fixtures/script-reports/chromium156-script-hashes-batch/request.json", import.meta.url),
        "utf8",
      ),
    ) as { body: unknown[] }
  ).body,
); // 9 script entries

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ INGEST_BURST_PER_CLIENT: "8", INGEST_RATE_PER_CLIENT: "1000" });
});
afterAll(async () => t.close());

const project = async (settings: Record<string, unknown>) => {
  const p = (await (await api(t, "POST", "/api/projects", { name: "p" })).json()) as {
    id: string;
    reportKey: string;
  };
  expect((await api(t, "PATCH", `/api/projects/${p.id}`, { settings })).status).toBe(200);
  return p;
};
const post = (key: string, body = BATCH) =>
  fetch(`${t.url}/r/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body,
  });

describe("limits count script reports", () => {
  test("9 script reports over a burst of 8: 413, nothing stored", async () => {
    const p = await project({});
    const res = await post(p.reportKey);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("too_many_reports");
    expect(await t.deps.scripts.list(p.id)).toEqual([]);
  });

  test("the daily cap: a batch passing it is refused with 429, nothing stored", async () => {
    const p = await project({ dailyCap: 5 });
    const small = JSON.stringify((JSON.parse(BATCH) as unknown[]).slice(0, 4));
    expect((await post(p.reportKey, small)).status).toBe(204);
    const res = await post(p.reportKey, small);
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: string }).error).toBe("daily_cap");
    const stored = await t.deps.scripts.list(p.id);
    expect(stored.reduce((n, s) => n + s.reports, 0)).toBe(4);
  });

  test("allowed origins: reports from other pages are dropped, counted as foreign", async () => {
    const p = await project({ allowedOrigins: ["https://other.example"] });
    const small = JSON.stringify((JSON.parse(BATCH) as unknown[]).slice(0, 4));
    expect((await post(p.reportKey, small)).status).toBe(204);
    expect(await t.deps.scripts.list(p.id)).toEqual([]);
  });

  test("the day's stored count, which every node reads back, includes them", async () => {
    const p = await project({});
    const small = JSON.stringify((JSON.parse(BATCH) as unknown[]).slice(0, 4));
    expect((await post(p.reportKey, small)).status).toBe(204);
    await t.deps.writer.drain();
    expect(await new DailyCounts(t.deps.db.sql, 0).add(p.id, 0, Date.now())).toBe(4);
  });
});
