// Section 3: database bytes per report. Reports go through the real storage layer (ReportWriter, the same
// group-commit code the ingest endpoint uses), spread evenly over 30 days, then the file is checkpointed and
// measured, with a per-table breakdown from SQLite's dbstat.
import type Database from "better-sqlite3";
import { join } from "node:path";
import { openDb } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { ReportWriter } from "../server/store/writer.ts";
import type { Violation } from "../server/reports/types.ts";
import { prng } from "./workload.ts";

const DAY_MS = 86_400_000;

export type StorageCase = {
  reports: number;
  groups: number;
  days: number;
  /** Growth of the database file over an empty, migrated one. */
  bytes: number;
  bytesPerReport: number;
  /** Bytes per table or index (dbstat). */
  tables: Record<string, number>;
  rows: { groups: number; groupHours: number; samples: number };
  seconds: number;
};

const DIRECTIVES = ["script-src-elem", "img-src", "connect-src", "style-src-elem", "font-src", "frame-src"];
const BROWSERS = ["Chrome 131", "Firefox 133", "Safari 18", "Edge 131"];

/** The violation of group g (its blocked origin is unique to it), reported from one of 20 pages. */
function violation(g: number, page: number, browser: string): Violation {
  const origin = `https://cdn${g}.assets-example.net`;
  return {
    directive: DIRECTIVES[g % DIRECTIVES.length]!,
    blocked: `${origin}/lib/v${g % 7}/bundle.js`,
    blockedKey: origin,
    documentUrl: `https://shop.example.com/page/${page}`,
    disposition: "enforce",
    sourceFile: "",
    line: null,
    column: null,
    sample: "",
    statusCode: 200,
    browser,
    noise: null,
  };
}

function fileBytes(db: Database.Database): number {
  db.pragma("wal_checkpoint(TRUNCATE)");
  const pages = Number(db.pragma("page_count", { simple: true }));
  const size = Number(db.pragma("page_size", { simple: true }));
  return pages * size;
}

/** Write `reports` reports over `groups` groups (uniformly: every group in most hours) and measure the file. */
export async function storageCase(
  tmpDir: string,
  reports: number,
  groups: number,
  days = 30,
  log: (line: string) => void = () => {},
): Promise<StorageCase> {
  const file = join(tmpDir, `storage-${reports}-${groups}.db`);
  const db = await openDb(file, { synchronous: "NORMAL" });
  const project = await new ProjectStore(db).create("storage");
  const empty = fileBytes(db.raw);
  // Commits are driven by hand below (flushNow), as the timer would at about 1,000 reports per commit.
  const writer = new ReportWriter(db.raw, { flushMs: 1000, maxQueue: Number.MAX_SAFE_INTEGER });
  const rnd = prng(7);
  const tags = { policyVersion: 1, env: "" };
  const start = Date.UTC(2026, 9, 1);
  const span = days * DAY_MS;
  const perRequest = 5;
  const perCommit = 1000;
  const t0 = performance.now();
  let pending: Promise<void>[] = [];
  for (let i = 0; i < reports; i += perRequest) {
    const at = start + Math.floor((i / reports) * span);
    const n = Math.min(perRequest, reports - i);
    const batch: Violation[] = [];
    for (let k = 0; k < n; k++) {
      batch.push(
        violation(Math.floor(rnd() * groups), Math.floor(rnd() * 20), BROWSERS[Math.floor(rnd() * 4)]!),
      );
    }
    pending.push(writer.enqueue(project.id, batch, tags, at));
    if (writer.depth >= perCommit) {
      writer.flushNow();
      await Promise.all(pending);
      pending = [];
    }
  }
  writer.close();
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  const bytes = fileBytes(db.raw) - empty;
  const tables: Record<string, number> = {};
  for (const r of db.raw
    .prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC`)
    .all() as { name: string; bytes: number }[]) {
    if (r.bytes >= 64 * 1024) tables[r.name] = r.bytes;
  }
  const count = (sql: string) => Number((db.raw.prepare(sql).get() as { n: number }).n);
  const rows = {
    groups: count(`SELECT COUNT(*) AS n FROM ViolationGroup`),
    groupHours: count(`SELECT COUNT(*) AS n FROM GroupHour`),
    samples: count(`SELECT COUNT(*) AS n FROM Sample`),
  };
  const stored = count(`SELECT COALESCE(SUM(count), 0) AS n FROM ViolationGroup`);
  await db.close();
  if (stored !== reports) throw new Error(`storage: wrote ${reports} reports but the groups count ${stored}`);
  log(
    `  ${reports} reports over ${groups} groups: ${(bytes / 2 ** 20).toFixed(1)} MB, ` +
      `${(bytes / reports).toFixed(1)} bytes/report (${seconds.toFixed(1)} s)`,
  );
  return { reports, groups, days, bytes, bytesPerReport: bytes / reports, tables, rows, seconds };
}

/** Section 3: the two cases of the issue. */
export async function runStorage(
  tmpDir: string,
  reports: number,
  groupCounts: readonly number[],
  log: (line: string) => void,
): Promise<StorageCase[]> {
  const out: StorageCase[] = [];
  for (const g of groupCounts) out.push(await storageCase(tmpDir, reports, g, 30, log));
  return out;
}
