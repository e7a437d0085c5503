// The per-project daily count behind the daily cap (UTC day), shared by every node on the database: today's
// stored reports (ProjectHour's accepted and noise counters, which every node's writer commits) read at most once
// per refresh interval (1 s) per project, plus what this node let through since the read before it. N nodes then
// overshoot the cap by at most what they accept in about one interval, instead of each allowing the whole cap, and
// a restart keeps the day's count. Reports let through before the previous read are taken as committed by the
// latest one (the writer commits within milliseconds); those since may be counted twice: the count errs high.
import { Prisma } from "../generated/prisma/client.ts";
import { num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

const DAY_MS = 86_400_000;

type Entry = {
  day: number;
  /** The day's stored count at the latest read. */
  base: number;
  /** Let through between the read before the latest and the latest (maybe in base), and since the latest. */
  prev: number;
  cur: number;
  readAt: number;
  reading: Promise<void> | null;
};

export class DailyCounts {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly sql: SqlReader,
    private readonly refreshMs = 1_000,
  ) {}

  /** Count `n` reports of a project at `now`; resolves to the day's count with them. */
  async add(projectId: string, n: number, now: number): Promise<number> {
    const day = Math.floor(now / DAY_MS);
    let e = this.entries.get(projectId);
    if (!e || e.day !== day) {
      e = { day, base: 0, prev: 0, cur: 0, readAt: -Infinity, reading: null };
      this.entries.set(projectId, e);
    }
    if (now - e.readAt >= this.refreshMs) await this.refresh(projectId, e, now);
    e.cur += n;
    return e.base + e.prev + e.cur;
  }

  /** Read the day's stored count. */
  private refresh(projectId: string, e: Entry, now: number): Promise<void> {
    e.reading ??= (async () => {
      e.prev = e.cur;
      e.cur = 0;
      try {
        const [row] = await this.sql.all<{ n: unknown }>(Prisma.sql`
          SELECT coalesce(SUM(count), 0) AS n FROM "ProjectHour"
          WHERE "projectId" = ${projectId} AND hour >= ${e.day * 24} AND hour < ${(e.day + 1) * 24}
            AND kind IN ('accepted', 'noise', 'scripts')`);
        e.base = num(row?.n);
        e.readAt = now;
      } finally {
        e.reading = null;
      }
    })();
    return e.reading;
  }
}
