// Random listing datasets for the dashboard's query tests: reports written through the real ReportWriter (hours over
// several days, out of order, tags, noise, two projects), windows that cut days and hours at both ends, and every
// combination of the listing's filters.
import { join } from "node:path";
import { openDb, type SqliteDb } from "../../server/store/db.ts";
import { HOUR_MS, ReportWriter } from "../../server/store/writer.ts";
import { GROUP_SORTS, NOISE_FILTERS, type GroupFilter } from "../../server/store/violations.ts";
import type { NoiseReason, Violation } from "../../server/reports/types.ts";
import { prng } from "../../bench/workload.ts";

const DAY_MS = 86_400_000;
const DIRECTIVES = ["script-src-elem", "img-src", "connect-src"];
const NOISE: (NoiseReason | null)[] = [null, null, null, "extension", "browser-internal"];

/** Each window of `windows` with each filter of `filters`, and the project to ask (alternating). */
export function* listingCases(
  d: Dataset,
  rnd: () => number,
): Generator<{ projectId: string; filter: GroupFilter }> {
  let i = 0;
  for (const w of windows(d, rnd)) {
    for (const f of filters(rnd))
      yield { projectId: d.projects[i++ % d.projects.length]!, filter: { ...w, ...f } };
  }
}

/** A SQLite database written by the writer, its projects and the span its reports fall in. */
export type Dataset = { db: SqliteDb; projects: string[]; start: number; end: number };

/** Random reports through the writer, committed in batches of random size and in random time order. */
export async function writeDataset(dir: string, name: string, seed: number): Promise<Dataset> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const db = await openDb(join(dir, `${name}.db`), { synchronous: "NORMAL" });
  const projects = ["p1", "p2"];
  for (const id of projects) {
    db.raw
      .prepare(`INSERT INTO Project (id, name, reportKey, policyKey) VALUES (?, ?, ?, ?)`)
      .run(id, id, `rk-${id}`, `pk-${id}`);
  }
  const writer = new ReportWriter(db.raw, { flushMs: 1000, maxQueue: 1_000_000, ringSize: 5 });
  // Not aligned to a day or an hour: windows then cut days and hours at both ends.
  const start = Date.UTC(2026, 10, 3, 7, 23, 11);
  const end = start + 5 * DAY_MS + 9 * HOUR_MS;
  const hosts = Array.from({ length: 12 }, (_, i) => `https://h${i}.example`);
  const violation = (): Violation => {
    const blocked = rnd() < 0.15 ? "inline" : pick(hosts);
    const page = `https://site.example/${pick(["a", "b", "checkout", "x_y%z"])}`;
    return {
      directive: pick(DIRECTIVES),
      blocked,
      blockedKey: blocked,
      documentUrl: page,
      disposition: pick(["enforce", "report", null] as const),
      sourceFile: "",
      line: null,
      column: null,
      sample: "",
      statusCode: 200,
      browser: pick(["Chrome 131", "Firefox 133", ""]),
      noise: pick(NOISE),
    };
  };
  const pending: Promise<void>[] = [];
  for (let batch = 0; batch < 60; batch++) {
    const requests = 1 + Math.floor(rnd() * 40);
    for (let r = 0; r < requests; r++) {
      // Mostly recent reports, some far back in the dataset: running totals of later hours must follow.
      const at = start + Math.floor(rnd() * (end - start));
      const violations = Array.from({ length: 1 + Math.floor(rnd() * 3) }, violation);
      const tags = { policyVersion: pick([null, 1, 2]), env: pick(["", "", "staging"]) };
      pending.push(writer.enqueue(pick(projects), violations, tags, at));
    }
    writer.flushNow();
  }
  writer.close();
  await Promise.all(pending);
  return { db, projects, start, end };
}

/** Windows over the dataset: whole, partial days and hours at both ends, one hour, empty, beyond its ends. */
export function windows(d: Dataset, rnd: () => number): { since: number; until: number }[] {
  const span = d.end - d.start;
  const w = [
    { since: d.start - DAY_MS, until: d.end + DAY_MS },
    { since: d.start, until: d.end },
    { since: d.start + 30 * 60_000, until: d.start + 90 * 60_000 },
    { since: d.start + 2 * DAY_MS + 1, until: d.start + 2 * DAY_MS + 1 },
    { since: d.start - 3 * DAY_MS, until: d.start - DAY_MS },
    { since: d.end + HOUR_MS, until: d.end + DAY_MS },
    { since: d.start + 13 * HOUR_MS + 5, until: d.end - 17 * HOUR_MS - 5 },
  ];
  for (let i = 0; i < 8; i++) {
    const a = d.start + Math.floor(rnd() * span);
    const b = d.start + Math.floor(rnd() * span);
    w.push({ since: Math.min(a, b), until: Math.max(a, b) });
  }
  return w;
}

/** Every combination of the filters the fast paths take, plus tag filters (which take the fallback). */
export function filters(rnd: () => number): Omit<GroupFilter, "since" | "until">[] {
  const out: Omit<GroupFilter, "since" | "until">[] = [];
  for (const directive of [undefined, ...DIRECTIVES])
    for (const noise of NOISE_FILTERS)
      for (const extra of [
        {},
        { page: "checkout" },
        { text: "h1" },
        { page: "x_y%", text: "inline" },
        { env: "staging" },
        { disposition: "report", policyVersion: 2 },
      ])
        out.push({ directive, noise, ...extra });
  return out.map((f) => ({
    ...f,
    sort: GROUP_SORTS[Math.floor(rnd() * GROUP_SORTS.length)],
    order: rnd() < 0.5 ? "asc" : "desc",
    limit: rnd() < 0.3 ? 3 : 100,
    offset: rnd() < 0.3 ? 2 : 0,
  }));
}
