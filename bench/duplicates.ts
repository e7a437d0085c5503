// One million copies of one violation through the writer: how much the database grows (issue #2 note).
// Run: npx tsx bench/duplicates.ts
import { mkdtempSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../server/store/db.ts";
import { ProjectStore } from "../server/store/projects.ts";
import { ReportWriter } from "../server/store/writer.ts";
import { parseReportBody } from "../server/reports/parse.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-dup-"));
const file = join(dir, "cinch.db");
const db = await openDb(file, { synchronous: "NORMAL" });
const p = await new ProjectStore(db).create("dup");
const size = () => statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
db.raw.pragma("wal_checkpoint(TRUNCATE)");
const before = size();
const w = new ReportWriter(db.raw, { flushMs: 0, maxQueue: 1_000_000 });
const parsed = parseReportBody(
  "application/csp-report",
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/",
      "effective-directive": "script-src-elem",
      "blocked-uri": "https://cdn.example.net/a.js",
      "script-sample": "",
    },
  }),
  { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36" },
);
if (!parsed.ok) throw new Error("parse");
const v = parsed.violations;
const t0 = performance.now();
const start = Date.now() - 3_600_000 * 24;
for (let b = 0; b < 1000; b++) {
  const ps = [];
  for (let i = 0; i < 1000; i++)
    ps.push(w.enqueue(p.id, v, { policyVersion: null, env: "" }, start + b * 86_400));
  w.flushNow();
  await Promise.all(ps);
}
const ms = performance.now() - t0;
db.raw.pragma("wal_checkpoint(TRUNCATE)");
const rows = db.raw
  .prepare(
    "SELECT (SELECT COUNT(*) FROM ViolationGroup) g, (SELECT COUNT(*) FROM GroupHour) h, (SELECT SUM(count) FROM GroupHour) n, (SELECT COUNT(*) FROM Sample) s",
  )
  .get();
console.log(
  JSON.stringify({
    reports: 1_000_000,
    bytesBefore: before,
    bytesAfter: size(),
    growth: size() - before,
    perReport: (size() - before) / 1e6,
    rows,
    writerMs: Math.round(ms),
  }),
);
w.close();
await db.close();
