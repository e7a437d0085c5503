// Sections 1 and 2: ingest throughput and latency of four servers side by side, then Cinch under 3x overload.
// Every server runs in its own process, the load in another. The maximum-rate runs are interleaved in rounds
// (a b c d, b c d a, ...) so a noisy neighbour on the shared machine hits every target alike. After the runs the
// reports in each database are counted against the reports the load generator got a 204 for.
import Database from "better-sqlite3";
import { join } from "node:path";
import { openDb } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { merge, summary } from "./hist.ts";
import type { LoadRequest, LoadResult } from "./load.ts";
import { cpuSecondsOf, freePort, runLoadProcess, sampleRss, startServer, type ServerProc } from "./proc.ts";
import { NAIVE_ID_BASE } from "./targets/naive-id.ts";
import type { Workload } from "./workload.ts";

export type IngestOptions = {
  tmpDir: string;
  workload: Workload;
  /** Seconds of measured load per target at maximum rate (split over the rounds), and per derived run. */
  durationSec: number;
  /** Rounds the maximum-rate runs are split into. */
  rounds: number;
  /** Seconds of the warm-up run that also calibrates the first round's request count. */
  warmupSec: number;
  /** Connections of the maximum-rate runs. */
  connections: number;
  /** Connections of the overload run. */
  overloadConnections: number;
  /** Which targets to run (default all). */
  targets?: readonly TargetName[];
  /** Skip the half-rate latency run and the overload run. */
  skipDerived?: boolean;
  /** Extra node arguments for the Cinch server under test (e.g. --cpu-prof). */
  cinchNodeArgs?: string[];
  log: (line: string) => void;
};

export const TARGETS = ["bare", "body", "naive", "cinch", "cinch-normal"] as const;
export type TargetName = (typeof TARGETS)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  bare: "(a) bare Koa, 204",
  body: "(b) Koa + koa-body JSON parse, 204",
  naive: "(c) naive: koa-body + Prisma create per report",
  cinch: "(d) Cinch POST /r/:reportKey",
  "cinch-normal": "(d′) Cinch, SQLITE_SYNCHRONOUS=NORMAL",
};

export type Scenario = "max" | "half-rate" | "overload";

export type RunResult = {
  target: TargetName;
  label: string;
  scenario: Scenario;
  connections: number;
  /** Requests/s asked of the load generator (open loop or capped); null when unbounded. */
  offeredRate: number | null;
  load: LoadResult;
  peakRssBytes: number;
  /** CPU time the server process used during the run: noisy neighbours disturb it less than they disturb rates. */
  serverCpuSec: number;
  cpuUsPerRequest: number;
  /** Reports the database gained during the run; null for targets that store nothing. */
  storedReports: number | null;
  /** storedReports - load.ackedReports (0 = exact; negative = lost after a 204). */
  storedMinusAcked: number | null;
  crashed: boolean;
};

export type IngestResults = { runs: RunResult[]; notes: string[] };

/** Counts the reports a target holds, read from its database file by a separate read-only connection. */
type Counter = () => number;

function countWith(file: string, sql: string, arg: string | number): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(sql).get(arg) as { n: number | bigint };
    return Number(row.n);
  } finally {
    db.close();
  }
}

const cinchCounter =
  (file: string, projectId: string): Counter =>
  () =>
    countWith(file, `SELECT COALESCE(SUM(count), 0) AS n FROM ViolationGroup WHERE projectId = ?`, projectId);

const naiveCounter =
  (file: string): Counter =>
  () =>
    countWith(file, `SELECT COUNT(*) AS n FROM Sample WHERE groupId >= ?`, NAIVE_ID_BASE);

/** Environment of a Cinch server under test: its own data dir, quiet logs, defaults otherwise. */
export function cinchEnv(
  dataDir: string,
  port: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...extra,
  };
}

/** Rate limits raised so one loopback client (standing in for many browsers) can reach the maximum rate. */
export const UNLIMITED: Record<string, string> = {
  INGEST_RATE_PER_CLIENT: "1000000000",
  INGEST_BURST_PER_CLIENT: "1000000000",
  INGEST_RATE_PER_PROJECT: "1000000000",
  INGEST_BURST_PER_PROJECT: "1000000000",
};

/** Create projects in a fresh Cinch database (migrations applied) and return their ids and report keys. */
export async function createProjects(
  file: string,
  names: string[],
): Promise<{ id: string; reportKey: string }[]> {
  const db = await openDb(file);
  try {
    const store = new ProjectStore(db.prisma);
    const out: { id: string; reportKey: string }[] = [];
    for (const n of names) {
      const p = await store.create(n);
      out.push({ id: p.id, reportKey: p.reportKey });
    }
    return out;
  } finally {
    await db.close();
  }
}

/** A started target: where to send warm-up and measured load, and how to count what it stored. */
type Target = {
  name: TargetName;
  server: ServerProc;
  warmPath: string;
  /** Measured path at maximum rate, and (Cinch) the half-rate run's path: separate projects, separate counts. */
  paths: [string, string];
  counters: [Counter | null, Counter | null];
};

async function start(
  name: TargetName,
  dir: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Target> {
  const port = await freePort();
  const plain = (server: ServerProc): Target => ({
    name,
    server,
    warmPath: "/r/x",
    paths: ["/r/x", "/r/x"],
    counters: [null, null],
  });
  switch (name) {
    case "bare":
      return plain(await startServer("bench/targets/bare.ts", [String(port)], port));
    case "body":
      return plain(await startServer("bench/targets/body.ts", [String(port)], port));
    case "naive": {
      const file = join(dir, "naive.db");
      const t = plain(await startServer("bench/targets/naive.ts", [String(port), file], port));
      const c = naiveCounter(file);
      return { ...t, counters: [c, c] };
    }
    case "cinch":
    case "cinch-normal": {
      const file = join(dir, "cinch.db");
      const [warm, a, b] = await createProjects(file, ["warm-up", "measured", "half-rate"]);
      const sync: Record<string, string> = name === "cinch-normal" ? { SQLITE_SYNCHRONOUS: "NORMAL" } : {};
      const server = await startServer(
        "server/main.ts",
        [],
        port,
        cinchEnv(dir, port, { ...env, ...sync }),
        nodeArgs,
      );
      return {
        name,
        server,
        warmPath: `/r/${warm!.reportKey}`,
        paths: [`/r/${a!.reportKey}`, `/r/${b!.reportKey}`],
        counters: [cinchCounter(file, a!.id), cinchCounter(file, b!.id)],
      };
    }
  }
}

/** Wait until a counter stops moving (a slow target may still be working off requests of a cut-off run). */
async function settle(counter: Counter | null, quietMs = 500, maxMs = 30_000): Promise<void> {
  if (!counter) return;
  const deadline = Date.now() + maxMs;
  let last = counter();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = counter();
    if (now === last) return;
    last = now;
  }
}

/** Sum of several runs of one target: counts and seconds add up, latency histograms merge. */
function combine(parts: LoadResult[]): LoadResult {
  const first = parts[0]!;
  const out: LoadResult = {
    ...first,
    seconds: 0,
    sent: 0,
    answered: 0,
    statuses: {},
    errors: 0,
    timeouts: 0,
    ackedReports: 0,
    shedReports: 0,
    latency: {},
  };
  for (const p of parts) {
    out.seconds += p.seconds;
    out.sent += p.sent;
    out.answered += p.answered;
    out.errors += p.errors;
    out.timeouts += p.timeouts;
    out.ackedReports += p.ackedReports;
    out.shedReports += p.shedReports;
    for (const [k, v] of Object.entries(p.statuses)) out.statuses[k] = (out.statuses[k] ?? 0) + v;
    merge(out.latency, p.latency);
  }
  out.requestsPerSec = out.answered / out.seconds;
  out.ackedReportsPerSec = out.ackedReports / out.seconds;
  out.latencyMs = summary(out.latency);
  return out;
}

const toLoadRequests = (w: Workload): LoadRequest[] =>
  w.requests.map((r) => ({
    contentType: r.contentType,
    userAgent: r.userAgent,
    body: r.body,
    reports: r.reports,
  }));

/** Sections 1 and 2. */
export async function runIngest(o: IngestOptions): Promise<IngestResults> {
  const requests = toLoadRequests(o.workload);
  const names = o.targets ?? TARGETS;
  const runs: RunResult[] = [];
  const notes: string[] = [];
  const targets: Target[] = [];
  try {
    for (const name of names)
      targets.push(await start(name, join(o.tmpDir, name), UNLIMITED, o.cinchNodeArgs));
    // Warm up (JIT, caches, connections) and calibrate each target's closed-loop rate.
    const rate = new Map<TargetName, number>();
    for (const t of targets) {
      const warm = await runLoadProcess(
        {
          url: t.server.url,
          path: t.warmPath,
          requests,
          mode: "closed",
          connections: o.connections,
          durationSec: o.warmupSec,
        },
        o.tmpDir,
      );
      rate.set(t.name, warm.requestsPerSec);
      await settle(t.counters[0]);
      o.log(`  warm-up ${t.name}: ${warm.requestsPerSec.toFixed(0)} req/s`);
    }
    // Measured rounds, each a fixed number of requests (every one answered, so the 204 count is exact).
    const parts = new Map<TargetName, LoadResult[]>(names.map((n) => [n, []]));
    const peak = new Map<TargetName, number>(names.map((n) => [n, 0]));
    const cpu = new Map<TargetName, number>(names.map((n) => [n, 0]));
    const before = targets.map((t) => (t.counters[0] ? t.counters[0]() : 0));
    const roundSec = o.durationSec / o.rounds;
    for (let r = 0; r < o.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(r + k) % targets.length]!;
        const amount = Math.max(o.connections, Math.round((rate.get(t.name) ?? 100) * roundSec));
        const rss = sampleRss(t.server.pid);
        const cpu0 = cpuSecondsOf(t.server.pid);
        const res = await runLoadProcess(
          {
            url: t.server.url,
            path: t.paths[0],
            requests,
            mode: "closed",
            connections: o.connections,
            amount,
          },
          o.tmpDir,
        );
        cpu.set(t.name, (cpu.get(t.name) ?? 0) + cpuSecondsOf(t.server.pid) - cpu0);
        peak.set(t.name, Math.max(peak.get(t.name) ?? 0, rss.stop()));
        parts.get(t.name)!.push(res);
        rate.set(t.name, res.requestsPerSec);
        o.log(
          `  round ${r + 1}/${o.rounds} ${t.name}: ${res.ackedReportsPerSec.toFixed(0)} reports/s, ` +
            `${res.requestsPerSec.toFixed(0)} req/s, p99 ${res.latencyMs.p99} ms (${res.seconds.toFixed(1)} s)`,
        );
      }
    }
    targets.forEach((t, i) => {
      const load = combine(parts.get(t.name)!);
      const stored = t.counters[0] ? t.counters[0]() - before[i]! : null;
      runs.push(
        result(t, "max", o.connections, null, load, peak.get(t.name) ?? 0, cpu.get(t.name) ?? 0, stored),
      );
    });
    for (const t of targets.filter((x) => x.name === "cinch" || x.name === "cinch-normal")) {
      const max = runs.find((r) => r.target === t.name && r.scenario === "max");
      if (max && !o.skipDerived) runs.push(await halfRate(o, t, requests, max.load.requestsPerSec));
    }
  } finally {
    await Promise.all(targets.map((t) => t.server.stop()));
  }
  const cinchMax = runs.find((r) => r.target === "cinch" && r.scenario === "max");
  if (cinchMax && !o.skipDerived) runs.push(await overload(o, requests, cinchMax.load.requestsPerSec, notes));
  return { runs, notes };
}

function result(
  t: Target,
  scenario: Scenario,
  connections: number,
  offeredRate: number | null,
  load: LoadResult,
  peakRssBytes: number,
  serverCpuSec: number,
  stored: number | null,
): RunResult {
  return {
    target: t.name,
    label: TARGET_LABELS[t.name],
    scenario,
    connections,
    offeredRate,
    load,
    peakRssBytes,
    serverCpuSec,
    cpuUsPerRequest: load.answered > 0 ? (serverCpuSec * 1e6) / load.answered : 0,
    storedReports: stored,
    storedMinusAcked: stored === null ? null : stored - load.ackedReports,
    crashed: t.server.exited() !== null,
  };
}

/** p99 at half of Cinch's maximum rate, open loop: requests arrive on schedule, latency from the scheduled time. */
async function halfRate(
  o: IngestOptions,
  t: Target,
  requests: LoadRequest[],
  maxRate: number,
): Promise<RunResult> {
  const rate = Math.max(1, Math.round(maxRate / 2));
  const connections = 256;
  const before = t.counters[1]!();
  const rss = sampleRss(t.server.pid);
  const cpu0 = cpuSecondsOf(t.server.pid);
  const load = await runLoadProcess(
    {
      url: t.server.url,
      path: t.paths[1],
      requests,
      mode: "open",
      connections,
      rate,
      durationSec: o.durationSec,
    },
    o.tmpDir,
  );
  const cpu = cpuSecondsOf(t.server.pid) - cpu0;
  const peak = rss.stop();
  const stored = t.counters[1]!() - before;
  o.log(`  half rate ${rate} req/s (open loop): p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms`);
  return result(t, "half-rate", connections, rate, load, peak, cpu, stored);
}

/**
 * Section 2: three times Cinch's maximum request rate against a fresh Cinch with the default limits, except the
 * per-client one (all load comes from one loopback address standing in for many browsers). Cinch must shed.
 */
async function overload(
  o: IngestOptions,
  requests: LoadRequest[],
  maxRate: number,
  notes: string[],
): Promise<RunResult> {
  const dir = join(o.tmpDir, "overload");
  const t = await start("cinch", dir, {
    INGEST_RATE_PER_CLIENT: "1000000000",
    INGEST_BURST_PER_CLIENT: "1000000000",
  });
  try {
    const rate = Math.round(maxRate * 3);
    const conns = o.overloadConnections;
    const warm = await runLoadProcess(
      {
        url: t.server.url,
        path: t.warmPath,
        requests,
        mode: "closed",
        connections: conns,
        durationSec: o.warmupSec,
        rate,
      },
      o.tmpDir,
    );
    const reached = Math.min(rate, warm.requestsPerSec);
    const amount = Math.max(conns, Math.round(reached * o.durationSec));
    const before = t.counters[0]!();
    const rss = sampleRss(t.server.pid);
    const cpu0 = cpuSecondsOf(t.server.pid);
    const load = await runLoadProcess(
      { url: t.server.url, path: t.paths[0], requests, mode: "closed", connections: conns, amount, rate },
      o.tmpDir,
    );
    const cpu = cpuSecondsOf(t.server.pid) - cpu0;
    const peak = rss.stop();
    const stored = t.counters[0]!() - before;
    if (load.requestsPerSec < rate * 0.9) {
      notes.push(
        `overload: the load generator got ${load.requestsPerSec.toFixed(0)} answers/s of the ${rate} req/s asked ` +
          `(${(load.requestsPerSec / maxRate).toFixed(1)}x Cinch's maximum rate): it shares the 2 cores with the server, ` +
          `and a closed-loop generator sends only as fast as answers come back`,
      );
    }
    o.log(
      `  overload: asked ${rate} req/s, got ${load.requestsPerSec.toFixed(0)} req/s answered, ` +
        `statuses ${JSON.stringify(load.statuses)}, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`,
    );
    return result(t, "overload", conns, rate, load, peak, cpu, stored);
  } finally {
    await t.server.stop();
  }
}
