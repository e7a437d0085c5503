// Retention on PostgreSQL does what it does on SQLite: 500 days of reports are written on SQLite, copied into a
// fresh PostgreSQL database (cinch db copy), and the same pass runs on both; afterwards every hourly table, the
// groups and the samples are equal row by row. Two nodes' hourly jobs started at once: one runs the pass, the other
// skips its turn (an advisory lock), and the rows are those of one pass.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { copyDatabase } from "../../server/store/db-copy.ts";
import { runRetention } from "../../server/store/retention.ts";
import { RetentionJob } from "../../server/store/retention-job.ts";
import { pgRunner, sqliteRunner } from "../../server/store/sql-runner.ts";
import { NOW, seedYears } from "../helpers/seed-years.ts";
import { createPgDb, skipUnlessPg } from "./db.ts";

const skip = await skipUnlessPg("test/pg/retention.test.ts");
const dir = mkdtempSync(join(tmpdir(), "cinch-pg-retention-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLES: Record<string, string> = {
  GroupHour: `"projectId", "hour", "groupId", "disposition", "policyVersion", "env", "count"`,
  DirectiveHour: `"projectId", "hour", "directive", "noise", "count"`,
  ProjectHour: `"projectId", "hour", "kind", "count"`,
  GroupRunning: `"groupId", "hour", "total"`,
  ViolationGroup: `"id", "projectId", "count", "firstSeen", "lastSeen"`,
  Sample: `"groupId", "slot", "receivedAt"`,
};

describe.skipIf(skip)("retention on PostgreSQL", () => {
  test("the same pass leaves the same rows on both engines", async () => {
    const file = join(dir, "cinch.db");
    const db = await openDb(file, { synchronous: "NORMAL" });
    await seedYears(db, 5);
    await db.close();
    const target = await createPgDb("cinch_retention");
    try {
      await copyDatabase(`file:${file}`, target.url);
      const lite = await openDb(file);
      const sl = sqliteRunner(lite.raw);
      const pgr = pgRunner(target.url);
      try {
        const a = await runRetention(sl, NOW, { days: 45, batchRows: 300 });
        const b = await runRetention(pgr, NOW, { days: 45, batchRows: 300 });
        console.log(
          `retention on PostgreSQL: ${b.batches} batches, longest ${b.longestBatchMs.toFixed(1)} ms (${b.longestBatch}); SQLite ${a.batches} batches, longest ${a.longestBatchMs.toFixed(1)} ms (${a.longestBatch})`,
        );
        expect(b.rolledUp).toEqual(a.rolledUp);
        expect(b.deleted).toEqual(a.deleted);
        expect(Object.values(a.deleted).reduce((x, y) => x + y, 0)).toBeGreaterThan(1000);
        for (const [t, cols] of Object.entries(TABLES)) {
          const q = `SELECT ${cols} FROM "${t}" ORDER BY ${cols}`;
          const norm = (rows: object[]) => rows.map((r) => Object.values(r).map((v) => String(v)));
          expect(norm(await pgr.all(q)), t).toEqual(norm(await sl.all(q)));
        }
      } finally {
        await pgr.close();
        await lite.close();
      }
    } finally {
      await target.drop();
    }
  }, 180_000);

  test("two nodes' jobs at once: one pass runs, the other skips its turn; the lock is free after", async () => {
    const file = join(dir, "jobs.db");
    const db = await openDb(file, { synchronous: "NORMAL" });
    await seedYears(db, 3);
    await db.close();
    const target = await createPgDb("cinch_retention_jobs");
    const runners = [pgRunner(target.url), pgRunner(target.url)];
    try {
      await copyDatabase(`file:${file}`, target.url);
      const lite = await openDb(file);
      const expected = await runRetention(sqliteRunner(lite.raw), NOW, { days: 45 });
      const log = { info: () => undefined, error: (o: unknown) => console.error(o) };
      const jobs = runners.map(
        (r) => new RetentionJob(r, { days: 45, log, onGroupsDeleted: () => undefined }),
      );
      const results = await Promise.all(jobs.map((j) => j.runOnce(NOW)));
      const ran = results.filter((r) => r !== null);
      expect(ran).toHaveLength(1);
      expect(ran[0]!.deleted).toEqual(expected.deleted);
      expect(ran[0]!.rolledUp).toEqual(expected.rolledUp);
      for (const [t, cols] of Object.entries(TABLES)) {
        const q = `SELECT ${cols} FROM "${t}" ORDER BY ${cols}`;
        const norm = (rows: object[]) => rows.map((r) => Object.values(r).map((v) => String(v)));
        expect(norm(await runners[0]!.all(q)), t).toEqual(norm(await sqliteRunner(lite.raw).all(q)));
      }
      await lite.close();
      // The lock went with the pass: the other node's next turn runs (and finds nothing left to do).
      const next = await jobs[results.indexOf(null)]!.runOnce(NOW);
      expect(next).not.toBeNull();
      expect(Object.values(next!.deleted).reduce((x, y) => x + y, 0)).toBe(0);
    } finally {
      for (const r of runners) await r.close();
      await target.drop();
    }
  }, 180_000);
});
