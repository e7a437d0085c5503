// Reports over 500 days through the real ReportWriter, for the data-lifecycle tests (retention, db copy): groups
// seen throughout, only long ago (unseen for more than 400 days), and only lately, in two projects.
import { HOUR_MS, ReportWriter } from "../../server/store/writer.ts";
import type { openDb } from "../../server/store/db.ts";
import type { Violation } from "../../server/reports/types.ts";
import { prng } from "../../bench/workload.ts";

const DAY_MS = 86_400_000;

/** The run's clock: not on an hour or a day, so every horizon cuts a day. */
export const NOW = Date.UTC(2026, 11, 7, 10, 37, 12);

/** Reports over 500 days through the writer: groups seen throughout, only long ago, and only lately. */
export async function seedYears(db: Awaited<ReturnType<typeof openDb>>, seed = 7): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (const id of ["p1", "p2"]) {
    db.raw
      .prepare(`INSERT INTO Project (id, name, reportKey, policyKey) VALUES (?, ?, ?, ?)`)
      .run(id, id, `rk-${id}`, `pk-${id}`);
  }
  const writer = new ReportWriter(db.raw, { flushMs: 1000, maxQueue: 1_000_000, ringSize: 5 });
  const v = (host: string, directive = "img-src"): Violation => ({
    directive,
    blocked: host,
    blockedKey: host,
    documentUrl: `https://site.example/${pick(["a", "b"])}`,
    disposition: pick(["enforce", "report"] as const),
    sourceFile: "",
    line: null,
    column: null,
    sample: `s${Math.floor(rnd() * 1000)}`,
    statusCode: 200,
    browser: "Chrome 131",
    noise: null,
  });
  const pending: Promise<void>[] = [];
  const put = (project: string, host: string, at: number, directive?: string) => {
    const tags = { policyVersion: pick([null, 1, 2]), env: pick(["", "staging"]) };
    pending.push(writer.enqueue(project, [v(host, directive)], tags, at));
    writer.count(project, "accepted", 1, at);
  };
  for (let at = NOW - 500 * DAY_MS; at < NOW; at += 3 * HOUR_MS + Math.floor(rnd() * 4 * HOUR_MS)) {
    put("p1", "https://always.example", at);
    if (rnd() < 0.3) put("p2", "https://always.example", at, "script-src-elem");
    if (at < NOW - 405 * DAY_MS) put("p1", "https://long-ago.example", at, "connect-src");
    if (at > NOW - 120 * DAY_MS) put(pick(["p1", "p2"]), "https://lately.example", at);
    if (pending.length % 200 === 0) writer.flushNow();
  }
  writer.close();
  await Promise.all(pending);
}
