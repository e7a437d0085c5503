// The dashboard's rollups (DirectiveHour, GroupRunning) against the hourly rows they summarize. Random datasets are
// written through the real ReportWriter (hours over several days, out of order, tags, noise, two projects); the
// fast paths (rollups) must answer exactly what the GroupHour queries (kept as the fallback) answer, for windows
// with partial days and partial hours at both ends and every filter the fast paths take. The benchmark's seed
// must fill the rollups as the writer would.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openDb, type SqliteDb as Db } from "../../server/store/db.ts";
import { MIGRATIONS_DIR } from "../../server/store/migrate.ts";
import { HOUR_MS } from "../../server/store/writer.ts";
import { ViolationStore, tagFree, type GroupFilter } from "../../server/store/violations.ts";
import { policyGroups } from "../../server/store/policy-groups.ts";
import { prng } from "../../bench/workload.ts";
import { seedDashboard } from "../../bench/seed.ts";
import { filters, windows, writeDataset as write, type Dataset } from "../helpers/listing-data.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-rollups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const writeDataset = (name: string, seed: number) => write(dir, name, seed);

const DAY_MS = 86_400_000;

/** The rollups recomputed from GroupHour: what they must hold, whoever wrote them. */
function expectedRollups(db: Db) {
  return {
    directiveHours: db.raw
      .prepare(
        `SELECT h.projectId, h.hour, g.directive, g.noise, SUM(h.count) AS count
         FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
         GROUP BY h.projectId, h.hour, g.directive, g.noise ORDER BY 1, 2, 3, 4`,
      )
      .all(),
    running: db.raw
      .prepare(
        `SELECT groupId, hour, SUM(SUM(count)) OVER (PARTITION BY groupId ORDER BY hour) AS total
         FROM GroupHour GROUP BY groupId, hour ORDER BY 1, 2`,
      )
      .all(),
  };
}

function actualRollups(db: Db) {
  return {
    directiveHours: db.raw
      .prepare(`SELECT projectId, hour, directive, noise, count FROM DirectiveHour ORDER BY 1, 2, 3, 4`)
      .all(),
    running: db.raw.prepare(`SELECT groupId, hour, total FROM GroupRunning ORDER BY 1, 2`).all(),
  };
}

async function compareQueries(d: Dataset, seed: number): Promise<number> {
  const rnd = prng(seed);
  const fast = new ViolationStore(d.db);
  const slow = new ViolationStore(d.db, { rollups: false });
  let compared = 0;
  for (const w of windows(d, rnd)) {
    for (const f of filters(rnd)) {
      const filter: GroupFilter = { ...w, ...f };
      const projectId = d.projects[compared % d.projects.length]!;
      const [a, b] = await Promise.all([
        fast.listGroups(projectId, filter),
        slow.listGroups(projectId, filter),
      ]);
      expect(a, JSON.stringify(filter)).toEqual(b);
      const [s, t] = await Promise.all([fast.series(projectId, filter), slow.series(projectId, filter)]);
      expect(s, JSON.stringify(filter)).toEqual(t);
      if (tagFree(filter)) compared++;
    }
  }
  return compared;
}

describe("rollups written by the ReportWriter", () => {
  for (const seed of [1, 2, 3]) {
    test(`random dataset ${seed}: rollups equal the GroupHour rows, fast paths equal the fallback`, async () => {
      const d = await writeDataset(`writer-${seed}`, seed);
      try {
        const reports = d.db.raw.prepare(`SELECT SUM(count) AS n FROM GroupHour`).get() as { n: number };
        expect(reports.n).toBeGreaterThan(1000);
        const want = expectedRollups(d.db);
        expect(want.running.length).toBeGreaterThan(100);
        expect(actualRollups(d.db)).toEqual(want);
        // Windows with data in them are most of the comparisons, and they are not all empty answers.
        const some = await new ViolationStore(d.db).listGroups(d.projects[0]!, {
          since: d.start,
          until: d.end,
          noise: "include",
        });
        expect(some.totals.reports).toBeGreaterThan(100);
        expect(await compareQueries(d, seed)).toBeGreaterThan(500);
      } finally {
        await d.db.close();
      }
    });
  }

  test("the migration's backfill computes the same rollups as the writer", async () => {
    const d = await writeDataset("backfill", 9);
    try {
      const written = actualRollups(d.db);
      const sql = readFileSync(join(MIGRATIONS_DIR, "20261122150000_rollups/migration.sql"), "utf8");
      const backfill = sql.slice(sql.indexOf("-- Backfill"));
      expect(backfill).toContain("INSERT INTO");
      d.db.raw.exec(`DELETE FROM DirectiveHour; DELETE FROM GroupRunning; ${backfill}`);
      expect(actualRollups(d.db)).toEqual(written);
    } finally {
      await d.db.close();
    }
  });
});

test("the benchmark's seed fills the rollups as the writer would", async () => {
  const seedDir = join(dir, "seed");
  const now = Date.UTC(2026, 10, 20, 15, 42);
  const s = await seedDashboard(seedDir, { reports: 30_000, groups: 150, days: 3, seed: 5, now });
  const db = await openDb(s.file);
  try {
    const want = expectedRollups(db);
    expect(want.running.length).toBe(s.rows.groupHours);
    expect(actualRollups(db)).toEqual(want);
    const d: Dataset = { db, projects: [s.projectId], start: now - 3 * DAY_MS, end: now };
    expect(await compareQueries(d, 5)).toBeGreaterThan(100);
  } finally {
    await db.close();
  }
});

describe("policyGroups: the builder's input from the rollups", () => {
  test.each([3, 5])("recent counts and per-version counts equal the hourly rows (seed %i)", async (seed) => {
    const d = await writeDataset(`policy-groups-${seed}`, seed);
    for (const projectId of d.projects) {
      for (const now of [d.start + 2 * DAY_MS + 7 * HOUR_MS + 1, d.end, d.end + 3 * DAY_MS]) {
        const recentFrom = Math.floor((now - 2 * DAY_MS) / HOUR_MS);
        const expected = new Map<number, { recent: number; versions: Record<number, number> }>();
        const rows = d.db.raw
          .prepare(
            `SELECT h.groupId AS groupId, h.policyVersion AS v, SUM(h.count) AS n,
               SUM(CASE WHEN h.hour >= ? THEN h.count ELSE 0 END) AS recent
             FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
             WHERE h.projectId = ? AND g.noise = '' GROUP BY h.groupId, h.policyVersion`,
          )
          .all(recentFrom, projectId) as { groupId: number; v: number; n: number; recent: number }[];
        for (const r of rows) {
          const e = expected.get(r.groupId) ?? { recent: 0, versions: {} };
          e.recent += r.recent;
          e.versions[r.v] = r.n;
          expected.set(r.groupId, e);
        }
        const all = await policyGroups(d.db.sql, projectId, { now, recentDays: 2, versions: "all" });
        const inline = await policyGroups(d.db.sql, projectId, { now, recentDays: 2 });
        expect(all.map((g) => g.id)).toEqual([...expected.keys()].sort((a, b) => a - b));
        for (const g of all) {
          expect({ id: g.id, recent: g.recentCount, versions: g.countsByVersion }).toEqual({
            id: g.id,
            ...expected.get(g.id),
          });
        }
        // The builder's variant: the same recent counts; per-version counts only for inline groups.
        expect(inline.map((g) => g.recentCount)).toEqual(all.map((g) => g.recentCount));
        for (const [i, g] of inline.entries()) {
          expect(g.countsByVersion).toEqual(g.blocked === "inline" ? all[i]!.countsByVersion : {});
        }
      }
    }
  });
});
