// The benchmark: runs the selected sections in one process tree (servers and load generator as child processes),
// evaluates the targets and returns everything as one JSON-able object.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type { BenchArgs, Section } from "./args.ts";
import {
  BEFORE_TARGETS,
  runIngest,
  TARGETS,
  type IngestResults,
  type RunResult,
  type TargetName,
} from "./ingest.ts";
import { runStorage, type StorageCase } from "./storage.ts";
import { runQueries, type QueryResults } from "./queries.ts";
import { runBuilder, type BuilderResults } from "./builder.ts";
import { buildWorkload, type Workload } from "./workload.ts";
import { runEngines, type EngineRun } from "./engines.ts";
import { createPgDb } from "../test/pg/db.ts";

export type Machine = {
  /** fdatasync of a 16 KiB append on the benchmark's temp disk: what every durable commit waits for. */
  diskSyncMs?: { p50: number; p99: number; max: number };
  cpu: string;
  cores: number;
  memGiB: number;
  freeMemGiB: number;
  node: string;
  kernel: string;
  loadAvg: number[];
};

export type TargetCheck = { id: string; what: string; target: string; measured: string; met: boolean };

export type Sizes = {
  workloadSize: number;
  storageReports: number;
  storageGroups: number[];
  dashboardReports: number;
  dashboardGroups: number;
  dashboardDays: number;
  queryIterations: number;
  /** Ingest load beside the policy builds (queries section): requests/s, and seconds alone and during builds. */
  buildLoad: { rate: number; seconds: number };
  builderGroups: number;
  builderIterations: number;
  rounds: number;
  warmupSec: number;
  connections: number;
  /** Connections of the closed-loop run whose rate the group commit bounds, not the CPU. */
  fewConnections: number;
  overloadConnections: number;
};

export type BenchResults = {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  machine: Machine;
  command: string;
  durationSec: number;
  quick: boolean;
  sizes: Sizes;
  workload?: Omit<Workload, "requests"> & { requests: number; avgBodyBytes: number };
  /** The legacy-single-report workload's summary. */
  singleWorkload?: Omit<Workload, "requests"> & { requests: number; avgBodyBytes: number };
  ingest?: IngestResults;
  storage?: StorageCase[];
  queries?: QueryResults;
  builder?: BuilderResults;
  /** --engine postgres: ingest on SQLite beside PostgreSQL (one node each), the dashboard queries on PostgreSQL. */
  postgres?: { ingest?: EngineRun[]; queries?: QueryResults };
  targets: TargetCheck[];
};

export function sizesFor(quick: boolean): Sizes {
  return quick
    ? {
        workloadSize: 50,
        storageReports: 5_000,
        storageGroups: [100, 1_000],
        dashboardReports: 20_000,
        dashboardGroups: 200,
        dashboardDays: 30,
        queryIterations: 2,
        buildLoad: { rate: 100, seconds: 2 },
        builderGroups: 100,
        builderIterations: 2,
        rounds: 1,
        warmupSec: 0.5,
        connections: 16,
        fewConnections: 4,
        overloadConnections: 32,
      }
    : {
        workloadSize: 200,
        storageReports: 1_000_000,
        storageGroups: [100, 100_000],
        dashboardReports: 10_000_000,
        dashboardGroups: 20_000,
        dashboardDays: 30,
        queryIterations: 20,
        buildLoad: { rate: 500, seconds: 20 },
        builderGroups: 10_000,
        builderIterations: 5,
        rounds: 4,
        warmupSec: 3,
        connections: 128,
        fewConnections: 32,
        // × 16 pipelined (ingest.ts OVERLOAD_DEPTH): at most 1,024 requests in flight, as many as 256 connections
        // × 4; fewer, fuller connections cost Cinch and the generator fewer syscalls per request (bench/README.md).
        overloadConnections: 64,
      };
}

/** Time 200 fdatasyncs of 16 KiB appends in `dir`. */
export function diskSync(dir: string): { p50: number; p99: number; max: number } {
  const file = join(dir, "fsync-probe.bin");
  const fd = openSync(file, "w");
  const buf = Buffer.alloc(16 * 1024, 1);
  const ms: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, buf);
      const t = performance.now();
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  ms.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(ms[99]!), p99: r(ms[197]!), max: r(ms[199]!) };
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export type Log = (line: string) => void;

/** Run the selected sections and evaluate the targets. */
export async function runBench(
  args: BenchArgs,
  log: Log,
  sizes: Sizes = sizesFor(args.quick),
): Promise<BenchResults> {
  const started = new Date();
  const tmpDir = mkdtempSync(join(tmpdir(), "cinch-bench-"));
  const has = (s: Section) => args.sections.includes(s);
  const out: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: "",
    seconds: 0,
    machine: machine(),
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    durationSec: args.durationSec,
    quick: args.quick,
    sizes,
    targets: [],
  };
  out.machine.diskSyncMs = diskSync(tmpDir);
  try {
    // The pure builder runs first, on the harness's fresh heap (measured after the other sections it ran up to
    // 1.7× slower: their results and the seeding's garbage stay on this process's heap).
    if (has("builder")) {
      log(`builder: ${sizes.builderGroups} groups`);
      out.builder = runBuilder(sizes.builderGroups, sizes.builderIterations, log);
    }
    if (has("ingest")) {
      const workload = buildWorkload({ size: sizes.workloadSize });
      const single = buildWorkload({ size: sizes.workloadSize, legacyShare: 1 });
      out.workload = summarize(workload);
      out.singleWorkload = summarize(single);
      log(`ingest: ${args.durationSec} s per target at maximum rate, in ${sizes.rounds} interleaved rounds`);
      out.ingest = await runIngest({
        tmpDir,
        workload,
        single,
        fewConnections: sizes.fewConnections,
        ...(args.before ? { beforeDir: args.before } : {}),
        ...(args.targets ? { targets: ingestTargets(args.targets) } : {}),
        durationSec: args.durationSec,
        rounds: sizes.rounds,
        warmupSec: sizes.warmupSec,
        connections: sizes.connections,
        overloadConnections: sizes.overloadConnections,
        log,
        cinchNodeArgs: args.profile ? ["--cpu-prof", "--cpu-prof-dir", args.outDir] : [],
      });
    }
    if (has("storage")) {
      log(`storage: ${sizes.storageReports} reports over ${sizes.storageGroups.join(" / ")} groups`);
      out.storage = await runStorage(tmpDir, sizes.storageReports, sizes.storageGroups, log);
    }
    if (has("queries")) {
      log(`dashboard queries at scale`);
      out.queries = await runQueries({
        tmpDir,
        reports: sizes.dashboardReports,
        groups: sizes.dashboardGroups,
        days: sizes.dashboardDays,
        iterations: sizes.queryIterations,
        buildLoad: sizes.buildLoad,
        log,
        nodeArgs: args.profile ? ["--cpu-prof", "--cpu-prof-dir", args.outDir] : [],
      });
    }
    if (args.engine === "postgres") out.postgres = await runPostgres(args, sizes, tmpDir, log);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  out.targets = evaluate(out);
  const finished = new Date();
  out.finishedAt = finished.toISOString();
  out.seconds = Math.round((finished.getTime() - started.getTime()) / 100) / 10;
  return out;
}

/** The --targets names, checked against the ingest section's targets. */
function ingestTargets(names: string[]): TargetName[] {
  const known: readonly string[] = [...TARGETS, ...BEFORE_TARGETS];
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length > 0) throw new Error(`unknown ingest target ${bad.join(", ")}; known: ${known.join(", ")}`);
  return names as TargetName[];
}

/** The PostgreSQL sections (--engine postgres), each on a fresh database of PG_TEST_URL's server. */
async function runPostgres(
  args: BenchArgs,
  sizes: Sizes,
  tmpDir: string,
  log: Log,
): Promise<NonNullable<BenchResults["postgres"]>> {
  const out: NonNullable<BenchResults["postgres"]> = {};
  if (args.sections.includes("ingest")) {
    log(
      `ingest on SQLite beside PostgreSQL: one node each, ${sizes.connections} connections, ${sizes.rounds} rounds`,
    );
    out.ingest = await runEngines({
      tmpDir,
      workload: buildWorkload({ size: sizes.workloadSize }),
      durationSec: args.durationSec,
      rounds: sizes.rounds,
      warmupSec: sizes.warmupSec,
      connections: sizes.connections,
      log,
    });
  }
  if (args.sections.includes("queries")) {
    log(`dashboard queries at scale on PostgreSQL`);
    const db = await createPgDb("cinch_bench_dashboard");
    try {
      out.queries = await runQueries({
        tmpDir,
        reports: sizes.dashboardReports,
        groups: sizes.dashboardGroups,
        days: sizes.dashboardDays,
        iterations: sizes.queryIterations,
        buildLoad: sizes.buildLoad,
        log,
        databaseUrl: db.url,
      });
    } finally {
      await db.drop();
    }
  }
  return out;
}

function summarize(w: Workload): Omit<Workload, "requests"> & { requests: number; avgBodyBytes: number } {
  const { requests, ...summary } = w;
  return {
    ...summary,
    requests: requests.length,
    avgBodyBytes: Math.round(requests.reduce((n, r) => n + r.body.length, 0) / requests.length),
  };
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const run = (
  r: BenchResults,
  target: string,
  scenario: RunResult["scenario"],
  workload: RunResult["workload"] = "mix",
) => r.ingest?.runs.find((x) => x.target === target && x.scenario === scenario && x.workload === workload);

/** The targets, each with what was measured. */
export function evaluate(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const c = run(r, "naive", "max");
  const d = run(r, "cinch", "max");
  const half = run(r, "cinch", "half-rate");
  const over = run(r, "cinch", "overload");
  // 1a: at maximum rate, both workloads, both sync modes, against Koa + koa-body of the same workload and run.
  for (const workload of ["mix", "single"] as const) {
    const body = run(r, "body", "max", workload);
    for (const target of ["cinch", "cinch-normal"]) {
      const x = run(r, target, "max", workload);
      if (!body || !x) continue;
      const ratio = x.load.ackedReportsPerSec / body.load.ackedReportsPerSec;
      const sync = target === "cinch" ? "FULL" : "NORMAL";
      checks.push({
        id: "1a",
        what: `Cinch reports/s vs Koa + koa-body, ${workload === "mix" ? "realistic mix" : "legacy single reports"}, ${x.connections} connections, synchronous=${sync}`,
        target: "≥ 0.7 ×",
        measured: `${fmt(ratio, 2)} × (${fmt(x.load.ackedReportsPerSec)} vs ${fmt(body.load.ackedReportsPerSec)})`,
        met: ratio >= 0.7,
      });
    }
  }
  if (c && d) {
    const ratio = d.load.ackedReportsPerSec / c.load.ackedReportsPerSec;
    checks.push({
      id: "1b",
      what: "Cinch reports/s vs naive Prisma collector",
      target: "≥ 10 ×",
      measured: `${fmt(ratio, 1)} × (${fmt(d.load.ackedReportsPerSec)} vs ${fmt(c.load.ackedReportsPerSec)})`,
      met: ratio >= 10,
    });
  }
  if (half) {
    checks.push({
      id: "1c",
      what: `p99 latency at half of Cinch's maximum rate (${fmt(half.offeredRate ?? 0)} req/s, open loop)`,
      target: "≤ 25 ms",
      measured: `${fmt(half.load.latencyMs.p99, 1)} ms`,
      met: half.load.latencyMs.p99 <= 25,
    });
  }
  const few = run(r, "cinch", "few");
  if (few) {
    checks.push({
      id: "1f",
      what: `closed loop at ${few.connections} connections (bounded by the commit interval and fsync, not CPU: bench/README.md)`,
      target: "reported",
      measured: `${fmt(few.load.ackedReportsPerSec)} reports/s, p50 ${fmt(few.load.latencyMs.p50, 1)} ms, ${fmt(few.cpuUsPerRequest)} µs CPU/request`,
      met: few.storedMinusAcked === 0,
    });
  }
  const single = run(r, "cinch", "max", "single");
  for (const x of [d, single, few, half].filter((v): v is RunResult => v !== undefined)) {
    checks.push({
      id: x.scenario === "max" ? "1d" : "1e",
      what: `nothing lost (${x.scenario}, ${x.workload}): reports stored = reports answered 204`,
      target: "equal",
      measured: `${fmt(x.storedReports ?? 0)} stored, ${fmt(x.load.ackedReports)} acknowledged`,
      met: x.storedMinusAcked === 0 && x.load.errors === 0,
    });
  }
  if (over) {
    const shed = (over.load.statuses["429"] ?? 0) + (over.load.statuses["503"] ?? 0);
    const others = over.load.answered - shed - (over.load.statuses["204"] ?? 0);
    checks.push({
      id: "2a",
      what: "overload (3× max rate): sheds with 429/503",
      target: "sheds; only 204/429/503, no timeouts or resets",
      measured:
        `${fmt(shed)} of ${fmt(over.load.answered)} answers shed, ${fmt(others)} other statuses, ` +
        `${over.load.timeouts} timeouts, ${over.load.errors} resets`,
      met: shed > 0 && others === 0 && over.load.timeouts === 0 && over.load.errors === 0,
    });
    // What Cinch took in (the pipelined generator's sent rate) against the 3 × asked: bench/pipelined-load.ts.
    const max = (over.offeredRate ?? 0) / 3;
    const sent = over.load.sentPerSec ?? over.load.requestsPerSec;
    checks.push({
      id: "2d",
      what: "overload: requests offered and taken in, against Cinch's maximum rate",
      target: "≥ 3 ×",
      measured:
        `${fmt(sent / max, 2)} × (${fmt(sent)} of ${fmt(over.offeredRate ?? 0)} req/s due; ` +
        `generator ${fmt(over.load.generatorCpuUsPerRequest ?? 0, 1)} µs CPU/request)`,
      met: sent >= 0.95 * (over.offeredRate ?? 0),
    });
    checks.push({
      id: "2b",
      what: "overload: peak RSS",
      target: "≤ 250 MB",
      measured: `${fmt(over.peakRssBytes / 2 ** 20)} MB`,
      met: over.peakRssBytes <= 250 * 2 ** 20,
    });
    checks.push({
      id: "2c",
      what: "overload: no crash, accepted = stored",
      target: "equal",
      measured: `${over.crashed ? "crashed; " : ""}${fmt(over.storedReports ?? 0)} stored, ${fmt(over.load.ackedReports)} acknowledged`,
      met: !over.crashed && over.storedMinusAcked === 0,
    });
  }
  const s100 = r.storage?.[0];
  if (s100) {
    checks.push({
      id: "3",
      what: `storage: bytes per report, ${fmt(s100.reports)} reports over ${fmt(s100.groups)} groups`,
      target: "≤ 64 B",
      measured: `${fmt(s100.bytesPerReport, 1)} B`,
      met: s100.bytesPerReport <= 64,
    });
  }
  for (const t of r.queries?.timings ?? []) {
    // A suggestion right after a new report builds it afresh: its target is 150 ms (#17).
    const limit = t.name.startsWith("policy suggestion, just after a new report") ? 150 : 100;
    checks.push({
      id: "4",
      what: `dashboard: ${t.name}`,
      target: `p95 ≤ ${limit} ms`,
      measured: `${fmt(t.p95Ms, 1)} ms`,
      met: t.p95Ms <= limit,
    });
  }
  for (const b of r.queries?.buildLoad ?? []) {
    // "Unchanged": within 25% or 5 ms of the same load alone, in the same run.
    const limit = Math.max(b.alone.p99 * 1.25, b.alone.p99 + 5);
    checks.push({
      id: "4b",
      what: `ingest p99 at ${fmt(b.rate)} req/s while suggestions are built (${b.builds})`,
      target: `≤ ${fmt(limit, 1)} ms (alone: ${fmt(b.alone.p99, 1)} ms)`,
      measured: `${fmt(b.duringBuilds.p99, 1)} ms`,
      met: b.duringBuilds.p99 <= limit,
    });
  }
  checks.push(...postgresTargets(r));
  const build = r.builder?.timings.find((t) => t.name === "build + grade + minify");
  if (build) {
    checks.push({
      id: "5",
      what: `builder: build + grade + minify, ${fmt(build.groups)} groups`,
      target: "≤ 250 ms",
      measured: `${fmt(build.p50Ms, 1)} ms (p50)`,
      met: build.p50Ms <= 250,
    });
  }
  return checks;
}

/** The PostgreSQL targets (#13): one node's ingest against SQLite's in the same rounds, nothing lost, queries. */
function postgresTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const lite = r.postgres?.ingest?.find((x) => x.engine === "sqlite");
  const pg = r.postgres?.ingest?.find((x) => x.engine === "postgres");
  if (lite && pg) {
    const ratio = pg.reportsPerSec / lite.reportsPerSec;
    checks.push({
      id: "13a",
      what: `PostgreSQL, one node, vs SQLite, one node: reports/s at ${pg.connections} connections, same rounds`,
      target: "≥ 0.8 ×",
      measured: `${fmt(ratio, 2)} × (${fmt(pg.reportsPerSec)} vs ${fmt(lite.reportsPerSec)})`,
      met: ratio >= 0.8,
    });
    checks.push({
      id: "13b",
      what: "PostgreSQL: every report answered 204 is stored",
      target: "stored ≥ acknowledged",
      measured: `${fmt(pg.storedReports)} stored, ${fmt(pg.ackedReports)} acknowledged`,
      met: pg.storedReports >= pg.ackedReports,
    });
  }
  for (const t of r.postgres?.queries?.timings ?? []) {
    const limit = t.name.startsWith("policy suggestion, just after a new report") ? 150 : 100;
    checks.push({
      id: "13c",
      what: `dashboard on PostgreSQL: ${t.name}`,
      target: `p95 ≤ ${limit} ms`,
      measured: `${fmt(t.p95Ms, 1)} ms`,
      met: t.p95Ms <= limit,
    });
  }
  return checks;
}
