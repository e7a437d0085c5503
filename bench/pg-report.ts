// Markdown for the PostgreSQL sections of bench/results/latest.md (--engine postgres): ingest on one node of each
// engine side by side, what each added node and the database cost per report, and the dashboard queries.
import type { BenchResults } from "./bench.ts";
import { enginesTable } from "./engines.ts";

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => x.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The PostgreSQL sections, empty without --engine postgres. */
export function postgresMarkdown(r: BenchResults): string[] {
  const out: string[] = [];
  const runs = r.postgres?.ingest;
  if (runs) {
    out.push("", `## Ingest on PostgreSQL beside SQLite (one node each, ${r.durationSec} s per round)`, "");
    out.push(
      "Each engine's Cinch node in its own process, the realistic mix at maximum rate (closed loop), rounds " +
        "interleaved. Node CPU is the Cinch process's; PostgreSQL CPU is the server's processes for the benchmark's " +
        "database (its backends, the WAL writer, the checkpointer, the background writer).",
      "",
      enginesTable(runs),
    );
    const pg = runs.find((x) => x.engine === "postgres");
    if (pg?.dbCpuUsPerReport) {
      // On 2 cores two nodes and the database cannot show scaling: the CPU per report says what each part needs.
      const perNodeCore = 1e6 / pg.nodeCpuUsPerReport;
      const perDbCore = 1e6 / pg.dbCpuUsPerReport;
      out.push(
        "",
        `Capacity implied by the CPU per report: each added node's core carries about ${n0(perNodeCore)} reports/s ` +
          `(${n0(pg.nodeCpuUsPerReport)} µs each); each core of the database about ${n0(perDbCore)} reports/s ` +
          `(${n0(pg.dbCpuUsPerReport)} µs each), so a database with C cores serves up to about ` +
          `${n1(perDbCore / perNodeCore)} × C busy nodes before it, not the nodes, is the limit.`,
      );
    }
  }
  const q = r.postgres?.queries;
  if (q) {
    out.push(
      "",
      `## Dashboard queries on PostgreSQL (${n0(q.seeded.reports)} reports, ${n0(q.seeded.groups)} groups, 30 days; ` +
        `${n0(q.seeded.rows.groupHours)} GroupHour rows; seeded on SQLite and copied with cinch db copy in ` +
        `${n0(q.seeded.seconds)} s)`,
      "",
      "| Query | Request | p50 ms | p95 ms | max ms |",
      "|---|---|---|---|---|",
      ...q.timings.map(
        (t) => `| ${t.name} | \`${t.method} ${t.path}\` | ${n1(t.p50Ms)} | ${n1(t.p95Ms)} | ${n1(t.maxMs)} |`,
      ),
    );
  }
  return out;
}
