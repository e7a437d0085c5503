// Retention: rows past the horizon are rolled up into daily rows and deleted, groups unseen since the API's longest
// window go with their samples, the dashboard's totals over its windows (30 days to 400) do not change, and nothing
// from the horizon on is touched. Reports are written through the real ReportWriter over 500 days.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { ViolationStore, type GroupFilter } from "../../server/store/violations.ts";
import { horizons, runRetention, type RetentionResult } from "../../server/store/retention.ts";
import { sqliteRunner } from "../../server/store/sql-runner.ts";
import { NOW, seedYears } from "../helpers/seed-years.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-retention-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY_MS = 86_400_000;
type Db = Awaited<ReturnType<typeof openDb>>;
type Rows = Record<string, unknown[]>;
const HOUR_TABLES = ["GroupHour", "DirectiveHour", "ProjectHour", "GroupRunning"] as const;

function rowsFrom(db: Db, fromHour: number): Rows {
  const out: Rows = {};
  for (const t of HOUR_TABLES) {
    out[t] = db.raw.prepare(`SELECT * FROM "${t}" WHERE hour >= ? ORDER BY 1, 2, 3`).all(fromHour);
  }
  return out;
}

/** What the dashboard answers over its windows: listing totals (both paths), the chart and the counters. */
async function dashboard(db: Db) {
  const out: Record<string, unknown> = {};
  for (const rollups of [true, false]) {
    const store = new ViolationStore(db, { rollups });
    // 7 days and 30 (from the horizon on), 400 (from `keep` on), and 90 days from a day's start: a window starting
    // inside the rolled-up days counts whole days there, so one starting mid-day there counts that day or not.
    for (const days of [7, 30, 90, 400]) {
      const since = days === 90 ? Math.floor((NOW - days * DAY_MS) / DAY_MS) * DAY_MS : NOW - days * DAY_MS;
      for (const p of ["p1", "p2"]) {
        const f: GroupFilter = { since, until: NOW, noise: "include" };
        const list = await store.listGroups(p, f);
        const byGroup = Object.fromEntries(list.groups.map((g) => [g.blocked, g.count]));
        const enforce = await store.listGroups(p, { ...f, disposition: "enforce" });
        const series = await store.series(p, f);
        const stats = await store.stats(p, f.since, f.until);
        out[`${rollups}/${days}/${p}`] = {
          totals: list.totals,
          byGroup,
          enforce: enforce.totals.reports,
          series: series.reduce((n, s) => n + s.count, 0),
          accepted: stats.totals.accepted,
        };
      }
    }
  }
  return out;
}

describe("retention on SQLite", () => {
  let db: Db;
  const h = horizons(NOW, 30);
  let before: { dashboard: Record<string, unknown>; recent: Rows; breakdown: unknown[] };
  const keepDay = Math.floor(h.keep / 24);
  const breakdownFrom = (db: Db) =>
    db.raw.prepare(`SELECT * FROM GroupBreakdown WHERE day >= ? ORDER BY 1, 2, 3, 4`).all(keepDay);
  let result: RetentionResult;
  let forgotten: readonly string[] = [];

  beforeAll(async () => {
    db = await openDb(join(dir, "years.db"), { synchronous: "NORMAL" });
    await seedYears(db);
    before = { dashboard: await dashboard(db), recent: rowsFrom(db, h.detail), breakdown: breakdownFrom(db) };
    result = await runRetention(sqliteRunner(db.raw), NOW, {
      days: 30,
      batchRows: 500,
      onGroupsDeleted: (ids) => (forgotten = ids),
    });
    console.log(
      `retention: ${result.batches} batches, longest ${result.longestBatchMs.toFixed(1)} ms (${result.longestBatch}); rolled up ${JSON.stringify(result.rolledUp)}; deleted ${JSON.stringify(result.deleted)}`,
    );
  }, 60_000);
  afterAll(() => db.close());

  test("rows past the horizon were rolled up and deleted", () => {
    expect(result.rolledUp.GroupHour).toBeGreaterThan(1000);
    expect(result.deleted.GroupHour).toBeGreaterThan(100);
    for (const t of HOUR_TABLES) {
      // Between keep and the horizon's day: one row per day (on its first hour, or keep for keep's day).
      const odd = db.raw
        .prepare(`SELECT COUNT(*) AS n FROM "${t}" WHERE hour > ? AND hour < ? AND hour % 24 <> 0`)
        .get(h.keep, h.rollupEnd) as { n: number };
      expect(odd.n, t).toBe(0);
    }
    for (const t of ["GroupHour", "DirectiveHour", "ProjectHour"]) {
      const old = db.raw.prepare(`SELECT COUNT(*) AS n FROM "${t}" WHERE hour < ?`).get(h.keep) as {
        n: number;
      };
      expect(old.n, t).toBe(0);
    }
    // GroupRunning keeps one row per group before keep: the total the long windows subtract.
    const base = db.raw
      .prepare(`SELECT groupId, COUNT(*) AS n FROM GroupRunning WHERE hour < ? GROUP BY groupId`)
      .all(h.keep) as { n: number }[];
    expect(base.length).toBeGreaterThan(0);
    expect(base.every((r) => r.n === 1)).toBe(true);
  });

  test("a group unseen since the longest window is gone with its samples and hours", () => {
    const g = db.raw
      .prepare(`SELECT id FROM ViolationGroup WHERE blocked = 'https://long-ago.example'`)
      .all();
    expect(g).toEqual([]);
    const orphans = db.raw
      .prepare(
        `SELECT (SELECT COUNT(*) FROM Sample WHERE groupId NOT IN (SELECT id FROM ViolationGroup))
              + (SELECT COUNT(*) FROM GroupRunning WHERE groupId NOT IN (SELECT id FROM ViolationGroup))
              + (SELECT COUNT(*) FROM GroupHour WHERE groupId NOT IN (SELECT id FROM ViolationGroup)) AS n`,
      )
      .get() as { n: number };
    expect(orphans.n).toBe(0);
    expect(result.deleted.ViolationGroup).toBe(1);
    expect(result.deleted.Sample).toBeGreaterThan(0);
    expect(forgotten).toEqual(["p1"]);
  });

  test("the dashboard's totals over 7, 30, 90 and 400 days are unchanged (listing on both paths, chart, counters)", async () => {
    expect(await dashboard(db)).toEqual(before.dashboard);
  });

  test("per-page and per-browser days before the longest window are gone, later ones untouched (#16)", () => {
    expect(result.deleted.GroupBreakdown).toBeGreaterThan(0);
    const old = db.raw.prepare(`SELECT COUNT(*) AS n FROM GroupBreakdown WHERE day < ?`).get(keepDay) as {
      n: number;
    };
    expect(old.n).toBe(0);
    expect(before.breakdown.length).toBeGreaterThan(0);
    expect(breakdownFrom(db)).toEqual(before.breakdown);
  });

  test("nothing from the horizon on is touched", () => {
    expect(rowsFrom(db, h.detail)).toEqual(before.recent);
  });

  test("a second run finds nothing to do", async () => {
    const again = await runRetention(sqliteRunner(db.raw), NOW, { days: 30 });
    expect(Object.values(again.rolledUp).every((n) => n === 0)).toBe(true);
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
  });
});
