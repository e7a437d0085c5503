// The sample ring: the newest distinct samples of a group. A repeated sample is not rewritten (a busy group would
// otherwise rewrite its ring every commit), but it is written again under a new policy version (hash verification
// reads that) and again once SAMPLE_REFRESH_MS has passed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { openDb, type SqliteDb as Db } from "../../server/store/db.ts";
import { ReportWriter, SAMPLE_REFRESH_MS } from "../../server/store/writer.ts";
import type { Violation } from "../../server/reports/types.ts";

let db: Db;
let writer: ReportWriter;
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

beforeEach(async () => {
  db = await openDb(join(mkdtempSync(join(tmpdir(), "cinch-samples-")), "cinch.db"), {
    synchronous: "NORMAL",
  });
  db.raw.prepare(`INSERT INTO Project (id, name, reportKey, policyKey) VALUES ('p', 'p', 'rk', 'pk')`).run();
  writer = new ReportWriter(db.raw, { flushMs: 1000, maxQueue: 100_000 });
});
afterEach(async () => {
  writer.close();
  await db.close();
});

const inline = (sample: string): Violation => ({
  directive: "script-src-elem",
  blocked: "inline",
  blockedKey: "inline",
  documentUrl: "https://site.example/",
  disposition: "enforce",
  sourceFile: "https://site.example/",
  line: 3,
  column: 1,
  sample,
  statusCode: 200,
  browser: "Chrome 131",
  noise: null,
});

/** Enqueue and commit one batch; resolves when it is stored. */
async function write(vs: Violation[], at: number, policyVersion: number | null = null): Promise<void> {
  const done = writer.enqueue("p", vs, { policyVersion, env: "" }, at);
  writer.flushNow();
  await done;
}

const ring = () =>
  db.raw
    .prepare(`SELECT sample, policyVersion, receivedAt FROM Sample ORDER BY receivedAt DESC, slot DESC`)
    .all() as { sample: string; policyVersion: number | null; receivedAt: number }[];
const count = () => (db.raw.prepare(`SELECT count FROM ViolationGroup`).get() as { count: number }).count;

test("a repeated sample takes one slot; every report is still counted", async () => {
  for (let i = 0; i < 50; i++) await write([inline("a()"), inline("a()")], T0 + i * 10);
  expect(count()).toBe(100);
  expect(ring().map((r) => r.sample)).toEqual(["a()"]);
});

test("distinct samples each get a slot, newest first, the ring keeps the newest 20", async () => {
  for (let i = 0; i < 25; i++) await write([inline(`s${i}()`)], T0 + i * 10);
  const r = ring();
  expect(r).toHaveLength(20);
  expect(r[0]?.sample).toBe("s24()");
  expect(r[19]?.sample).toBe("s5()");
});

test("the same sample under a new policy version is written again", async () => {
  await write([inline("a()")], T0, 1);
  await write([inline("a()")], T0 + 10, 1);
  await write([inline("a()")], T0 + 20, 2);
  expect(ring().map((r) => [r.sample, r.policyVersion])).toEqual([
    ["a()", 2],
    ["a()", 1],
  ]);
});

test("a repeated sample is refreshed after SAMPLE_REFRESH_MS", async () => {
  await write([inline("a()")], T0);
  await write([inline("a()")], T0 + SAMPLE_REFRESH_MS - 1);
  expect(ring()).toHaveLength(1);
  await write([inline("a()")], T0 + SAMPLE_REFRESH_MS);
  expect(ring().map((r) => r.receivedAt)).toEqual([T0 + SAMPLE_REFRESH_MS, T0]);
});

test("at most 4 new samples per group per commit, the newest of the batch", async () => {
  await write(
    Array.from({ length: 10 }, (_, i) => inline(`b${i}()`)),
    T0,
  );
  expect(
    ring()
      .map((r) => r.sample)
      .sort(),
  ).toEqual(["b6()", "b7()", "b8()", "b9()"]);
});
