// Section 4: dashboard queries at scale. Seeds the dataset (seed.ts), starts Cinch on it in its own process and
// times the dashboard's HTTP calls one after another, as the dashboard makes them: p50 and p95 per query.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ingestDuringBuilds, type BuildLoadRun } from "./build-load.ts";
import { cinchEnv, UNLIMITED } from "./ingest.ts";
import { freePort, rssOf, startCinch } from "./proc.ts";
import { seedDashboard, seedDashboardPg, type Seeded } from "./seed.ts";

const DAY_MS = 86_400_000;

export type QueryTiming = {
  name: string;
  method: "GET" | "POST";
  path: string;
  iterations: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Size of the JSON answer. */
  bytes: number;
};

export type QueryResults = {
  seeded: Seeded;
  timings: QueryTiming[];
  serverRssBytes: number;
  /** Ingest latency alone and while suggestions are built, builds in the worker and in process (build-load.ts). */
  buildLoad: BuildLoadRun[];
};

export type QueryOptions = {
  tmpDir: string;
  reports: number;
  groups: number;
  days: number;
  /** Timed calls per query (after two untimed ones). */
  iterations: number;
  /** Ingest load beside the builds: requests/s, and seconds alone and during builds (each). */
  buildLoad: { rate: number; seconds: number };
  log: (line: string) => void;
  nodeArgs?: string[];
  /**
   * Seed and serve from this PostgreSQL database instead of SQLite (seed.ts seedDashboardPg), and time the queries
   * only (the ingest-beside-builds runs are SQLite's).
   */
  databaseUrl?: string;
};

/** Time one query may use before it stops at 3 timed calls. */
const QUERY_BUDGET_MS = 15_000;

const pct = (sorted: number[], q: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

type Call = (method: "GET" | "POST", path: string, body?: unknown) => Promise<{ ms: number; text: string }>;

/**
 * The policy to preview: the month's 100 most reported groups allowed on top of a strict base, as a user would
 * after accepting the top suggestions (the whole suggestion is over the API's 20,000-character limit here).
 */
async function previewPolicy(call: Call, p: string, win: string): Promise<string> {
  const list = JSON.parse((await call("GET", `${p}/violations?${win}&limit=100`)).text) as {
    groups: { directive: string; blocked: string }[];
  };
  const byDirective = new Map<string, Set<string>>();
  for (const g of list.groups) {
    if (!/^https?:\/\//.test(g.blocked)) continue;
    const set = byDirective.get(g.directive) ?? new Set<string>(["'self'"]);
    set.add(g.blocked);
    byDirective.set(g.directive, set);
  }
  const parts = ["default-src 'self'", "object-src 'none'", "base-uri 'self'"];
  for (const [d, set] of byDirective) parts.push(`${d} ${[...set].join(" ")}`);
  return parts.join("; ");
}

export async function runQueries(o: QueryOptions): Promise<QueryResults> {
  const dir = join(o.tmpDir, o.databaseUrl ? "dashboard-pg" : "dashboard");
  mkdirSync(dir, { recursive: true });
  o.log(`  seeding ${o.reports} reports over ${o.days} days and ${o.groups} groups...`);
  const size = { reports: o.reports, groups: o.groups, days: o.days };
  const seeded = o.databaseUrl
    ? await seedDashboardPg(dir, o.databaseUrl, size)
    : await seedDashboard(dir, size);
  o.log(
    `  seeded ${seeded.reports} reports: ${seeded.rows.groupHours} GroupHour rows, ${seeded.rows.samples} samples ` +
      `(${seeded.seconds.toFixed(1)} s)`,
  );
  // Rate limits raised: the ingest load beside the builds comes from one loopback address (build-load.ts).
  const start = async (extra: Record<string, string>) => {
    const port = await freePort();
    return startCinch(
      port,
      cinchEnv(dir, port, {
        ...UNLIMITED,
        ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
        ...extra,
      }),
      o.nodeArgs ?? [],
    );
  };
  // Every policy build of this server runs in the policy worker (as every project past POLICY_WORKER_GROUPS would).
  let server = await start({ POLICY_WORKER_GROUPS: "0" });
  const headers = { Authorization: `Bearer ${seeded.token}` };
  const p = `/api/projects/${seeded.projectId}`;
  const until = Date.now();
  const since = until - o.days * DAY_MS;
  const win = `since=${since}&until=${until}`;
  const call: Call = async (method, path, body) => {
    const t = performance.now();
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200)
      throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return { ms, text };
  };
  // One new report for a group the seed does not have: the server's cached policy answers no longer apply, so the
  // next call loads the groups and builds afresh (what a dashboard sees while reports keep arriving).
  let fresh = 0;
  const newReport = async () => {
    const res = await fetch(`${server.url}/r/${seeded.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "https://www.shop.example/",
          "effective-directive": "img-src",
          "blocked-uri": `https://new${fresh++}.bench.example/a.png`,
        },
      }),
    });
    if (res.status !== 204) throw new Error(`report answered ${res.status}`);
  };
  const timings: QueryTiming[] = [];
  const time = async (
    name: string,
    method: "GET" | "POST",
    paths: string[],
    body?: unknown,
    before?: () => Promise<void>,
  ) => {
    const warm = performance.now();
    await before?.();
    await call(method, paths[0]!, body);
    // A slow query gets one untimed call instead of two, and stops after 3 timed calls once it has used its budget.
    if (performance.now() - warm < 2000) {
      await before?.();
      await call(method, paths[1 % paths.length]!, body);
    }
    const ms: number[] = [];
    let bytes = 0;
    const started = performance.now();
    for (let i = 0; i < o.iterations && (i < 3 || performance.now() - started < QUERY_BUDGET_MS); i++) {
      await before?.(); // untimed
      const r = await call(method, paths[i % paths.length]!, body);
      ms.push(r.ms);
      bytes = r.text.length;
    }
    ms.sort((a, b) => a - b);
    const t: QueryTiming = {
      name,
      method,
      path: paths[0]!
        .replace(seeded.projectId, ":id")
        .replace(/violations\/\d+/, "violations/:groupId")
        .replace(/since=\d+&until=\d+/, "since=-30d&until=now"),
      iterations: ms.length,
      p50Ms: r1(pct(ms, 0.5)),
      p95Ms: r1(pct(ms, 0.95)),
      maxMs: r1(ms[ms.length - 1] ?? 0),
      bytes,
    };
    timings.push(t);
    o.log(`  ${name}: p50 ${t.p50Ms} ms, p95 ${t.p95Ms} ms (${(bytes / 1024).toFixed(0)} KiB)`);
  };
  try {
    await time("violations list, last 24 h (default)", "GET", [`${p}/violations`]);
    await time("violations list, 30 days", "GET", [`${p}/violations?${win}`]);
    await time("over-time chart, 30 days", "GET", [`${p}/violations/series?${win}`]);
    await time("group page, 30 days (top and tail group)", "GET", [
      `${p}/violations/${seeded.topGroupId}?${win}`,
      `${p}/violations/${seeded.tailGroupId}?${win}`,
    ]);
    const policy = await previewPolicy(call, p, win);
    // Asked again with nothing new: the server answers from its cache (exact: any new report invalidates it).
    await time("policy suggestion", "GET", [`${p}/policy/suggestion`]);
    await time("impact preview", "POST", [`${p}/policy/preview`], { policy });
    await time(
      "policy suggestion, just after a new report",
      "GET",
      [`${p}/policy/suggestion`],
      undefined,
      newReport,
    );
    await time(
      "impact preview, just after a new report",
      "POST",
      [`${p}/policy/preview`],
      { policy },
      newReport,
    );
    const serverRssBytes = rssOf(server.pid);
    if (o.databaseUrl) return { seeded, timings, serverRssBytes, buildLoad: [] };
    const loadOpts = { seeded, token: seeded.token, tmpDir: o.tmpDir, log: o.log, ...o.buildLoad };
    const buildLoad = [await ingestDuringBuilds({ server, builds: "worker", ...loadOpts })];
    // The same, with every build on the event loop that serves ingest (the project is under the worker's threshold).
    await server.stop();
    server = await start({ POLICY_WORKER_GROUPS: "100000000" });
    await time(
      "policy suggestion, just after a new report (built in process)",
      "GET",
      [`${p}/policy/suggestion`],
      undefined,
      newReport,
    );
    buildLoad.push(await ingestDuringBuilds({ server, builds: "in-process", ...loadOpts }));
    return { seeded, timings, serverRssBytes, buildLoad };
  } finally {
    await server.stop();
  }
}
