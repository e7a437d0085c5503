// Smoke run of the benchmark harness (bench/): tiny sizes, correctness only — no timing is asserted. The ingest
// run starts a real Cinch process and a real load-generator process, and checks the exact 204-vs-stored count.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { parseArgs } from "../../bench/args.ts";
import { evaluate, machine, sizesFor, type BenchResults } from "../../bench/bench.ts";
import { builderGroups, runBuilder } from "../../bench/builder.ts";
import { quantile, record, summary, type Hist } from "../../bench/hist.ts";
import { overload, runIngest } from "../../bench/ingest.ts";
import { runQueries } from "../../bench/queries.ts";
import { renderMarkdown } from "../../bench/report.ts";
import { storageCase } from "../../bench/storage.ts";
import { buildWorkload } from "../../bench/workload.ts";
import { runEngines } from "../../bench/engines.ts";
import { createPgDb, skipUnlessPg } from "../pg/db.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => {};

describe("options", () => {
  test.each([
    { argv: [], want: { durationSec: 20, quick: false } },
    { argv: ["--duration", "5"], want: { durationSec: 5, quick: false } },
    { argv: ["--quick"], want: { durationSec: 1, quick: true } },
    { argv: ["--only", "storage,builder"], want: { sections: ["storage", "builder"] } },
    { argv: [], want: { engine: "sqlite" } },
    { argv: ["--engine", "postgres"], want: { engine: "postgres" } },
  ])("$argv", ({ argv, want }) => {
    expect(parseArgs(argv, "/out")).toMatchObject(want);
  });

  test.each([
    { argv: ["--duration", "0"], message: '--duration must be seconds between 0 and 3600 (got "0")' },
    {
      argv: ["--only", "disk"],
      message: '--only takes a comma list of ingest, storage, queries, builder (got "disk")',
    },
    { argv: ["--fast"], message: 'unknown option "--fast"' },
    { argv: ["--engine", "mysql"], message: '--engine takes sqlite or postgres (got "mysql")' },
  ])("rejects $argv", ({ argv, message }) => {
    expect(() => parseArgs(argv, "/out")).toThrow(message);
  });
});

describe("workload", () => {
  const w = buildWorkload({ size: 400 });
  test("is the issue's mix: ~70% legacy singles, ~30% batches of 1-10, ~20% noise, ~50 groups", () => {
    expect(w.legacyRequests / w.requests.length).toBeGreaterThan(0.63);
    expect(w.legacyRequests / w.requests.length).toBeLessThan(0.77);
    expect(w.noiseReports / w.reports).toBeGreaterThan(0.14);
    expect(w.noiseReports / w.reports).toBeLessThan(0.26);
    expect(w.distinctGroups).toBeGreaterThanOrEqual(45);
    expect(w.distinctGroups).toBeLessThanOrEqual(50);
    for (const r of w.requests) {
      if (r.contentType === "application/csp-report") expect(r.reports).toBe(1);
      else expect(r.reports).toBeGreaterThanOrEqual(1);
      expect(r.reports).toBeLessThanOrEqual(10);
    }
  });
  test("is deterministic", () => {
    expect(buildWorkload({ size: 20 }).requests).toEqual(buildWorkload({ size: 20 }).requests);
  });
});

test("latency histograms merge and answer quantiles within 2%", () => {
  const h: Hist = {};
  for (let i = 1; i <= 1000; i++) record(h, i / 10);
  expect(quantile(h, 0.5)).toBeGreaterThan(49);
  expect(quantile(h, 0.5)).toBeLessThan(51);
  expect(summary(h).max).toBeGreaterThan(98);
});

test("smoke run: ingest (exact count), storage, queries, builder, report", async () => {
  const sizes = sizesFor(true);
  const workload = buildWorkload({ size: 30 });
  const ingest = await runIngest({
    tmpDir: dir,
    workload,
    durationSec: 0.5,
    rounds: 1,
    warmupSec: 0.3,
    connections: 4,
    overloadConnections: 8,
    targets: ["cinch"],
    skipDerived: true,
    log: quiet,
  });
  const run = ingest.runs[0]!;
  expect(run.load.ackedReports).toBeGreaterThan(0);
  expect(run.load.statuses).toEqual({ 204: run.load.answered });
  expect(run.storedReports).toBe(run.load.ackedReports);
  expect(run.crashed).toBe(false);

  // Section 2 with the pipelined generator (bench/pipelined-load.ts) at a rate a busy machine still takes in whole:
  // 3 × 100 req/s for 0.5 s is 150 requests, each sent and answered, and what was answered 204 is what is stored.
  const notes: string[] = [];
  const over = await overload(
    { tmpDir: dir, durationSec: 0.5, warmupSec: 0.3, overloadConnections: 4, log: quiet },
    workload.requests,
    100,
    notes,
  );
  expect(over.scenario).toBe("overload");
  expect(over.offeredRate).toBe(300);
  expect(over.load.askedTotal).toBe(150);
  expect(over.load.sent).toBe(150);
  expect(over.load.answered).toBe(150);
  expect(over.load.errors + over.load.timeouts).toBe(0);
  const { 204: ok = 0, 429: limited = 0, 503: full = 0 } = over.load.statuses;
  expect(ok + limited + full).toBe(150);
  expect(over.load.ackedReports).toBeGreaterThan(0);
  expect(over.storedReports).toBe(over.load.ackedReports);
  expect(over.load.generatorCpuUsPerRequest).toBeGreaterThan(0);
  expect(over.crashed).toBe(false);
  expect(notes).toEqual([]);

  const storage = await storageCase(dir, 2_000, 20);
  expect(storage.rows.groups).toBe(20);
  expect(storage.bytesPerReport).toBeGreaterThan(0);

  const queries = await runQueries({
    tmpDir: dir,
    reports: 5_000,
    groups: 60,
    days: 3,
    iterations: 1,
    buildLoad: { rate: 50, seconds: 1 },
    log: quiet,
  });
  expect(queries.timings.map((t) => t.name)).toHaveLength(9);
  expect(queries.seeded.reports).toBeGreaterThan(4_000);
  // Ingest beside builds, with the builds in the worker and in process; every request answered.
  expect(queries.buildLoad.map((b) => b.builds)).toEqual(["worker", "in-process"]);
  for (const b of queries.buildLoad) {
    expect(b.alone.answered).toBeGreaterThan(0);
    expect(b.duringBuilds.answered).toBeGreaterThan(0);
    expect(b.suggestions.count).toBeGreaterThan(0);
  }

  expect(builderGroups(10)).toHaveLength(10);
  const builder = runBuilder(30, 1, quiet);
  expect(builder.policyChars).toBeGreaterThan(0);

  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: 1,
    machine: machine(),
    command: "test",
    durationSec: 0.5,
    quick: true,
    sizes,
    workload: { ...workload, requests: workload.requests.length, avgBodyBytes: 1000 },
    ingest,
    storage: [storage],
    queries,
    builder,
    targets: [],
  };
  results.targets = evaluate(results);
  expect(results.targets.find((t) => t.id === "1d")?.met).toBe(true);
  expect(renderMarkdown(results)).toContain("(d) Cinch POST /r/:reportKey");
}, 120_000);

const noPg = await skipUnlessPg("test/bench/harness.test.ts (PostgreSQL part)");

test.skipIf(noPg)(
  "smoke run on PostgreSQL: ingest beside SQLite (every 204 stored), queries, report",
  async () => {
    const runs = await runEngines({
      tmpDir: dir,
      workload: buildWorkload({ size: 30 }),
      durationSec: 0.5,
      rounds: 1,
      warmupSec: 0.3,
      connections: 4,
      log: quiet,
    });
    expect(runs.map((r) => r.engine)).toEqual(["sqlite", "postgres"]);
    for (const r of runs) {
      expect(r.ackedReports).toBeGreaterThan(0);
      expect(r.storedReports).toBeGreaterThanOrEqual(r.ackedReports);
    }
    expect(runs[1]!.dbCpuUsPerReport).toBeGreaterThan(0);
    const db = await createPgDb("cinch_bench_test");
    try {
      const queries = await runQueries({
        tmpDir: dir,
        reports: 5_000,
        groups: 60,
        days: 3,
        iterations: 1,
        buildLoad: { rate: 50, seconds: 1 },
        log: quiet,
        databaseUrl: db.url,
      });
      // The eight timed in one server (the ninth, builds on the event loop, is SQLite's run only).
      expect(queries.timings).toHaveLength(8);
      expect(queries.seeded.reports).toBeGreaterThan(4_000);
      const results: BenchResults = {
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        seconds: 1,
        machine: machine(),
        command: "test",
        durationSec: 0.5,
        quick: true,
        sizes: sizesFor(true),
        postgres: { ingest: runs, queries },
        targets: [],
      };
      results.targets = evaluate(results);
      expect(results.targets.find((t) => t.id === "13b")?.met).toBe(true);
      expect(results.targets.filter((t) => t.id === "13c")).toHaveLength(8);
      expect(renderMarkdown(results)).toContain("## Ingest on PostgreSQL beside SQLite");
    } finally {
      await db.drop();
    }
  },
  180_000,
);

test("the benchmark runs servers with the node flags npm start uses", async () => {
  const { SERVER_NODE_ARGS } = await import("../../bench/proc.ts");
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts["start"]).toBe(`node ${SERVER_NODE_ARGS.join(" ")} scripts/start.mjs`);
});
