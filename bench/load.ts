// The load generator, run as its own process (`node --import tsx bench/load.ts <spec.json>`) so it never shares an
// event loop with the server under test. Three modes:
//  - "closed": autocannon, N keep-alive connections sending back to back (maximum throughput, overload). It runs a
//    fixed number of requests (`amount`), so every request gets its answer and the count of 204s is exact.
//  - "open": a constant arrival rate (requests are sent on schedule whether or not earlier ones have returned) with
//    latency measured from the scheduled send time, so queueing delay is not hidden (no coordinated omission).
//  - "pipelined": open loop too, but on raw sockets with HTTP/1.1 pipelining (bench/pipelined-load.ts), cheap
//    enough per request to offer several times what the server accepts (the overload run).
// Prints one JSON LoadResult on stdout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Agent, request } from "node:http";
import { record, summary, type Hist } from "./hist.ts";
import { runPipelined } from "./pipelined-load.ts";

/** One request template: its body and how many reports a correct collector stores for a 204. */
export type LoadRequest = { contentType: string; userAgent: string; body: string; reports: number };

export type LoadSpec = {
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  path: string;
  requests: LoadRequest[];
  mode: "closed" | "open" | "pipelined";
  connections: number;
  /** closed: run exactly this many requests (0 = use durationSec instead; then in-flight answers are lost). */
  amount?: number;
  /** closed without amount, open, pipelined: seconds to run (pipelined: of the send schedule). */
  durationSec?: number;
  /** closed: cap on requests/s over all connections (autocannon overallRate); open, pipelined: the arrival rate. */
  rate?: number;
  timeoutSec?: number;
  /** pipelined: most unanswered requests per connection, and most requests per write. */
  depth?: number;
  batch?: number;
};

export type LoadResult = {
  mode: LoadSpec["mode"];
  seconds: number;
  sent: number;
  answered: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Reports in requests answered 204: what the collector promised to have stored. */
  ackedReports: number;
  /** Reports in requests answered 429 or 503: shed. */
  shedReports: number;
  requestsPerSec: number;
  ackedReportsPerSec: number;
  /** Latency of every answer (any status), in ms; mergeable across runs. */
  latency: Hist;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** pipelined: requests the schedule asked for (rate × durationSec); those not sent by its end were never sent. */
  askedTotal?: number;
  /** pipelined: requests written per second until the last was written (what was really offered). */
  sentPerSec?: number;
  /** pipelined: most requests that were due but not yet written because every connection had `depth` unanswered. */
  maxBacklog?: number;
  /** The generator's own CPU time (user + system, all its threads) per request sent, in µs. */
  generatorCpuUsPerRequest?: number;
};

type AutocannonRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  onResponse: (status: number) => void;
};
type AutocannonResult = {
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
};
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

const require = createRequire(import.meta.url);

/** Closed-loop run with autocannon. */
async function closed(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = require("autocannon") as Autocannon;
  let acked = 0;
  let shed = 0;
  const requests: AutocannonRequest[] = spec.requests.map((r) => ({
    method: "POST",
    path: spec.path,
    headers: { "content-type": r.contentType, "user-agent": r.userAgent },
    body: r.body,
    onResponse: (status: number) => {
      if (status === 204) acked += r.reports;
      else if (status === 429 || status === 503) shed += r.reports;
    },
  }));
  const latency: Hist = {};
  const started = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: 1,
        requests,
        ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationSec ?? 10 }),
        ...(spec.rate ? { overallRate: spec.rate, ignoreCoordinatedOmission: true } : {}),
        timeout: spec.timeoutSec ?? 10,
        excludeErrorStats: false,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client, _status, _bytes, ms) => record(latency, ms));
  });
  const seconds = (performance.now() - started) / 1000;
  const statuses: Record<string, number> = {};
  let answered = 0;
  for (const [code, s] of Object.entries(result.statusCodeStats)) {
    statuses[code] = s.count;
    answered += s.count;
  }
  return {
    mode: "closed",
    seconds,
    sent: answered + result.errors,
    answered,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    ackedReports: acked,
    shedReports: shed,
    requestsPerSec: answered / seconds,
    ackedReportsPerSec: acked / seconds,
    latency,
    latencyMs: summary(latency),
  };
}

/** Open-loop run at a constant arrival rate with node:http keep-alive sockets. */
async function open(spec: LoadSpec): Promise<LoadResult> {
  const rate = spec.rate ?? 100;
  const total = Math.max(1, Math.round(rate * (spec.durationSec ?? 10)));
  const target = new URL(spec.path, spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const bodies = spec.requests.map((r) => ({ ...r, buf: Buffer.from(r.body) }));
  const latency: Hist = {};
  const statuses: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let timeouts = 0;
  let acked = 0;
  let shed = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let finished = 0;
    const done = () => {
      if (++finished === total) resolve();
    };
    const fire = (i: number, scheduled: number) => {
      const r = bodies[i % bodies.length]!;
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": r.contentType,
            "user-agent": r.userAgent,
            "content-length": r.buf.length,
          },
          timeout: (spec.timeoutSec ?? 10) * 1000,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            answered++;
            record(latency, performance.now() - scheduled);
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status === 204) acked += r.reports;
            else if (status === 429 || status === 503) shed += r.reports;
            done();
          });
        },
      );
      req.on("timeout", () => {
        timeouts++;
        req.destroy(new Error("timeout"));
      });
      req.on("error", () => {
        errors++;
        done();
      });
      req.end(r.buf);
      sent++;
    };
    // Send every request whose scheduled time has come; a 1 ms tick keeps bursts to a few requests.
    const tick = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * rate) + 1);
      for (let i = sent; i < due; i++) fire(i, started + (i / rate) * 1000);
      if (sent >= total) clearInterval(tick);
    }, 1);
  });
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    mode: "open",
    seconds,
    sent,
    answered,
    statuses,
    errors,
    timeouts,
    ackedReports: acked,
    shedReports: shed,
    requestsPerSec: answered / seconds,
    ackedReportsPerSec: acked / seconds,
    latency,
    latencyMs: summary(latency),
  };
}

/** Run a load spec in this process (the entry point below runs it in a child process). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.mode === "pipelined") {
    return runPipelined({ ...spec, rate: spec.rate ?? 100, durationSec: spec.durationSec ?? 10 });
  }
  const cpu0 = process.cpuUsage();
  const result = await (spec.mode === "closed" ? closed(spec) : open(spec));
  const cpu = process.cpuUsage(cpu0);
  const generatorCpuUsPerRequest = result.sent > 0 ? (cpu.user + cpu.system) / result.sent : 0;
  return { ...result, generatorCpuUsPerRequest };
}

const entry = process.argv[1] ?? "";
if (entry.endsWith("bench/load.ts")) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/load.ts <spec.json>\n");
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(file, "utf8")) as LoadSpec;
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
}
