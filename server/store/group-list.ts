// The dashboard's group listing: a page of groups with their count in the window, totals over the whole filter,
// and each listed group's trend (group-trends.ts). Raw SQL through Prisma.sql, one text for both engines (sql.ts):
// Prisma's groupBy cannot join GroupHour to ViolationGroup and sum in one statement.
import { Prisma } from "../generated/prisma/client.ts";
import { HOUR_MS, hourOf } from "./aggregate.ts";
import {
  directiveConditions,
  groupWhere,
  hourWhere,
  listedPage,
  pageCountWhere,
  tagFree,
  windowConditions,
  type GroupFilter,
  type GroupSort,
} from "./filters.ts";
import { num, toGroupRow, type GroupRow, type StoredGroup } from "./rows.ts";
import type { Dialect, SqlReader } from "./sql.ts";
import { addTrends } from "./group-trends.ts";

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

export type GroupListing = {
  groups: GroupRow[];
  /** listedOnly: with the page filter, matching groups listed by their page list only (count 0). */
  totals: { groups: number; reports: number; byDirective: Record<string, number>; listedOnly: number };
};

/**
 * Groups with their count in the window, filtered, sorted and paginated; plus totals over the whole filter.
 * `beside`, given the page's group ids, runs while their trends are read (on PostgreSQL on another connection:
 * the route's triage states), and its answer comes back as `beside`.
 */
export async function listGroups<T = undefined>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  rollups: boolean,
  beside?: (ids: number[]) => Promise<T>,
): Promise<GroupListing & { beside: T | undefined }> {
  const d = sql.dialect;
  const sort = sortSql(d, f.sort ?? "count");
  const byCount = (f.sort ?? "count") === "count";
  const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const first = hourOf(f.since);
  const last = hourOf(f.until);
  const running = rollups && tagFree(f) && last - first + 1 > RUNNING_MIN_HOURS && !f.page;
  if (!running && isLean(d, f, rollups)) return leanList(sql, projectId, f, beside);
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

type ListRow = StoredGroup & {
  cnt: unknown;
  kind: unknown;
  rn: unknown;
  groups: unknown;
  counted: unknown;
  listed: unknown;
};

/**
 * The page and totals from a listing statement's rows: kind 0 a page row (with its rank), kind 1 a directive's
 * reports (with its groups and listed-only groups, where the statement counts them there), kind 2 the count of
 * groups alone. Then the page's trends, with `beside` run meanwhile.
 */
async function finish<T>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  rollups: boolean,
  both: readonly ListRow[],
  beside: ((ids: number[]) => Promise<T>) | undefined,
): Promise<GroupListing & { beside: T | undefined }> {
  const counts = new Map<string, number>();
  let reports = 0;
  let groups = 0;
  let listedOnly = 0;
  const rows: ListRow[] = [];
  for (const r of both) {
    const kind = num(r.kind);
    if (kind === 0) {
      rows.push(r);
      continue;
    }
    groups += num(r.groups);
    if (kind === 2) continue;
    counts.set(r.directive, num(r.cnt));
    reports += num(r.cnt);
    listedOnly += num(r.listed);
  }
  // Directives in byte order, whatever order the engine grouped them in (PostgreSQL's hash order varied).
  const byDirective = Object.create(null) as Record<string, number>; // keyed by report data
  for (const k of [...counts.keys()].sort()) byDirective[k] = counts.get(k)!;
  rows.sort((x, y) => num(x.rn) - num(y.rn));
  const page = rows.map((r): GroupRow => {
    const g = toGroupRow(r, r.cnt);
    if (f.page) g.pageMatch = num(r.counted) === 1 ? "counted" : "listed";
    return g;
  });
  const [, besides] = await Promise.all([
    addTrends(sql, projectId, page, f, rollups),
    beside?.(page.map((g) => g.id)),
  ]);
  return { groups: page, totals: { groups, reports, byDirective, listedOnly }, beside: besides };
}

/**
 * Whether a listing is answered by leanList: sorted by count, filtered by noise only (a column of the DirectiveHour
 * rollup, so its totals are the listing's), no directive, tags, text, triage or page; on engines where that pays
 * (Dialect.leavesOutById). With a directive the filter keeps a few of the groups, and joining them was as cheap
 * (PostgreSQL, p50 1.16 x, noisy).
 */
const isLean = (d: Dialect, f: GroupFilter, rollups: boolean): boolean =>
  d.leavesOutById &&
  rollups &&
  (f.sort ?? "count") === "count" &&
  tagFree(f) &&
  !f.directive &&
  !f.page &&
  !f.text &&
  f.triage === undefined;

/**
 * The listing from the window's GroupHour sums without joining every summed group to ViolationGroup: the groups
 * the filter drops are taken out by id (the noise groups when noise is excluded, a tenth of them in the bench),
 * the page is cut from the sums, only its groups are read, and the totals are the DirectiveHour rollup's sums
 * over the window (the writer keeps it with GroupHour in the same transaction) plus the count of summed groups.
 * The join and the per-directive sum over every group were a third of the 24 h statement at 10 M reports
 * (PostgreSQL, bench/README.md).
 */
async function leanList<T>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  beside: ((ids: number[]) => Promise<T>) | undefined,
): Promise<GroupListing & { beside: T | undefined }> {
  const d = sql.dialect;
  const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  // Excluding noise is the dashboard's default: the few noise groups are named instead of the many others.
  // EXISTS rather than IN: an anti- or semi-join, which PostgreSQL never turns into a scan per summed group.
  const member =
    f.noise === "include"
      ? Prisma.empty
      : Prisma.sql`WHERE ${f.noise === "exclude" ? Prisma.sql`NOT EXISTS` : Prisma.sql`EXISTS`} (
          SELECT 1 FROM "ViolationGroup" g WHERE g.id = x."groupId" AND g."projectId" = ${projectId} AND g.noise <> '')`;
  const rollup = [...windowConditions("d", projectId, f), ...directiveConditions("d", f)];
  const both = await sql.all<ListRow>(Prisma.sql`
    WITH x AS ${d.aggregateFirst} (
      SELECT h."groupId" AS "groupId", SUM(h.count) AS cnt FROM "GroupHour" h
      WHERE ${hourWhere(projectId, f)} GROUP BY h."groupId"),
    a AS MATERIALIZED (SELECT x."groupId" AS id, x.cnt AS cnt FROM x ${member}),
    top AS (
      SELECT id, cnt, ROW_NUMBER() OVER (ORDER BY cnt ${dir}, id ASC) AS rn FROM (
        SELECT id, cnt FROM a ORDER BY cnt ${dir}, id ASC LIMIT ${f.limit ?? 100} OFFSET ${f.offset ?? 0}) p)
    SELECT 0 AS kind, top.rn AS rn, 1 AS counted, g.id AS id, g.directive AS directive, g.blocked AS blocked,
           g.noise AS noise, top.cnt AS cnt, g.count AS count, g."firstSeen" AS "firstSeen",
           g."lastSeen" AS "lastSeen", g.pages AS pages, g.browsers AS browsers, 0 AS "groups", 0 AS listed
    FROM top JOIN "ViolationGroup" g ON g.id = top.id
    UNION ALL
    SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), 0 FROM a
    UNION ALL
    SELECT 1, NULL, NULL, NULL, d.directive, NULL, NULL, SUM(d.count), NULL, NULL, NULL, NULL, NULL, 0, 0
    FROM "DirectiveHour" d WHERE ${Prisma.join(rollup, " AND ")}
    GROUP BY d.directive HAVING SUM(d.count) > 0`);
  return finish(sql, projectId, f, true, both, beside);
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
