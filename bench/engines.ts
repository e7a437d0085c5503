// Ingest on SQLite beside PostgreSQL in one run (#13): one Cinch node per engine in its own process, the same
// workload at maximum rate from a load process, rounds interleaved (sqlite, postgres, postgres, sqlite, …) so a
// noisy neighbour hits both alike. Per engine: reports/s, p99, the node's CPU per report and, on PostgreSQL, the
// server's (every postgres process's CPU over the run, /proc). After the runs the stored reports are counted
// against the 204s. Needs a PostgreSQL server (PG_TEST_URL, as the tests: test/pg/db.ts).
// Each node's commits (count, mean reports and milliseconds per commit) are read from its /metrics.
//   npx tsx bench/engines.ts [--seconds 8] [--rounds 2] [--connections 32] [--only postgres] [--cpu-prof DIR]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../server/config.ts";
import { openDatabase } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { Prisma } from "../server/generated/prisma/client.ts";
import { createPgDb } from "../test/pg/db.ts";
import type { LoadRequest, LoadResult } from "./load.ts";
import { cinchEnv, UNLIMITED } from "./ingest.ts";
import { cpuSecondsOf, freePort, runLoadProcess, startServer } from "./proc.ts";
import { buildWorkload } from "./workload.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    connections: { type: "string", default: "32" },
    /** Run one engine only (profiling one side). */
    only: { type: "string" },
    /** Write each node's V8 CPU profiles under DIR/<engine> (node --cpu-prof; the largest file is the main
     * thread's); summarize with bench/profile.ts. */
    "cpu-prof": { type: "string" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

/** CPU seconds of every postgres server process (backends included). */
function postgresCpu(): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") total += cpuSecondsOf(Number(pid));
    } catch {
      // gone
    }
  }
  return total;
}

type Engine = "sqlite" | "postgres";
const engines: Engine[] = (["sqlite", "postgres"] as const).filter((e) => !values.only || values.only === e);

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
const tmp = mkdtempSync(join(tmpdir(), "cinch-engines-"));
const pgDb = await createPgDb("cinch_bench");
const urls: Record<Engine, string> = { sqlite: `file:${join(tmp, "cinch.db")}`, postgres: pgDb.url };
const workload = buildWorkload();
const requests: LoadRequest[] = workload.requests.map((r) => ({
  contentType: r.contentType,
  userAgent: r.userAgent,
  body: r.body,
  reports: r.reports,
}));

const nodes = new Map<
  Engine,
  { url: string; path: string; pid: number; stop: () => Promise<void>; id: string }
>();
for (const engine of engines) {
  const env = { DATABASE_URL: urls[engine], DATA_DIR: tmp };
  const db = await openDatabase(loadConfig(env));
  const p = await new ProjectStore(db.prisma).create(`bench-${engine}`);
  await db.close();
  const port = await freePort();
  const prof = values["cpu-prof"];
  const server = await startServer(
    "server/main.ts",
    [],
    port,
    cinchEnv(tmp, port, { ...env, ...UNLIMITED }),
    prof ? ["--cpu-prof", `--cpu-prof-dir=${join(prof, engine)}`] : [],
  );
  nodes.set(engine, {
    url: `http://127.0.0.1:${port}`,
    path: `/r/${p.reportKey}`,
    pid: server.pid,
    stop: () => server.stop(),
    id: p.id,
  });
}

type Acc = {
  seconds: number;
  reports: number;
  nodeCpu: number;
  pgCpu: number;
  p99: number[];
  ok: number;
  commits: number;
  committed: number;
  commitSeconds: number;
};
const acc = new Map<Engine, Acc>();
const acked = new Map<Engine, number>();
try {
  // Warm-up, unmeasured.
  for (const [engine, n] of nodes) {
    const warm = await runLoadProcess(
      { url: n.url, path: n.path, requests, mode: "closed", connections, durationSec: 2 },
      tmp,
    );
    acked.set(engine, warm.ackedReports);
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) {
      const n = nodes.get(engine)!;
      const cpu0 = cpuSecondsOf(n.pid);
      const pg0 = postgresCpu();
      const c0 = await commitStats(n.url);
      const res: LoadResult = await runLoadProcess(
        { url: n.url, path: n.path, requests, mode: "closed", connections, durationSec: seconds },
        tmp,
      );
      const c1 = await commitStats(n.url);
      const a = acc.get(engine) ?? {
        seconds: 0,
        reports: 0,
        nodeCpu: 0,
        pgCpu: 0,
        p99: [],
        ok: 0,
        commits: 0,
        committed: 0,
        commitSeconds: 0,
      };
      a.commits += c1.commits - c0.commits;
      a.committed += c1.reports - c0.reports;
      a.commitSeconds += c1.seconds - c0.seconds;
      a.seconds += res.seconds;
      a.reports += res.ackedReports;
      a.nodeCpu += cpuSecondsOf(n.pid) - cpu0;
      a.pgCpu += postgresCpu() - pg0;
      a.p99.push(res.latencyMs.p99);
      a.ok += res.statuses["204"] ?? 0;
      acked.set(engine, (acked.get(engine) ?? 0) + res.ackedReports);
      acc.set(engine, a);
    }
  }
  const lines = [
    `| engine | reports/s | p99 ms (per round) | node CPU µs/report | PostgreSQL CPU µs/report | commits/s | reports/commit | ms/commit |`,
    `|---|---|---|---|---|---|---|---|`,
  ];
  for (const [engine, a] of acc) {
    const perReport = (s: number) => ((s * 1e6) / a.reports).toFixed(0);
    lines.push(
      `| ${engine} | ${(a.reports / a.seconds).toFixed(0)} | ${a.p99.join(", ")} | ${perReport(a.nodeCpu)} | ${
        engine === "postgres" ? perReport(a.pgCpu) : "–"
      } | ${(a.commits / a.seconds).toFixed(0)} | ${(a.committed / a.commits).toFixed(1)} | ${(
        (a.commitSeconds * 1000) /
        a.commits
      ).toFixed(1)} |`,
    );
  }
  console.log(lines.join("\n"));
  // Every report answered 204 is stored (run after the load: the nodes drain their queues on stop).
  for (const [, n] of nodes) await n.stop();
  for (const engine of engines) {
    const db = await openDatabase(loadConfig({ DATABASE_URL: urls[engine], DATA_DIR: tmp }));
    const [row] = await db.sql.all<{ n: unknown }>(
      Prisma.sql`SELECT coalesce(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = ${nodes.get(engine)!.id}`,
    );
    await db.close();
    console.log(`${engine}: ${Number(row?.n)} reports stored, ${acked.get(engine) ?? 0} answered 204`);
  }
} finally {
  for (const [, n] of nodes) await n.stop().catch(() => undefined);
  await pgDb.drop();
  rmSync(tmp, { recursive: true, force: true });
}
