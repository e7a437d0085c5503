// Markdown for bench/results/latest.md (bench/README.md's results quote it): tables, not prose.
import type { BenchResults } from "./bench.ts";
import type { RunResult } from "./ingest.ts";
import { postgresMarkdown } from "./pg-report.ts";

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const mb = (b: number) => `${n0(b / 2 ** 20)} MB`;
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

function statuses(r: RunResult): string {
  return Object.entries(r.load.statuses)
    .sort()
    .map(([k, v]) => `${k}: ${n0(v)}`)
    .join(", ");
}

function ingestTable(r: BenchResults): string {
  const runs = r.ingest?.runs ?? [];
  return table(
    [
      "Server",
      "Scenario",
      "reports/s",
      "requests/s",
      "p50 ms",
      "p99 ms",
      "server CPU µs/request",
      "peak RSS",
      "answers",
      "stored − acked",
    ],
    runs.map((x) => [
      x.label,
      x.scenario === "max"
        ? `${x.workload}, max, ${x.connections} conns`
        : x.scenario === "few"
          ? `${x.workload}, closed loop, ${x.connections} conns`
          : x.scenario === "half-rate"
            ? `${n0(x.offeredRate ?? 0)} req/s open loop`
            : `overload, ${n0(x.offeredRate ?? 0)} req/s asked, ${n0(x.load.sentPerSec ?? 0)} sent, ${x.connections} conns`,
      n0(x.load.ackedReportsPerSec),
      n0(x.load.requestsPerSec),
      n1(x.load.latencyMs.p50),
      n1(x.load.latencyMs.p99),
      n0(x.cpuUsPerRequest),
      mb(x.peakRssBytes),
      statuses(x) + (x.load.errors ? `, errors: ${x.load.errors}` : ""),
      x.storedMinusAcked === null
        ? "n/a"
        : `${n0(x.storedReports ?? 0)} − ${n0(x.load.ackedReports)} = ${x.storedMinusAcked}`,
    ]),
  );
}

/** The whole results page. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# Cinch benchmark results`);
  out.push("");
  out.push(
    `${r.quick ? "**Quick smoke run — not a measurement.** " : ""}Taken ${r.startedAt.slice(0, 16).replace("T", " ")} UTC ` +
      `on ${m.cores} × ${m.cpu}, ${m.memGiB} GiB RAM, Node ${m.node}, Linux ${m.kernel}; load average at start ` +
      `${m.loadAvg.join(" / ")} (a shared machine: compare rows of one run, not runs)` +
      (m.diskSyncMs
        ? `; disk fdatasync p50 ${m.diskSyncMs.p50} ms, p99 ${m.diskSyncMs.p99} ms, max ${m.diskSyncMs.max} ms`
        : "") +
      `. Whole run: ${n0(r.seconds)} s. ` +
      `Reproduce: \`${r.command}\`.`,
  );
  out.push("");
  out.push(`## Targets`);
  out.push("");
  out.push(
    table(
      ["#", "What", "Target", "Measured", "Met"],
      r.targets.map((t) => [t.id, t.what, t.target, t.measured, t.met ? "yes" : "**no**"]),
    ),
  );
  if (r.ingest && r.workload) {
    const w = r.workload;
    out.push("");
    out.push(
      `## Ingest (${r.durationSec} s per server at maximum rate, ${r.sizes.rounds} interleaved rounds)`,
    );
    out.push("");
    out.push(
      `Load: autocannon in its own process on loopback, ${w.requests} distinct bodies cycled ` +
        `(${w.legacyRequests} legacy \`application/csp-report\` single reports, ${w.batchRequests} Reporting API batches of 1–10; ` +
        `${n0((w.noiseReports / w.reports) * 100)}% noise; ${w.distinctGroups} distinct groups; ` +
        `${n1(w.reports / w.requests)} reports and ${n0(w.avgBodyBytes)} bytes per request on average). ` +
        `Every server runs in its own process; Cinch with its defaults (SQLite synchronous=FULL) and rate limits raised, ` +
        `except in the overload run. The half-rate run is open loop (constant arrival rate, latency from the scheduled send). ` +
        `The overload run is open loop too, from raw sockets with HTTP/1.1 pipelining (\`bench/pipelined-load.ts\`): ` +
        `"sent" is what Cinch took in of the 3 × asked.`,
    );
    out.push("");
    out.push(ingestTable(r));
    for (const note of r.ingest.notes) out.push("", `Note: ${note}`);
  }
  if (r.storage) {
    out.push("");
    out.push(`## Storage (through the writer, reports spread over 30 days)`);
    out.push("");
    out.push(
      table(
        [
          "Reports",
          "Groups",
          "DB growth",
          "bytes/report",
          "GroupHour rows",
          "Sample rows",
          "largest tables and indexes",
        ],
        r.storage.map((s) => [
          n0(s.reports),
          n0(s.groups),
          mb(s.bytes),
          n1(s.bytesPerReport),
          n0(s.rows.groupHours),
          n0(s.rows.samples),
          Object.entries(s.tables)
            .slice(0, 4)
            .map(([k, v]) => `${k} ${mb(v)}`)
            .join(", "),
        ]),
      ),
    );
  }
  if (r.queries) {
    const q = r.queries;
    out.push("");
    out.push(
      `## Dashboard queries (${n0(q.seeded.reports)} reports, ${n0(q.seeded.groups)} groups, 30 days; ` +
        `${n0(q.seeded.rows.groupHours)} GroupHour rows; over HTTP, ${r.sizes.queryIterations} calls each)`,
    );
    out.push("");
    out.push(
      table(
        ["Query", "Request", "p50 ms", "p95 ms", "max ms", "answer"],
        q.timings.map((t) => [
          t.name,
          `\`${t.method} ${t.path}\``,
          n1(t.p50Ms),
          n1(t.p95Ms),
          n1(t.maxMs),
          `${n0(t.bytes / 1024)} KiB`,
        ]),
      ),
    );
    if (q.buildLoad.length > 0) {
      out.push("");
      out.push(
        "Ingest latency (open loop, legacy single reports) alone and while the policy suggestion is built again and " +
          "again, each time just after a report for a new group:",
      );
      out.push("");
      out.push(
        table(
          [
            "Builds run",
            "Rate",
            "p50 / p99 / max ms alone",
            "p50 / p99 / max ms during builds",
            "suggestions (p50 / p95 ms)",
          ],
          q.buildLoad.map((b) => [
            b.builds === "worker" ? "in the policy worker" : "on the event loop (in process)",
            `${n0(b.rate)} req/s`,
            `${n1(b.alone.p50)} / ${n1(b.alone.p99)} / ${n1(b.alone.max)}`,
            `${n1(b.duringBuilds.p50)} / ${n1(b.duringBuilds.p99)} / ${n1(b.duringBuilds.max)}`,
            `${n0(b.suggestions.count)} (${n1(b.suggestions.p50Ms)} / ${n1(b.suggestions.p95Ms)})`,
          ]),
        ),
      );
    }
  }
  if (r.builder) {
    const b = r.builder;
    out.push("");
    out.push(`## Policy builder (pure functions, in process)`);
    out.push("");
    out.push(
      table(
        ["Step", "Groups", "p50 ms", "p95 ms"],
        b.timings.map((t) => [t.name, n0(t.groups), n1(t.p50Ms), n1(t.p95Ms)]),
      ),
    );
    out.push("");
    out.push(
      `Candidate policy: ${n0(b.policyChars)} characters (${n0(b.minifiedChars)} minified), grade ${b.grade}, ` +
        `${n0(b.suggestions)} suggestions.`,
    );
  }
  out.push(...postgresMarkdown(r));
  out.push("");
  return out.join("\n");
}
