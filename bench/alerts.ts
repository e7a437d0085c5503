// Alerts' cost and speed (#14), two measurements in one run:
//  1. Time from a report's 204 to its webhook's arrival: sequential reports of never-seen groups to a Cinch with a
//     new-group rule on a webhook channel served by this process; p50/p95/max over N alerts.
//  2. Ingest throughput with ten alert rules active beside none: two Cinch servers (own processes, own databases),
//     the same workload from autocannon in a third process, interleaved in rounds (a b, b a, ...) so a noisy
//     neighbour hits both alike. The workload's groups are new at first and then repeat, as in production.
// Run: node --import tsx bench/alerts.ts [--seconds 10] [--rounds 4] [--alerts 50]
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { AlertConfigStore } from "../server/store/alert-config.ts";
import { freePort, runLoadProcess, startCinch, type ServerProc } from "./proc.ts";
import type { LoadRequest } from "./load.ts";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 10);
const ROUNDS = arg("rounds", 4);
const ALERTS = arg("alerts", 50);

const received = new Map<string, number>();
let arrivals = 0;
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    arrivals++;
    try {
      const p = JSON.parse(body) as { group?: { blocked?: string } | null };
      if (p.group?.blocked) received.set(p.group.blocked, performance.now());
    } catch {
      // a Slack-shaped or test body: counted only
    }
    res.statusCode = 204;
    res.end();
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const rxPort = (receiver.address() as { port: number }).port;

type Target = { name: string; dir: string; key: string; server: ServerProc };

async function target(name: string, rules: number): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `cinch-alerts-bench-${name}-`));
  const db = await openDb(join(dir, "cinch.db"));
  const p = await new ProjectStore(db).create(name);
  const cfg = new AlertConfigStore(db.prisma);
  if (rules > 0) {
    const ch = await cfg.createChannel({
      name: "bench",
      kind: "webhook",
      url: `http://127.0.0.1:${rxPort}/hook`,
      to: [],
      secret: "b".repeat(64),
    });
    const kinds = [
      "new-group",
      "enforced-block",
      "regression",
      "spike",
      "silence",
      "quota",
      "policy-drift",
      "digest",
      "new-group",
      "enforced-block",
    ] as const;
    for (const kind of kinds.slice(0, rules)) {
      await cfg.createRule(p.id, {
        kind,
        channels: [ch.id],
        minCount: 1,
        quietMinutes: 60,
        params: kind === "new-group" ? { directives: [] } : {},
        enabled: true,
      });
    }
  }
  await db.close();
  const port = await freePort();
  const server = await startCinch(port, {
    DATA_DIR: dir,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    SQLITE_SYNCHRONOUS: "NORMAL",
    ALERT_ALLOW_PRIVATE_DESTINATIONS: "true",
    INGEST_RATE_PER_CLIENT: "1000000",
    INGEST_BURST_PER_CLIENT: "1000000",
    INGEST_RATE_PER_PROJECT: "1000000",
    INGEST_BURST_PER_PROJECT: "1000000",
    CINCH_ADMIN_EMAIL: "bench@cinch.example",
    CINCH_ADMIN_PASSWORD: "correct horse battery staple bench",
  });
  return { name, dir, key: p.reportKey, server };
}

const legacy = (blocked: string, disposition: string, policy = "script-src 'self'"): string =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/checkout",
      "blocked-uri": blocked,
      "effective-directive": "script-src-elem",
      "original-policy": policy,
      disposition,
    },
  });

// 1. Latency: 204 → webhook.
const lat = await target("latency", 1);
const delays: number[] = [];
for (let i = 0; i < ALERTS; i++) {
  const blocked = `https://new${i}.example`;
  const res = await fetch(`${lat.server.url}/r/${lat.key}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body: legacy(`${blocked}/x.js`, "enforce"),
  });
  const answered = performance.now();
  if (res.status !== 204) throw new Error(`report answered ${res.status}`);
  const deadline = answered + 15_000;
  while (!received.has(blocked)) {
    if (performance.now() > deadline) throw new Error(`no webhook for ${blocked} within 15 s`);
    await new Promise((r) => setTimeout(r, 1));
  }
  delays.push(received.get(blocked)! - answered);
}
await lat.server.stop();
rmSync(lat.dir, { recursive: true, force: true });
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.log(
  `204 → webhook over ${ALERTS} new groups (new-group rule, default ALERT_POLL_MS): p50 ${q(delays, 0.5).toFixed(1)} ms, p95 ${q(delays, 0.95).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`,
);

// 2. Throughput, ten rules versus none.
const workload: LoadRequest[] = Array.from({ length: 400 }, (_, i) => ({
  contentType: "application/csp-report",
  userAgent: "Mozilla/5.0 Chrome/156.0",
  // 200 groups, half of them enforce; a third carry another policy (policy-drift digests them)
  body: legacy(
    `https://g${i % 200}.example/a.js`,
    i % 2 ? "enforce" : "report",
    i % 3 ? "script-src 'self'" : "default-src 'none'",
  ),
  reports: 1,
}));
const none = await target("none", 0);
const ten = await target("ten", 10);
const tmp = mkdtempSync(join(tmpdir(), "cinch-alerts-load-"));
// Warm-up: every group of the workload once to both servers, then wait until the alerts it raised (each group is
// new: new-group and enforced-block fire) are delivered, so the rounds measure rules active on a steady stream.
for (const t of [none, ten]) {
  for (const w of workload.slice(0, 200)) {
    await fetch(`${t.server.url}/r/${t.key}`, {
      method: "POST",
      headers: { "Content-Type": w.contentType },
      body: w.body,
    });
  }
}
const warm = performance.now();
let last = -1;
while (last !== arrivals) {
  last = arrivals;
  await new Promise((r) => setTimeout(r, 2000));
}
console.log(
  `warm-up: ${arrivals - ALERTS} alerts delivered for 200 new groups in ${((performance.now() - warm) / 1000).toFixed(1)} s after the last 204`,
);
const before = arrivals;
const totals = new Map<string, { reports: number; seconds: number; p99: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const t of round % 2 ? [ten, none] : [none, ten]) {
    const r = await runLoadProcess(
      {
        url: t.server.url,
        path: `/r/${t.key}`,
        requests: workload,
        mode: "closed",
        connections: 20,
        durationSec: SECONDS / ROUNDS,
      },
      tmp,
    );
    const s = totals.get(t.name) ?? { reports: 0, seconds: 0, p99: [] };
    s.reports += r.ackedReports;
    s.seconds += r.seconds;
    s.p99.push(r.latencyMs.p99);
    totals.set(t.name, s);
  }
}
for (const [name, s] of totals) {
  console.log(
    `ingest, ${name === "ten" ? "10 rules" : "no rules"}: ${Math.round(s.reports / s.seconds)} reports/s (p99 per round ${s.p99.map((x) => x.toFixed(1)).join(", ")} ms)`,
  );
}
console.log(`webhooks received during the throughput runs: ${arrivals - before}`);
await none.server.stop();
await ten.server.stop();
for (const t of [none, ten]) rmSync(t.dir, { recursive: true, force: true });
rmSync(tmp, { recursive: true, force: true });
receiver.close();
