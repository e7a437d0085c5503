// The dashboard's group listing: a page of groups with their count in the window, totals over the whole filter,
// and each listed group's trend (group-trends.ts). Raw SQL through Prisma.sql, one text for both engines (sql.ts):
// Prisma's groupBy cannot join GroupHour to ViolationGroup and sum in one statement.
import { Prisma } from "../generated/prisma/client.ts";
import { HOUR_MS, hourOf } from "./aggregate.ts";
import {
  groupWhere,
  hourWhere,
  listedPage,
  pageCountWhere,
  tagFree,
  type GroupFilter,
  type GroupSort,
} from "./filters.ts";
import type { Dialect, SqlReader } from "./sql.ts";
import { finish, type GroupListing, type ListRow } from "./list-finish.ts";
import { NO_SPLIT, isLean, leanList, type ListSplit } from "./lean-list.ts";

export type { GroupListing } from "./list-finish.ts";

/**
 * Windows longer than this are counted from GroupRunning (cost ~ groups seen in the window), shorter ones from
 * GroupHour (cost ~ hourly rows in the window). At 10 million reports over 20,000 groups (bench): 24 h from
 * GroupHour 31 ms vs ~90 ms from GroupRunning; 30 days 0.9 s vs 25-85 ms. Both are exact; this only picks the
 * cheaper one.
 */
const RUNNING_MIN_HOURS = 72;

/** The sort key: `a.cnt` for the count (the window's sums, alias a), else the group's columns (alias g). */
const sortSql = (d: Dialect, sort: GroupSort): Prisma.Sql => {
  switch (sort) {
    case "count":
      return Prisma.sql`a.cnt`;
    case "lastSeen":
      return Prisma.raw(`g."lastSeen"`);
    case "firstSeen":
      return Prisma.raw(`g."firstSeen"`);
    case "directive":
      return d.sortText(Prisma.raw(`g.directive`));
    case "blocked":
      return d.sortText(Prisma.raw(`g.blocked`));
  }
};

/**
 * Groups with their count in the window, filtered, sorted and paginated; plus totals over the whole filter.
 * `beside`, given the page's group ids, runs while their trends are read (on PostgreSQL on another connection:
 * the route's triage states), and its answer comes back as `beside`. `split`: how the default list on PostgreSQL
 * may be summed in parts at once (lean-list.ts).
 */
export async function listGroups<T = undefined>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  rollups: boolean,
  beside?: (ids: number[]) => Promise<T>,
  split: ListSplit = NO_SPLIT,
): Promise<GroupListing & { beside: T | undefined }> {
  const d = sql.dialect;
  const sort = sortSql(d, f.sort ?? "count");
  const byCount = (f.sort ?? "count") === "count";
  const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const first = hourOf(f.since);
  const last = hourOf(f.until);
  const running = rollups && tagFree(f) && last - first + 1 > RUNNING_MIN_HOURS && !f.page;
  if (!running && isLean(d, f, rollups)) return leanList(sql, projectId, f, split, beside);
  // The matching groups (j: id, directive, count in the window, sort key), materialized once. From GroupRunning:
  // two lookups per group seen in the window whatever its length, fewer when the window starts before the group's
  // first report (the total before it is 0) or ends after its last one (the total up to it is the group's count,
  // which the writer updates with GroupHour in the same transaction); read with the group's own row, so
  // ViolationGroup is read once. Groups with nothing in the window stay in j (cnt 0) and are left out where j is
  // read (`counts`): filtering them in j's own statement would run the lookups twice (the count in the condition
  // and in the column), and materializing the counts first to filter them into a second, narrower j cost a third of
  // the statement (30 days at 10 M reports, PostgreSQL 26 -> 18 ms; bench/README.md). From GroupHour: a scan of
  // every hourly row in it.
  const aj = f.page
    ? pageFiltered(d, projectId, { ...f, page: f.page }, sort)
    : running
      ? Prisma.sql`
    j AS MATERIALIZED (
      SELECT g.id AS id, g.directive AS directive,
        CASE WHEN g."lastSeen" < ${(last + 1) * HOUR_MS} THEN g.count ELSE coalesce((SELECT r.total
          FROM "GroupRunning" r WHERE r."groupId" = g.id AND r.hour <= ${last} ORDER BY r.hour DESC LIMIT 1), 0) END
        - CASE WHEN g."firstSeen" >= ${first * HOUR_MS} THEN 0 ELSE coalesce((SELECT r.total
          FROM "GroupRunning" r WHERE r."groupId" = g.id AND r.hour < ${first} ORDER BY r.hour DESC LIMIT 1), 0) END
          AS cnt${byCount ? Prisma.empty : Prisma.sql`, ${sort} AS sk`}
      FROM "ViolationGroup" g
      WHERE ${groupWhere(d, projectId, f)} AND g."lastSeen" >= ${first * HOUR_MS}
        AND g."firstSeen" < ${(last + 1) * HOUR_MS})`
      : Prisma.sql`
    a AS ${d.aggregateFirst} (
      SELECT h."groupId" AS "groupId", SUM(h.count) AS cnt FROM "GroupHour" h
      WHERE ${hourWhere(projectId, f)} GROUP BY h."groupId"),
    j AS MATERIALIZED (
      SELECT g.id AS id, g.directive AS directive, a.cnt AS cnt, ${sort} AS sk
      FROM a JOIN "ViolationGroup" g ON g.id = a."groupId" WHERE ${groupWhere(d, projectId, f, false)})`;
  // The rows of j that are listed, and their sort key (by count from GroupRunning: the count itself, not in j).
  const counts = running ? Prisma.sql`WHERE cnt > 0` : Prisma.empty;
  const sk = running && byCount ? Prisma.sql`cnt` : Prisma.sql`sk`;
  // One statement for the page and the per-directive totals: the window is aggregated once (a), the matching
  // groups kept narrow (j: id, directive, count, sort key), and only the page's groups read in full.
  // Page rows come back with kind 0 and their rank, totals with kind 1. The page is cut from j first (ORDER BY …
  // LIMIT: a bounded top-N sort) and only its rows are ranked: ranking all of j sorted every matching group (16,000
  // in the 24 h window at 10 M reports).
  const counted = f.page ? Prisma.sql`counted,` : Prisma.empty;
  const both = await sql.all<ListRow>(
    Prisma.sql`
    WITH ${aj},
    top AS (
      SELECT id, cnt, ${counted} ROW_NUMBER() OVER (ORDER BY sk ${dir}, id ASC) AS rn FROM (
        SELECT id, cnt, ${counted} ${sk} AS sk FROM j ${counts}
        ORDER BY sk ${dir}, id ASC LIMIT ${f.limit ?? 100} OFFSET ${f.offset ?? 0}) p)
    SELECT 0 AS kind, top.rn AS rn, ${f.page ? Prisma.sql`top.counted` : Prisma.sql`1`} AS counted, g.id AS id, g.directive AS directive, g.blocked AS blocked, g.noise AS noise,
           top.cnt AS cnt, g.count AS count, g."firstSeen" AS "firstSeen", g."lastSeen" AS "lastSeen",
           g.pages AS pages, g.browsers AS browsers, 0 AS "groups", 0 AS listed
    FROM top JOIN "ViolationGroup" g ON g.id = top.id
    UNION ALL
    SELECT 1, NULL, NULL, NULL, directive, NULL, NULL, SUM(cnt), NULL, NULL, NULL, NULL, NULL, COUNT(*),
      ${f.page ? Prisma.sql`SUM(1 - counted)` : Prisma.sql`0`}
    FROM j ${counts} GROUP BY directive`,
  );
  return finish(sql, projectId, f, rollups, both, beside);
}

/**
 * The page filter's count per group (a) and matching groups (j): a group in the window (its GroupHour rows, with the
 * tag filters) counts the reports of its matching pages over the window's whole UTC days (GroupBreakdown); a group
 * with no counted matching page whose stored page list matches (it predates per-page counts, or the page fell into
 * a day's "other") is listed with 0 and counted = 0, so nothing is invented for it. Before #16 a group matched by
 * its list kept its full count: 575 of 607 reports for "/checkout", which sent about one in eight.
 */
function pageFiltered(
  d: Dialect,
  projectId: string,
  f: GroupFilter & { page: string },
  sort: Prisma.Sql,
): Prisma.Sql {
  return Prisma.sql`
    w AS MATERIALIZED (
      SELECT h."groupId" AS "groupId" FROM "GroupHour" h WHERE ${hourWhere(projectId, f)} GROUP BY h."groupId"),
    pc AS MATERIALIZED (
      SELECT b."groupId" AS "groupId", SUM(b.count) AS cnt FROM "GroupBreakdown" b
      WHERE ${pageCountWhere(d, projectId, f)} GROUP BY b."groupId"),
    a AS MATERIALIZED (
      SELECT w."groupId" AS "groupId", coalesce(pc.cnt, 0) AS cnt,
        CASE WHEN pc."groupId" IS NULL THEN 0 ELSE 1 END AS counted
      FROM w LEFT JOIN pc ON pc."groupId" = w."groupId"),
    j AS MATERIALIZED (
      SELECT g.id AS id, g.directive AS directive, a.cnt AS cnt, a.counted AS counted, ${sort} AS sk
      FROM a JOIN "ViolationGroup" g ON g.id = a."groupId"
      WHERE ${groupWhere(d, projectId, f, false)} AND (a.counted = 1 OR ${listedPage(d, f.page)}))`;
}
