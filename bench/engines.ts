// Ingest on SQLite beside PostgreSQL in one run (#13): one Cinch node per engine in its own process, the same
// workload at maximum rate from a load process, rounds interleaved (sqlite, postgres, postgres, sqlite, …) so a
// noisy neighbour hits both alike. Per engine: reports/s, p99, the node's CPU per report and, on PostgreSQL, the
// database's (the CPU of the server processes serving the benchmark's database — its backends, the WAL writer, the
// checkpointer and the background writer — from /proc, so other databases on the same server do not count). Each
// node's commits (count, mean reports and milliseconds per commit) are read from its /metrics. After the runs the
// stored reports are counted against the 204s. Needs a PostgreSQL server (PG_TEST_URL, as the tests: test/pg/db.ts).
// `npm run bench -- --engine postgres` runs it as part of the benchmark; alone, for profiling one side:
//   npx tsx bench/engines.ts [--seconds 8] [--rounds 2] [--connections 32] [--only postgres] [--cpu-prof DIR]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { Prisma } from "../server/generated/prisma/client.ts";
import { createPgDb } from "../test/pg/db.ts";
import type { LoadRequest } from "./load.ts";
import { cinchEnv, UNLIMITED } from "./ingest.ts";
import { cpuSecondsOf, freePort, runLoadProcess, startCinch } from "./proc.ts";
import { buildWorkload, type Workload } from "./workload.ts";

export type Engine = "sqlite" | "postgres";

export type EngineRun = {
  engine: Engine;
  connections: number;
  seconds: number;
  reportsPerSec: number;
  /** p99 latency of each round, ms. */
  p99Ms: number[];
  nodeCpuUsPerReport: number;
  /** PostgreSQL only: the database server's CPU per report. */
  dbCpuUsPerReport: number | null;
  commitsPerSec: number;
  reportsPerCommit: number;
  msPerCommit: number;
  storedReports: number;
  ackedReports: number;
};

export type EngineOptions = {
  tmpDir: string;
  workload: Workload;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  connections: number;
  engines?: Engine[];
  log: (line: string) => void;
  /** Write each node's V8 CPU profiles under this directory, per engine. */
  cpuProfDir?: string;
};

/** A node's commits so far: count, reports and seconds summed (its Prometheus histograms). */
async function commitStats(url: string): Promise<{ commits: number; reports: number; seconds: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return {
    commits: metric("cinch_commit_reports_count"),
    reports: metric("cinch_commit_reports_sum"),
    seconds: metric("cinch_commit_duration_seconds_sum"),
  };
}

/** CPU seconds so far of each server process working for database `name` (backends and the shared writers). */
async function dbCpu(admin: pg.Client, name: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1
       OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`,
    [name],
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) out.set(pid, cpuSecondsOf(pid));
  return out;
}

/** CPU between two snapshots (a backend that started in between counts from 0). */
const cpuBetween = (a: Map<number, number>, b: Map<number, number>): number =>
  [...b].reduce((s, [pid, cpu]) => s + Math.max(0, cpu - (a.get(pid) ?? 0)), 0);

/** Run both engines' nodes side by side; every 204 is checked against what is stored. */
export async function runEngines(o: EngineOptions): Promise<EngineRun[]> {
  const engines = o.engines ?? ["sqlite", "postgres"];
  const dir = mkdtempSync(join(o.tmpDir, "engines-"));
  const pgDb = await createPgDb("cinch_bench");
  const admin = new pg.Client({ connectionString: pgDb.url });
  await admin.connect();
  const urls: Record<Engine, string> = { sqlite: `file:${join(dir, "cinch.db")}`, postgres: pgDb.url };
  const requests: LoadRequest[] = o.workload.requests.map((r) => ({
    contentType: r.contentType,
    userAgent: r.userAgent,
    body: r.body,
    reports: r.reports,
  }));
  const nodes = new Map<
    Engine,
    { url: string; path: string; pid: number; stop: () => Promise<void>; id: string }
  >();
  try {
    for (const engine of engines) {
      const env = { DATABASE_URL: urls[engine], DATA_DIR: dir };
      const db = await openDatabase(loadConfig(env));
      const p = await new ProjectStore(db).create(`bench-${engine}`);
      await db.close();
      const port = await freePort();
      const server = await startCinch(
        port,
        cinchEnv(dir, port, { ...env, ...UNLIMITED }),
        o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(o.cpuProfDir, engine)}`] : [],
      );
      nodes.set(engine, {
        url: server.url,
        path: `/r/${p.reportKey}`,
        pid: server.pid,
        stop: () => server.stop(),
        id: p.id,
      });
    }
    const acked = new Map<Engine, number>();
    const load = (n: { url: string; path: string }, durationSec: number) =>
      runLoadProcess(
        { url: n.url, path: n.path, requests, mode: "closed", connections: o.connections, durationSec },
        dir,
      );
    for (const [engine, n] of nodes) acked.set(engine, (await load(n, o.warmupSec)).ackedReports);
    type Acc = Omit<
      EngineRun,
      | "reportsPerSec"
      | "nodeCpuUsPerReport"
      | "dbCpuUsPerReport"
      | "commitsPerSec"
      | "reportsPerCommit"
      | "msPerCommit"
      | "storedReports"
      | "ackedReports"
    > & {
      reports: number;
      nodeCpu: number;
      dbCpu: number;
      commits: number;
      committed: number;
      commitSeconds: number;
    };
    const acc = new Map<Engine, Acc>();
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? engines : [...engines].reverse();
      for (const engine of order) {
        const n = nodes.get(engine)!;
        const cpu0 = cpuSecondsOf(n.pid);
        const db0 = await dbCpu(admin, pgDb.name);
        const c0 = await commitStats(n.url);
        const res = await load(n, o.durationSec);
        const c1 = await commitStats(n.url);
        const a: Acc = acc.get(engine) ?? {
          engine,
          connections: o.connections,
          seconds: 0,
          p99Ms: [],
          reports: 0,
          nodeCpu: 0,
          dbCpu: 0,
          commits: 0,
          committed: 0,
          commitSeconds: 0,
        };
        a.nodeCpu += cpuSecondsOf(n.pid) - cpu0;
        a.dbCpu += cpuBetween(db0, await dbCpu(admin, pgDb.name));
        a.commits += c1.commits - c0.commits;
        a.committed += c1.reports - c0.reports;
        a.commitSeconds += c1.seconds - c0.seconds;
        a.seconds += res.seconds;
        a.reports += res.ackedReports;
        a.p99Ms.push(Math.round(res.latencyMs.p99 * 10) / 10);
        acked.set(engine, (acked.get(engine) ?? 0) + res.ackedReports);
        acc.set(engine, a);
        o.log(
          `  ${engine}: ${Math.round(res.ackedReports / res.seconds)} reports/s, p99 ${res.latencyMs.p99} ms`,
        );
      }
    }
    // Every report answered 204 is stored (counted after the nodes drain their queues on stop).
    for (const [, n] of nodes) await n.stop();
    const out: EngineRun[] = [];
    for (const [engine, a] of acc) {
      const db = await openDatabase(loadConfig({ DATABASE_URL: urls[engine], DATA_DIR: dir }));
      const [row] = await db.sql.all<{ n: unknown }>(
        Prisma.sql`SELECT coalesce(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = ${nodes.get(engine)!.id}`,
      );
      await db.close();
      const per = (s: number) => Math.round((s * 1e6) / a.reports);
      out.push({
        engine,
        connections: a.connections,
        seconds: a.seconds,
        reportsPerSec: Math.round(a.reports / a.seconds),
        p99Ms: a.p99Ms,
        nodeCpuUsPerReport: per(a.nodeCpu),
        dbCpuUsPerReport: engine === "postgres" ? per(a.dbCpu) : null,
        commitsPerSec: Math.round(a.commits / a.seconds),
        reportsPerCommit: Math.round((a.committed / Math.max(1, a.commits)) * 10) / 10,
        msPerCommit: Math.round(((a.commitSeconds * 1000) / Math.max(1, a.commits)) * 10) / 10,
        storedReports: Number(row?.n),
        ackedReports: acked.get(engine) ?? 0,
      });
    }
    return out;
  } finally {
    for (const [, n] of nodes) await n.stop().catch(() => undefined);
    await admin.end();
    await pgDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runs as a markdown table. */
export function enginesTable(runs: readonly EngineRun[]): string {
  const lines = [
    `| engine | reports/s | p99 ms (per round) | node CPU µs/report | PostgreSQL CPU µs/report | commits/s | reports/commit | ms/commit | stored − acked |`,
    `|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of runs) {
    lines.push(
      `| ${r.engine} | ${r.reportsPerSec.toLocaleString("en-US")} | ${r.p99Ms.join(", ")} | ${r.nodeCpuUsPerReport} | ${
        r.dbCpuUsPerReport ?? "–"
      } | ${r.commitsPerSec} | ${r.reportsPerCommit} | ${r.msPerCommit} | ${r.storedReports - r.ackedReports} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "8" },
      rounds: { type: "string", default: "2" },
      connections: { type: "string", default: "32" },
      /** Run one engine only (profiling one side). */
      only: { type: "string" },
      /** Write each node's V8 CPU profiles under DIR/<engine> (the largest file is the main thread's). */
      "cpu-prof": { type: "string" },
    },
  });
  const tmp = mkdtempSync(join(tmpdir(), "cinch-engines-"));
  try {
    const runs = await runEngines({
      tmpDir: tmp,
      workload: buildWorkload(),
      durationSec: Number(values.seconds),
      rounds: Number(values.rounds),
      warmupSec: 2,
      connections: Number(values.connections),
      engines: (["sqlite", "postgres"] as const).filter((e) => !values.only || values.only === e),
      log: (line) => process.stderr.write(`${line}\n`),
      ...(values["cpu-prof"] ? { cpuProfDir: values["cpu-prof"] } : {}),
    });
    console.log(enginesTable(runs));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
