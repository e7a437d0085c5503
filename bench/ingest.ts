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
import {
  cpuSecondsOf,
  freePort,
  runLoadProcess,
  sampleRss,
  startCinch,
  startServer,
  type ServerProc,
} from "./proc.ts";
import { NAIVE_ID_BASE } from "./targets/naive-id.ts";
import type { Workload } from "./workload.ts";

export type IngestOptions = {
  tmpDir: string;
  /** The realistic mix (also used by the few-connection, half-rate and overload runs). */
  workload: Workload;
  /** Legacy single reports only: measured at maximum rate after the mix, when given. */
  single?: Workload;
  /** Connections of the closed-loop run that shows the commit-bound rate (Cinch only, the mix); none when unset. */
  fewConnections?: number;
  /** A Cinch source tree (with node_modules and server/generated) to run beside this one as "before". */
  beforeDir?: string;
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
/** Cinch from another source tree (--before): the same runs, side by side with this tree's. */
export const BEFORE_TARGETS = ["cinch-before", "cinch-before-normal"] as const;
export type TargetName = (typeof TARGETS)[number] | (typeof BEFORE_TARGETS)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  bare: "(a) bare Koa, 204",
  body: "(b) Koa + koa-body JSON parse, 204",
  naive: "(c) naive: koa-body + Prisma create per report",
  cinch: "(d) Cinch POST /r/:reportKey",
  "cinch-normal": "(d′) Cinch, SQLITE_SYNCHRONOUS=NORMAL",
  "cinch-before": "(e) Cinch before (--before tree)",
  "cinch-before-normal": "(e′) Cinch before, SQLITE_SYNCHRONOUS=NORMAL",
};

/** "max": maximum rate at the run's connections; "few": the closed loop at few connections (commit-bound). */
export type Scenario = "max" | "few" | "half-rate" | "overload";

/** Which bodies a run cycled: the realistic mix, or legacy single reports only. */
export type WorkloadName = "mix" | "single";

export type RunResult = {
  target: TargetName;
  label: string;
  scenario: Scenario;
  workload: WorkloadName;
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
    const store = new ProjectStore(db);
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
  beforeDir?: string,
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
    case "cinch-normal":
    case "cinch-before":
    case "cinch-before-normal": {
      const file = join(dir, "cinch.db");
      const [warm, a, b] = await createProjects(file, ["warm-up", "measured", "half-rate"]);
      const normal = name === "cinch-normal" || name === "cinch-before-normal";
      const sync: Record<string, string> = normal ? { SQLITE_SYNCHRONOUS: "NORMAL" } : {};
      const before = name.startsWith("cinch-before");
      if (before && !beforeDir) throw new Error(`${name} needs the before tree (--before <dir>)`);
      const server = await startCinch(
        port,
        cinchEnv(dir, port, { ...env, ...sync }),
        nodeArgs,
        before ? beforeDir! : undefined,
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

export const toLoadRequests = (w: Workload): LoadRequest[] =>
  w.requests.map((r) => ({
    contentType: r.contentType,
    userAgent: r.userAgent,
    body: r.body,
    reports: r.reports,
  }));

/** Sections 1 and 2. */
export async function runIngest(o: IngestOptions): Promise<IngestResults> {
  const mix = toLoadRequests(o.workload);
  const names = o.targets ?? [...TARGETS, ...(o.beforeDir ? BEFORE_TARGETS : [])];
  const runs: RunResult[] = [];
  const notes: string[] = [];
  const targets: Target[] = [];
  try {
    for (const name of names)
      targets.push(await start(name, join(o.tmpDir, name), UNLIMITED, o.cinchNodeArgs, o.beforeDir));
    runs.push(...(await maxRate(o, targets, "mix", mix)));
    if (o.single) runs.push(...(await maxRate(o, targets, "single", toLoadRequests(o.single))));
    const cinches = targets.filter((x) => x.name.startsWith("cinch"));
    if (o.fewConnections) {
      for (const t of cinches) runs.push(await fewConnections(o, t, mix, o.fewConnections));
    }
    for (const t of cinches.filter((x) => !x.name.startsWith("cinch-before"))) {
      const max = runs.find((r) => r.target === t.name && r.scenario === "max" && r.workload === "mix");
      if (max && !o.skipDerived) runs.push(await halfRate(o, t, mix, max.load.requestsPerSec));
    }
  } finally {
    await Promise.all(targets.map((t) => t.server.stop()));
  }
  const cinchMax = runs.find((r) => r.target === "cinch" && r.scenario === "max" && r.workload === "mix");
  if (cinchMax && !o.skipDerived) runs.push(await overload(o, mix, cinchMax.load.requestsPerSec, notes));
  return { runs, notes };
}

/**
 * Every target at its maximum rate on one workload: a warm-up that calibrates each target's closed-loop rate,
 * then interleaved rounds (a b c d, b c d a, ...) of a fixed number of requests each, so every request is
 * answered and the 204 count is exact; the database is counted after the rounds.
 */
async function maxRate(
  o: IngestOptions,
  targets: Target[],
  workload: WorkloadName,
  requests: LoadRequest[],
): Promise<RunResult[]> {
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
    o.log(`  warm-up ${t.name} (${workload}): ${warm.requestsPerSec.toFixed(0)} req/s`);
  }
  const parts = new Map<TargetName, LoadResult[]>(targets.map((t) => [t.name, []]));
  const peak = new Map<TargetName, number>();
  const cpu = new Map<TargetName, number>();
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
        `  round ${r + 1}/${o.rounds} ${t.name} (${workload}): ${res.ackedReportsPerSec.toFixed(0)} reports/s, ` +
          `${res.requestsPerSec.toFixed(0)} req/s, p99 ${res.latencyMs.p99} ms (${res.seconds.toFixed(1)} s)`,
      );
    }
  }
  return targets.map((t, i) => {
    const load = combine(parts.get(t.name)!);
    const stored = t.counters[0] ? t.counters[0]() - before[i]! : null;
    const p = peak.get(t.name) ?? 0;
    return result(t, "max", workload, o.connections, null, load, p, cpu.get(t.name) ?? 0, stored);
  });
}

/**
 * The closed loop at few connections: each connection waits for its answer, and every answer waits for the group
 * commit and its fsync, so the rate is about connections × commits/s, bounded by the commit interval and the disk,
 * not by CPU (bench/README.md). Measured so nobody reads it as capacity.
 */
async function fewConnections(
  o: IngestOptions,
  t: Target,
  requests: LoadRequest[],
  connections: number,
): Promise<RunResult> {
  const max = await runLoadProcess(
    { url: t.server.url, path: t.paths[0], requests, mode: "closed", connections, durationSec: o.warmupSec },
    o.tmpDir,
  );
  await settle(t.counters[0]);
  const amount = Math.max(connections, Math.round(max.requestsPerSec * o.durationSec));
  const before = t.counters[0]!();
  const rss = sampleRss(t.server.pid);
  const cpu0 = cpuSecondsOf(t.server.pid);
  const load = await runLoadProcess(
    { url: t.server.url, path: t.paths[0], requests, mode: "closed", connections, amount },
    o.tmpDir,
  );
  const cpu = cpuSecondsOf(t.server.pid) - cpu0;
  const peak = rss.stop();
  const stored = t.counters[0]!() - before;
  o.log(
    `  ${t.name} at ${connections} connections (closed loop): ${load.ackedReportsPerSec.toFixed(0)} reports/s, ` +
      `${load.requestsPerSec.toFixed(0)} req/s, p50 ${load.latencyMs.p50} ms`,
  );
  return result(t, "few", "mix", connections, null, load, peak, cpu, stored);
}

function result(
  t: Target,
  scenario: Scenario,
  workload: WorkloadName,
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
    workload,
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
  return result(t, "half-rate", "mix", connections, rate, load, peak, cpu, stored);
}

/** Most unanswered requests per connection of the overload run (bench/pipelined-load.ts's window). */
export const OVERLOAD_DEPTH = 16;

/**
 * Section 2: three times Cinch's maximum request rate against a fresh Cinch with the default limits, except the
 * per-client one (all load comes from one loopback address standing in for many browsers). Cinch must shed.
 * The load is bench/pipelined-load.ts, open loop: requests are due at 3 × the maximum rate whether or not Cinch
 * keeps up, each connection holding up to OVERLOAD_DEPTH of them unanswered; what Cinch did not take in (a full
 * window, or a socket it stopped reading) waits in the generator and is counted, not hidden.
 */
export async function overload(
  o: Pick<
    IngestOptions,
    "tmpDir" | "durationSec" | "warmupSec" | "overloadConnections" | "log" | "cinchNodeArgs"
  >,
  requests: LoadRequest[],
  maxRate: number,
  notes: string[],
): Promise<RunResult> {
  const dir = join(o.tmpDir, "overload");
  const t = await start(
    "cinch",
    dir,
    {
      INGEST_RATE_PER_CLIENT: "1000000000",
      INGEST_BURST_PER_CLIENT: "1000000000",
    },
    o.cinchNodeArgs,
  );
  try {
    const rate = Math.max(1, Math.round(maxRate * 3));
    const conns = o.overloadConnections;
    const spec = {
      url: t.server.url,
      requests,
      mode: "pipelined",
      connections: conns,
      rate,
      depth: OVERLOAD_DEPTH,
    } as const;
    // A warm-up on another project (its own rate-limit bucket), so the measured run starts with compiled code.
    await runLoadProcess({ ...spec, path: t.warmPath, durationSec: o.warmupSec }, o.tmpDir);
    const before = t.counters[0]!();
    const rss = sampleRss(t.server.pid);
    const cpu0 = cpuSecondsOf(t.server.pid);
    const load = await runLoadProcess({ ...spec, path: t.paths[0], durationSec: o.durationSec }, o.tmpDir);
    const cpu = cpuSecondsOf(t.server.pid) - cpu0;
    const peak = rss.stop();
    const stored = t.counters[0]!() - before;
    const sentRate = load.sentPerSec ?? 0;
    if (sentRate < rate * 0.9) {
      notes.push(
        `overload: ${rate} req/s were due (3 × ${maxRate.toFixed(0)}); Cinch took in ${sentRate.toFixed(0)} req/s ` +
          `(${(sentRate / maxRate).toFixed(2)} × its maximum rate) and answered every one of them; the other ` +
          `${((load.askedTotal ?? 0) - load.sent).toFixed(0)} requests were never sent: each of the ${conns} ` +
          `connections already had ${OVERLOAD_DEPTH} unanswered, or Cinch had stopped reading it (the generator's ` +
          `own cost: ${(load.generatorCpuUsPerRequest ?? 0).toFixed(1)} µs of CPU per request)`,
      );
    }
    o.log(
      `  overload: asked ${rate} req/s, sent ${sentRate.toFixed(0)} req/s, ` +
        `${load.requestsPerSec.toFixed(0)} answers/s, statuses ${JSON.stringify(load.statuses)}, ` +
        `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, generator ${(load.generatorCpuUsPerRequest ?? 0).toFixed(1)} µs/request`,
    );
    return result(t, "overload", "mix", conns, rate, load, peak, cpu, stored);
  } finally {
    await t.server.stop();
  }
}
