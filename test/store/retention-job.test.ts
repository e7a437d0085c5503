// The hourly job: its first pass runs after the start delay, deletes what is past the horizon and what removed
// projects left behind, logs what it did, runs again each interval, and stop() ends it (waiting for a pass under way);
// RETENTION_DAYS configures it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { RetentionJob } from "../../server/store/retention-job.ts";
import { loadConfig } from "../../server/config.ts";
import { sqliteRunner } from "../../server/store/sql-runner.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-retention-job-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("runs after its delay, then every interval, until stopped", async () => {
  const db = await openDb(join(dir, "job.db"), { synchronous: "NORMAL" });
  const nowHour = Math.floor(Date.now() / 3_600_000);
  const old = nowHour - 500 * 24;
  db.raw.exec(`INSERT INTO Project (id, name, reportKey, policyKey) VALUES ('p', 'p', 'rk', 'pk')`);
  // A group last seen 500 days ago, with an hour, a running total and a sample.
  db.raw
    .prepare(
      `INSERT INTO ViolationGroup (id, projectId, fingerprint, directive, blocked, count, firstSeen, lastSeen)
       VALUES (1, 'p', 'f', 'img-src', 'https://a.example', 3, ?, ?)`,
    )
    .run(old * 3_600_000, old * 3_600_000);
  db.raw.prepare(`INSERT INTO GroupHour VALUES ('p', ?, 1, 'report', 0, '', 3)`).run(old);
  db.raw.prepare(`INSERT INTO GroupRunning VALUES (1, ?, 3)`).run(old);
  db.raw
    .exec(`INSERT INTO Sample (groupId, slot, receivedAt, documentUrl, blockedUrl, sourceFile, sample, browser,
    disposition, env) VALUES (1, 0, 0, '', '', '', '', '', '', '')`);
  // What a deleted project left behind: its key is retired, its row gone, a counter row remains.
  db.raw.exec(`INSERT INTO RetiredReportKey (reportKey, projectId) VALUES ('old', 'gone')`);
  db.raw.prepare(`INSERT INTO ProjectHour VALUES ('gone', ?, 'accepted', 1)`).run(nowHour);

  const log = { info: vi.fn(), error: vi.fn() };
  const forgotten: string[] = [];
  const job = new RetentionJob(sqliteRunner(db.raw), {
    days: 400,
    log,
    onGroupsDeleted: (ids) => forgotten.push(...ids),
    firstDelayMs: 20,
    intervalMs: 40,
  });
  const spy = vi.spyOn(job, "runOnce");
  job.start();
  await vi.waitFor(() => expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
  await job.stop();
  const calls = spy.mock.calls.length;
  await new Promise((r) => setTimeout(r, 120));
  expect(spy.mock.calls.length).toBe(calls);

  const count = (t: string) => (db.raw.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
  for (const t of ["ViolationGroup", "GroupHour", "GroupRunning", "Sample", "ProjectHour"])
    expect(count(t), t).toBe(0);
  expect(forgotten).toEqual(["p"]);
  expect(log.error).not.toHaveBeenCalled();
  expect(log.info).toHaveBeenCalledTimes(1); // the second pass found nothing to do and said nothing
  expect(log.info.mock.calls[0]![1]).toMatch(
    /^retention: 0 hourly rows rolled up, \d+ rows deleted in \d+ batches/,
  );
  expect(log.info.mock.calls[0]![0]).toMatchObject({ purged: ["gone"] });
  await db.close();
});

test("RETENTION_DAYS: 400 by default, a whole number of days from 1", () => {
  expect(loadConfig({}).RETENTION_DAYS).toBe(400);
  expect(loadConfig({ RETENTION_DAYS: "30" }).RETENTION_DAYS).toBe(30);
  expect(() => loadConfig({ RETENTION_DAYS: "0" })).toThrow(
    "RETENTION_DAYS: Too small: expected number to be >=1",
  );
  expect(() => loadConfig({ RETENTION_DAYS: "1.5" })).toThrow("RETENTION_DAYS:");
});
