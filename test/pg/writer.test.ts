// The PostgreSQL engine of the writer: the same batches give the same rows as on SQLite, and several nodes writing
// the same groups at once keep counts exact, rollups consistent, lists and the sample ring bounded.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { openDb, type SqliteDb as Db } from "../../server/store/db.ts";
import { limitsOf, ReportWriter, HOUR_MS, type WriterOptions } from "../../server/store/writer.ts";
import { PgBatchEngine } from "../../server/store/pg-batch.ts";
import { applyPgMigrations } from "../../server/store/pg-migrate.ts";
import { parseList } from "../../server/store/aggregate.ts";
import type { NoiseReason, Violation } from "../../server/reports/types.ts";
import type { ScriptSighting } from "../../server/scripts/sighting.ts";
import { prng } from "../../bench/workload.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/writer.test.ts");
const T0 = Date.UTC(2026, 10, 3, 7, 23, 11);
const OPTS: WriterOptions = { flushMs: 1000, maxQueue: 1_000_000, ringSize: 5, maxPages: 3, maxBrowsers: 2 };

type Request = {
  projectId: string;
  violations: Violation[];
  tags: { policyVersion: number | null; env: string };
  at: number;
};

/** Deterministic batches of requests over a few groups, hours out of order, pages and browsers past their bounds. */
function workload(seed: number, batches: number): Request[][] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const noise: (NoiseReason | null)[] = [null, null, null, "extension"];
  const violation = (): Violation => {
    const blocked = rnd() < 0.2 ? "inline" : `https://h${Math.floor(rnd() * 6)}.example`;
    return {
      directive: pick(["script-src-elem", "img-src"]),
      blocked,
      blockedKey: blocked,
      documentUrl: `https://site.example/${pick(["a", "b", "c", "d", "e"])}`,
      disposition: pick(["enforce", "report", null] as const),
      sourceFile: "",
      line: pick([null, 1, 2]),
      column: null,
      sample: pick(["", "x()", "y()", "z()"]),
      statusCode: 200,
      browser: pick(["Chrome 131", "Firefox 133", "Safari 18", ""]),
      noise: pick(noise),
    };
  };
  return Array.from({ length: batches }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => ({
      projectId: pick(["p1", "p2"]),
      violations: Array.from({ length: 1 + Math.floor(rnd() * 3) }, violation),
      tags: { policyVersion: pick([null, 1, 2]), env: pick(["", "staging"]) },
      at: T0 + Math.floor(rnd() * 30 * HOUR_MS),
    })),
  );
}

async function run(writer: ReportWriter, batches: Request[][]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const batch of batches) {
    for (const r of batch) pending.push(writer.enqueue(r.projectId, r.violations, r.tags, r.at));
    writer.flushNow();
    await writer.drain();
  }
  await Promise.all(pending);
}

/** Every table the writer writes, keyed by fingerprint instead of engine-assigned ids, as plain values. */
type Snapshot = Record<string, unknown[]>;
const SNAPSHOT_SQL: Record<string, string> = {
  groups: `SELECT "projectId", fingerprint, directive, blocked, noise, count, "firstSeen", "lastSeen", pages, browsers,
    "sampleSeq" FROM "ViolationGroup" ORDER BY 1, 2`,
  hours: `SELECT h."projectId", g.fingerprint, h.hour, h.disposition, h."policyVersion", h.env, h.count
    FROM "GroupHour" h JOIN "ViolationGroup" g ON g.id = h."groupId" ORDER BY 1, 2, 3, 4, 5, 6`,
  running: `SELECT g."projectId", g.fingerprint, r.hour, r.total FROM "GroupRunning" r
    JOIN "ViolationGroup" g ON g.id = r."groupId" ORDER BY 1, 2, 3`,
  samples: `SELECT g."projectId", g.fingerprint, s.slot, s."receivedAt", s."documentUrl", s.sample, s.line, s.browser, s.disposition,
    s."policyVersion", s.env FROM "Sample" s JOIN "ViolationGroup" g ON g.id = s."groupId" ORDER BY 1, 2, 3`,
  directiveHours: `SELECT "projectId", hour, directive, noise, count FROM "DirectiveHour" ORDER BY 1, 2, 3, 4`,
  counters: `SELECT "projectId", hour, kind, count FROM "ProjectHour" ORDER BY 1, 2, 3`,
};
const plain = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      k === "pages" || k === "browsers"
        ? parseList(v)
        : typeof v === "bigint" || /^(count|total|firstSeen|lastSeen|receivedAt)$/.test(k)
          ? Number(v)
          : v,
    ]),
  );

async function pgSnapshot(pool: pg.Pool): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [name, sql] of Object.entries(SNAPSHOT_SQL)) out[name] = (await pool.query(sql)).rows.map(plain);
  return out;
}
function sqliteSnapshot(db: Db): Snapshot {
  const out: Snapshot = {};
  for (const [name, sql] of Object.entries(SNAPSHOT_SQL)) {
    out[name] = (db.raw.prepare(sql).all() as Record<string, unknown>[]).map(plain);
  }
  return out;
}

describe.skipIf(skip)("PostgreSQL writer engine", () => {
  const dbs: TestPgDb[] = [];
  const pools: pg.Pool[] = [];
  async function freshPool(): Promise<{ url: string; pool: () => pg.Pool }> {
    const d = await createPgDb();
    dbs.push(d);
    await applyPgMigrations(d.url);
    return {
      url: d.url,
      pool: () => {
        const p = new pg.Pool({ connectionString: d.url, max: 2, pipeline: true });
        pools.push(p);
        return p;
      },
    };
  }
  afterAll(async () => {
    for (const p of pools) await p.end();
    for (const d of dbs) await d.drop();
  });

  test("the same batches store the same rows as on SQLite", async () => {
    const batches = workload(7, 40);
    const sqlite = await openDb(join(mkdtempSync(join(tmpdir(), "cinch-pgw-")), "cinch.db"), {
      synchronous: "NORMAL",
    });
    const sw = new ReportWriter(sqlite.raw, OPTS);
    await run(sw, batches);
    sw.close();
    const { pool } = await freshPool();
    const p = pool();
    const pw = new ReportWriter(new PgBatchEngine(p, limitsOf(OPTS)), OPTS);
    await run(pw, batches);
    const expected = sqliteSnapshot(sqlite);
    await sqlite.close();
    const actual = await pgSnapshot(p);
    expect(expected.groups!.length).toBeGreaterThan(10);
    expect(expected.samples!.length).toBeGreaterThan(20);
    for (const name of Object.keys(SNAPSHOT_SQL))
      expect({ [name]: actual[name] }).toEqual({ [name]: expected[name] });
    // A group's id is taken from the sequence once, when it is created, not on every upsert of it (the 32-bit id
    // would run out: pg-batch.ts).
    const seq = await p.query<{ last_value: string }>(`SELECT last_value FROM "ViolationGroup_id_seq"`);
    expect(Number(seq.rows[0]!.last_value)).toBe(expected.groups!.length);
  });

  test("four nodes writing the same groups at once: counts exact, rollups consistent, bounds kept", async () => {
    const { pool } = await freshPool();
    const nodes = Array.from({ length: 4 }, (_, i) => ({
      writer: new ReportWriter(new PgBatchEngine(pool(), limitsOf(OPTS)), OPTS),
      batches: workload(100 + i, 25),
    }));
    await Promise.all(nodes.map((n) => run(n.writer, n.batches)));
    const all = nodes.flatMap((n) => n.batches.flat());
    const reports = all.reduce((s, r) => s + r.violations.length, 0);
    const check = pool();
    const one = async <T>(sql: string): Promise<T> => (await check.query(sql)).rows[0] as T;
    const g = await one<{ n: string; c: string }>(
      `SELECT count(*) AS n, sum(count) AS c FROM "ViolationGroup"`,
    );
    expect(Number(g.c)).toBe(reports);
    // Every group's count equals its hourly rows; each running total equals the hourly rows up to its hour.
    expect(
      await one<{ n: string }>(`SELECT count(*) AS n FROM "ViolationGroup" g
        WHERE g.count <> (SELECT sum(count) FROM "GroupHour" h WHERE h."groupId" = g.id)`),
    ).toEqual({ n: "0" });
    expect(
      await one<{ n: string }>(`SELECT count(*) AS n FROM "GroupRunning" r
        WHERE r.total <> (SELECT sum(count) FROM "GroupHour" h WHERE h."groupId" = r."groupId" AND h.hour <= r.hour)`),
    ).toEqual({ n: "0" });
    expect(
      await one<{
        n: string;
      }>(`SELECT count(*) AS n FROM (SELECT "groupId", hour FROM "GroupHour" GROUP BY 1, 2) x
        WHERE NOT EXISTS (SELECT 1 FROM "GroupRunning" r WHERE r."groupId" = x."groupId" AND r.hour = x.hour)`),
    ).toEqual({ n: "0" });
    // One group per (project, fingerprint), whichever node created it; first/last seen are the extremes.
    const expectedSeen = new Map<string, { first: number; last: number }>();
    for (const r of all) {
      const s = expectedSeen.get(r.projectId) ?? { first: Infinity, last: -Infinity };
      expectedSeen.set(r.projectId, { first: Math.min(s.first, r.at), last: Math.max(s.last, r.at) });
    }
    const seen = (
      await check.query<{ projectId: string; first: string; last: string }>(
        `SELECT "projectId", min("firstSeen") AS first, max("lastSeen") AS last FROM "ViolationGroup" GROUP BY 1`,
      )
    ).rows;
    for (const s of seen) {
      expect([Number(s.first), Number(s.last)]).toEqual([
        expectedSeen.get(s.projectId)!.first,
        expectedSeen.get(s.projectId)!.last,
      ]);
    }
    expect(
      await one<{
        n: string;
      }>(`SELECT count(*) AS n FROM (SELECT "projectId", fingerprint FROM "ViolationGroup"
        GROUP BY 1, 2 HAVING count(*) > 1) x`),
    ).toEqual({ n: "0" });
    const dh = await one<{ c: string }>(`SELECT sum(count) AS c FROM "DirectiveHour"`);
    expect(Number(dh.c)).toBe(reports);
    const accepted = await one<{ c: string }>(
      `SELECT sum(count) AS c FROM "ProjectHour" WHERE kind IN ('accepted', 'noise')`,
    );
    expect(Number(accepted.c)).toBe(reports);
    // Bounded lists and ring: pages <= 3, browsers <= 2, samples <= ring (5) per group, slots in range.
    const lists = (
      await check.query<{ pages: string; browsers: string }>(`SELECT pages, browsers FROM "ViolationGroup"`)
    ).rows;
    expect(Math.max(...lists.map((l) => parseList(l.pages).length))).toBe(3);
    expect(Math.max(...lists.map((l) => parseList(l.browsers).length))).toBe(2);
    for (const l of lists) expect(new Set(parseList(l.pages)).size).toBe(parseList(l.pages).length);
    const ring = await one<{ most: number; lo: number; hi: number }>(
      `SELECT max(n)::int AS most, min(lo)::int AS lo, max(hi)::int AS hi FROM
        (SELECT count(*) AS n, min(slot) AS lo, max(slot) AS hi FROM "Sample" GROUP BY "groupId") x`,
    );
    expect(ring).toEqual({ most: 5, lo: 0, hi: 4 });
  });

  test("script inventory entries take an id once, when created, however often they are upserted", async () => {
    const { pool } = await freshPool();
    const p = pool();
    const writer = new ReportWriter(new PgBatchEngine(p, limitsOf(OPTS)), OPTS);
    const sighting = (n: number): ScriptSighting => ({
      url: `https://cdn.example/s${n}.js`,
      origin: "https://cdn.example",
      page: "https://shop.example/",
      payment: false,
      hash: "sha256-x",
      noSri: false,
    });
    for (let batch = 0; batch < 20; batch++) {
      const done = writer.enqueue(
        "p1",
        [],
        { policyVersion: null, env: "" },
        T0 + batch,
        [0, 1, 2].map(sighting),
      );
      writer.flushNow();
      await writer.drain();
      await done;
    }
    const rows = await p.query<{ n: string; reports: string; seq: string }>(
      `SELECT count(*) AS n, sum(reports) AS reports, (SELECT last_value FROM "Script_id_seq") AS seq FROM "Script"`,
    );
    expect(rows.rows[0]).toEqual({ n: "3", reports: "60", seq: "3" });
  });
});
