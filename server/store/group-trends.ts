// Each listed group's trend: its reports in equal slices of the listing's window, from the hourly rows, the running
// totals or (with the page filter) the per-page daily counts, whichever the window and filter make cheapest.
import { Prisma } from "../generated/prisma/client.ts";
import { hourOf } from "./aggregate.ts";
import { pageCountWhere, tagConditions, tagFree, type GroupFilter } from "./filters.ts";
import { num, type GroupRow } from "./rows.ts";
import { eachNumberRow, type SqlReader } from "./sql.ts";

/** Slices of a listing's window in each group's trend. */
const TREND_BUCKETS = 24;

/**
 * Windows up to this many hours (a day's, with its partial first hour) take their trends from the GroupHour rows,
 * longer ones from GroupRunning: about one row per bucket and tag combination against one lookup per bucket end.
 * A 24 h page of 100 groups at 10 M reports (bench): PostgreSQL 7 vs 26 ms, SQLite 5-7 vs 6-10 ms; over 2 days
 * the rows already cost SQLite more (12 vs 7 ms).
 */
const TREND_HOURLY_MAX_HOURS = TREND_BUCKETS + 1;

/** Fill each listed group's trend: its reports in TREND_BUCKETS equal slices of the window (one query). */
export async function addTrends(
  sql: SqlReader,
  projectId: string,
  groups: GroupRow[],
  f: GroupFilter,
  rollups: boolean,
): Promise<void> {
  if (groups.length === 0) return;
  const first = hourOf(f.since);
  const last = hourOf(f.until);
  const buckets = Math.min(TREND_BUCKETS, last - first + 1);
  const byId = new Map(groups.map((g) => [g.id, g]));
  for (const g of groups) g.trend = new Array<number>(buckets).fill(0);
  const span = last - first + 1;
  const bucketOf = (hour: number) => Math.min(buckets - 1, Math.floor(((hour - first) / span) * buckets));
  if (f.page) {
    // The page filter counts per UTC day (pageFiltered): so does the trend, each day in the bucket of its first
    // hour inside the window, so a trend adds up to its group's count.
    const rows = await sql.all<{ groupId: unknown; day: unknown; cnt: unknown }>(Prisma.sql`
      SELECT b."groupId" AS "groupId", b.day AS day, SUM(b.count) AS cnt FROM "GroupBreakdown" b
      WHERE ${pageCountWhere(sql.dialect, projectId, { ...f, page: f.page })}
        AND b."groupId" IN (${Prisma.join(groups.map((g) => g.id))})
      GROUP BY b."groupId", b.day`);
    for (const r of rows) {
      const trend = byId.get(num(r.groupId))?.trend;
      if (!trend) continue;
      const i = bucketOf(Math.max(first, num(r.day) * 24));
      trend[i] = (trend[i] ?? 0) + num(r.cnt);
    }
    return;
  }
  if (rollups && tagFree(f) && span > TREND_HOURLY_MAX_HOURS) {
    // Each bucket is the difference of the group's running totals at its ends: 25 lookups per group instead of
    // every hourly row of the window (72,000 rows for a page of busy groups over 30 days: 170-270 ms).
    // ends[i] = the last hour before bucket i (ends[buckets] = the window's last hour), with bucketOf's rounding.
    const ends = new Array<number>(buckets + 1).fill(last);
    let next = 0;
    for (let hour = first; hour <= last && next < buckets; hour++) {
      while (next < buckets && bucketOf(hour) >= next) ends[next++] = hour - 1;
    }
    const d = sql.dialect;
    const totals = new Map<number, number[]>();
    await eachNumberRow(
      sql,
      Prisma.sql`
      SELECT gi.value AS "groupId", b.key AS i, coalesce((SELECT r.total FROM "GroupRunning" r
        WHERE r."groupId" = gi.value AND r.hour <= b.value ORDER BY r.hour DESC LIMIT 1), 0) AS total
      FROM ${d.intTable(
        groups.map((g) => g.id),
        "gi",
      )}, ${d.intTable(ends, "b")}`,
      ["groupId", "i", "total"],
      ([groupId = 0, i = 0, total = 0]) => {
        const t = totals.get(groupId) ?? new Array<number>(buckets + 1).fill(0);
        t[i] = total;
        totals.set(groupId, t);
      },
    );
    for (const g of groups) {
      const t = totals.get(g.id);
      if (t) g.trend = g.trend!.map((_, i) => t[i + 1]! - t[i]!);
    }
    return;
  }
  const tags = tagConditions(f);
  // The page's ids as one parameter (dialect.inInts): binding 100 parameters was ~1 ms of the statement's ~9 on
  // PostgreSQL (the 24 h page at 10 M reports, measured alone, median of 55 calls: 9.1 -> 8.0 ms).
  const ids = sql.dialect.inInts(
    Prisma.sql`h."groupId"`,
    groups.map((g) => g.id),
  );
  await eachNumberRow(
    sql,
    Prisma.sql`
    SELECT h."groupId" AS "groupId", h.hour AS hour, SUM(h.count) AS cnt FROM "GroupHour" h
    WHERE ${ids} AND h.hour >= ${first} AND h.hour <= ${last}
    ${tags.length > 0 ? Prisma.sql`AND ${Prisma.join(tags, " AND ")}` : Prisma.empty}
    GROUP BY h."groupId", h.hour`,
    ["groupId", "hour", "cnt"],
    ([groupId = 0, hour = 0, cnt = 0]) => {
      const trend = byId.get(groupId)?.trend;
      if (!trend) return;
      const i = bucketOf(hour);
      trend[i] = (trend[i] ?? 0) + cnt;
    },
  );
}
