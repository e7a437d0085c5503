// Section 4, continued: ingest latency while policy builds run. On the dashboard dataset (20,000 groups), an open-loop
// ingest load (fixed arrival rate, latency from the scheduled send: no coordinated omission) runs alone and while a
// loop asks for the policy suggestion again and again, each time just after a report for a new group (so each answer
// is built, not cached) — interleaved, alone / during / alone / during. Run once against the default server (builds
// of a project this large go to the policy worker thread) and once against one with POLICY_WORKER_GROUPS set past
// the project's size (builds on the event loop that serves ingest), side by side.
import { Agent, request } from "node:http";
import { merge, summary, type Hist } from "./hist.ts";
import type { LoadRequest } from "./load.ts";
import { runLoadProcess, type ServerProc } from "./proc.ts";
import type { Seeded } from "./seed.ts";

export type BuildLoadRun = {
  /** Where the builds ran. */
  builds: "worker" | "in-process";
  rate: number;
  seconds: number;
  alone: { p50: number; p99: number; max: number; answered: number };
  duringBuilds: { p50: number; p99: number; max: number; answered: number };
  /** Suggestions built (each just after a new report) while the load ran, and their latency over HTTP. */
  suggestions: { count: number; p50Ms: number; p95Ms: number };
};

/** Legacy single reports for groups the seed has no copy of (img-src on 20 hosts): 1 report per request. */
function bodies(): LoadRequest[] {
  return Array.from({ length: 20 }, (_, i) => ({
    contentType: "application/csp-report",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
    reports: 1,
    body: JSON.stringify({
      "csp-report": {
        "document-uri": `https://www.shop.example/p/${i % 5}`,
        "effective-directive": "img-src",
        "blocked-uri": `https://load${i}.bench.example/a.png`,
      },
    }),
  }));
}

const pct = (sorted: number[], q: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function ingestDuringBuilds(o: {
  server: ServerProc;
  seeded: Seeded;
  builds: BuildLoadRun["builds"];
  token: string;
  /** Requests per second of the ingest load. */
  rate: number;
  /** Seconds of load in each of the two states (split over two rounds). */
  seconds: number;
  tmpDir: string;
  log: (line: string) => void;
}): Promise<BuildLoadRun> {
  const { server, seeded } = o;
  const requests = bodies();
  const load = () =>
    runLoadProcess(
      {
        url: server.url,
        path: `/r/${seeded.reportKey}`,
        requests,
        mode: "open",
        connections: 32,
        durationSec: o.seconds / 2,
        rate: o.rate,
      },
      o.tmpDir,
    );
  // A host no earlier call reported, also when this runs again on the same data (the in-process server after the
  // worker's): each suggestion is built for a group the project did not have.
  const runId = Date.now().toString(36);
  let fresh = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const suggestionAfterReport = async (): Promise<number> => {
    const report = await send(
      agent,
      server.url,
      "POST",
      `/r/${seeded.reportKey}`,
      {
        "Content-Type": "application/csp-report",
      },
      JSON.stringify({
        "csp-report": {
          "document-uri": "https://www.shop.example/",
          "effective-directive": "img-src",
          "blocked-uri": `https://loop${runId}-${fresh++}.bench.example/a.png`,
        },
      }),
    );
    if (report !== 204) throw new Error(`report answered ${report}`);
    const t = performance.now();
    const s = await send(agent, server.url, "GET", `/api/projects/${seeded.projectId}/policy/suggestion`, {
      Authorization: `Bearer ${o.token}`,
    });
    if (s !== 200) throw new Error(`suggestion answered ${s}`);
    return performance.now() - t;
  };
  await suggestionAfterReport(); // warm: the groups loaded, the worker started
  const alone: Hist = {};
  const during: Hist = {};
  const answered = { alone: 0, during: 0 };
  const built: number[] = [];
  for (let round = 0; round < 2; round++) {
    const a = await load();
    merge(alone, a.latency);
    answered.alone += a.answered;
    let stop = false;
    const loop = (async () => {
      while (!stop) built.push(await suggestionAfterReport());
    })();
    const d = await load();
    stop = true;
    await loop;
    merge(during, d.latency);
    answered.during += d.answered;
  }
  agent.destroy();
  built.sort((x, y) => x - y);
  const s = (h: Hist, n: number) => {
    const x = summary(h);
    return { p50: x.p50, p99: x.p99, max: x.max, answered: n };
  };
  const run: BuildLoadRun = {
    builds: o.builds,
    rate: o.rate,
    seconds: o.seconds,
    alone: s(alone, answered.alone),
    duringBuilds: s(during, answered.during),
    suggestions: { count: built.length, p50Ms: r1(pct(built, 0.5)), p95Ms: r1(pct(built, 0.95)) },
  };
  o.log(
    `  ingest at ${o.rate} req/s, builds ${o.builds}: p99 ${run.alone.p99} ms alone, ${run.duringBuilds.p99} ms ` +
      `during ${built.length} suggestions (p50 ${run.suggestions.p50Ms} ms, p95 ${run.suggestions.p95Ms} ms)`,
  );
  return run;
}

/**
 * One request on node:http, its status; the answer is read and dropped, not kept or decoded: the dashboard's
 * browser reads the 2.7 MB answer on its own machine, and here the client shares the 2 cores with the server and
 * the ingest load. In
 * the benchmark's process (which seeded the 10 M reports) fetch and arrayBuffer() took ~29 ms of CPU per report and
 * suggestion, 3.2–3.5 s in each 10 s of load (2026-12-08 01:26 UTC); node:http 7–8 ms, 1.0–1.2 s (01:37), while the
 * loop made more builds (153 instead of 112 in 10 s).
 */
function send(
  agent: Agent,
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
