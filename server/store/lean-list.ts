// The PostgreSQL listing sorted by count and filtered by noise only (the dashboard's default list): summed from the
// window's GroupHour rows without joining every summed group to ViolationGroup, and, past a size, summed in parts
// by group id at once on several pool connections (ListSplit).
import { Prisma } from "../generated/prisma/client.ts";
import { hourOf } from "./aggregate.ts";
import { directiveConditions, hourWhere, tagFree, windowConditions, type GroupFilter } from "./filters.ts";
import { finish, type GroupListing, type ListRow } from "./list-finish.ts";
import { num } from "./rows.ts";
import type { Dialect, SqlReader } from "./sql.ts";

/**
 * Summing a listing's window in parts: `parts` statements at once, each on its own pool connection, each summing
 * the groups of one range of ids (PG_LIST_PARTS). The 24 h list at 10 M reports is ~90,000 GroupHour rows summed
 * into 18,000 groups, three quarters of its statement, on one backend (one core) while the node waits; two parts
 * take about half as long each when a second core is free, and the same CPU in all (bench/README.md, fourth pass).
 * A window is split only when its hourly rows are estimated at `minRows` or more (the sampled hour's rows times the
 * window's hours): below that the extra statements cost more than they save.
 *
 * Where a project's groups are cut is sampled (sampleCuts) and kept for `keepMs`: any cut gives the exact answer, a
 * stale one only parts of unequal size, and the sample was 1-7 ms of a ~40 ms call.
 */
export class ListSplit {
  private readonly sampled = new Map<string, { at: number; rows: number; cuts: number[] }>();

  constructor(
    readonly parts: number,
    readonly minRows: number,
    private readonly keepMs = 60_000,
  ) {}

  /** The ids where the project's groups are cut for window f, or none (too small, nothing to sample). */
  async cuts(sql: SqlReader, projectId: string, f: GroupFilter): Promise<number[]> {
    const now = Date.now();
    let s = this.sampled.get(projectId);
    if (!s || now - s.at > this.keepMs) {
      s = { at: now, ...(await sampleCuts(sql, projectId, f, this.parts)) };
      if (this.sampled.size >= 1000) this.sampled.clear();
      this.sampled.set(projectId, s);
    }
    return s.rows * (hourOf(f.until) - hourOf(f.since) + 1) >= this.minRows ? s.cuts : [];
  }
}

export const NO_SPLIT = new ListSplit(1, 0);

/**
 * A node's split (bootstrap.ts): PG_LIST_PARTS parts past 20,000 hourly rows in the window, where a part's saving
 * (~0.27 µs a row summed, 10 M-report bench) passes the cost of one more statement.
 */
export const listSplit = (parts: number): ListSplit => new ListSplit(parts, 20_000);

/** Pages deeper than this are not split (every part returns offset + limit rows). */
const SPLIT_MAX_ROWS = 1000;

/**
 * Whether a listing is answered by leanList: sorted by count, filtered by noise only (a column of the DirectiveHour
 * rollup, so its totals are the listing's), no directive, tags, text, triage or page; on engines where that pays
 * (Dialect.leavesOutById). With a directive the filter keeps a few of the groups, and joining them was as cheap
 * (PostgreSQL, p50 1.16 x, noisy).
 */
export const isLean = (d: Dialect, f: GroupFilter, rollups: boolean): boolean =>
  d.leavesOutById &&
  rollups &&
  (f.sort ?? "count") === "count" &&
  tagFree(f) &&
  !f.directive &&
  !f.page &&
  !f.text &&
  f.triage === undefined;

/**
 * Where to cut a project's groups into parts (each part's lowest id, the first part's left out) and how many rows
 * the sample had: the GroupHour rows of one hour of window f (the one before its last, complete): a quantile of
 * the group ids a window holds, not of the id range, which other projects' groups and old groups stretch.
 */
async function sampleCuts(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  parts: number,
): Promise<{ rows: number; cuts: number[] }> {
  const first = hourOf(f.since);
  const last = hourOf(f.until);
  const hour = last > first ? last - 1 : last;
  // Each cut is the id at that rank of the hour's rows, read in index order (OFFSET): percentile_disc or ntile
  // over the same rows sorted them again (3-8 instead of 1-2 ms at 4,600 rows).
  const rows = await sql.all<{ n: unknown; lo: unknown }>(Prisma.sql`
    SELECT c.n AS n, (SELECT h."groupId" FROM "GroupHour" h WHERE h."projectId" = ${projectId} AND h.hour = ${hour}
        ORDER BY h."groupId" OFFSET c.n * k.k / ${parts} LIMIT 1) AS lo
    FROM (SELECT count(*) AS n FROM "GroupHour" h WHERE h."projectId" = ${projectId} AND h.hour = ${hour}) c,
      generate_series(1, ${parts - 1}::int) AS k(k)`);
  const cuts: number[] = [];
  for (const r of rows) {
    if (r.lo === null) continue;
    const lo = num(r.lo);
    if (lo > (cuts.at(-1) ?? -Infinity)) cuts.push(lo);
  }
  return { rows: num(rows[0]?.n ?? 0), cuts };
}

/**
 * The listing from the window's GroupHour sums without joining every summed group to ViolationGroup: the groups
 * the filter drops are taken out by id (the noise groups when noise is excluded, a tenth of them in the bench;
 * on PostgreSQL a partial index holds them), the page is cut from the sums, only its groups are read, and the
 * totals are the DirectiveHour rollup's sums over the window (the writer keeps it with GroupHour in the same
 * transaction) plus the count of summed groups. The join and the per-directive sum over every group were a third
 * of the 24 h statement at 10 M reports (PostgreSQL, bench/README.md).
 *
 * Split (ListSplit), each part sums the groups of its id range and returns its own best offset + limit groups and
 * its count of groups; the page is cut from their union here, which is exact: a group on the page is among the best
 * offset + limit of its own part. The parts run in their own transactions, a few milliseconds apart, as the page's
 * trends already do.
 */
export async function leanList<T>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  split: ListSplit,
  beside: ((ids: number[]) => Promise<T>) | undefined,
): Promise<GroupListing & { beside: T | undefined }> {
  const offset = f.offset ?? 0;
  const limit = f.limit ?? 100;
  const cuts = split.parts > 1 && offset + limit <= SPLIT_MAX_ROWS ? await split.cuts(sql, projectId, f) : [];
  if (cuts.length === 0)
    return finish(sql, projectId, f, true, await sql.all<ListRow>(whole(sql.dialect, projectId, f)), beside);
  const bounds = [undefined, ...cuts];
  const answers = await Promise.all(
    bounds.map((lo, i) => sql.all<ListRow>(part(sql.dialect, projectId, f, { lo, hi: cuts[i] }, i === 0))),
  );
  const desc = f.order !== "asc";
  const byCount = (x: ListRow, y: ListRow) =>
    (desc ? num(y.cnt) - num(x.cnt) : num(x.cnt) - num(y.cnt)) || num(x.id) - num(y.id);
  const rows = answers.flat();
  const page = rows
    .filter((r) => num(r.kind) === 0)
    .sort(byCount)
    .slice(offset, offset + limit)
    .map((r, i) => ({ ...r, rn: i + 1 }));
  return finish(sql, projectId, f, true, [...page, ...rows.filter((r) => num(r.kind) !== 0)], beside);
}

/**
 * The groups the noise filter drops, left out of the sums x by id: EXISTS, an anti- or semi-join, which PostgreSQL
 * never turns into a scan per summed group; `ids` bounds the noise groups read to a part's range.
 */
function noiseMember(projectId: string, f: GroupFilter, ids: Prisma.Sql = Prisma.empty): Prisma.Sql {
  if (f.noise === "include") return Prisma.empty;
  return Prisma.sql`WHERE ${f.noise === "exclude" ? Prisma.sql`NOT EXISTS` : Prisma.sql`EXISTS`} (
    SELECT 1 FROM "ViolationGroup" g WHERE g.id = x."groupId" AND g."projectId" = ${projectId} AND g.noise <> ''${ids})`;
}

/** The window's totals per directive from the DirectiveHour rollup (kind 1 rows). */
function directiveTotals(projectId: string, f: GroupFilter): Prisma.Sql {
  const rollup = [...windowConditions("d", projectId, f), ...directiveConditions("d", f)];
  return Prisma.sql`
    SELECT 1, NULL, NULL, NULL, d.directive, NULL, NULL, SUM(d.count), NULL, NULL, NULL, NULL, NULL, 0, 0
    FROM "DirectiveHour" d WHERE ${Prisma.join(rollup, " AND ")}
    GROUP BY d.directive HAVING SUM(d.count) > 0`;
}

/**
 * What `whole` and `part` both end with: the page's groups (kind 0, rank `rn`) read for the ids in `top`, and the
 * count of the summed groups in `a` (kind 2).
 */
function pageAndCount(rn: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT 0 AS kind, ${rn} AS rn, 1 AS counted, g.id AS id, g.directive AS directive, g.blocked AS blocked,
           g.noise AS noise, top.cnt AS cnt, g.count AS count, g."firstSeen" AS "firstSeen",
           g."lastSeen" AS "lastSeen", g.pages AS pages, g.browsers AS browsers, 0 AS "groups", 0 AS listed
    FROM top JOIN "ViolationGroup" g ON g.id = top.id
    UNION ALL
    SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, COUNT(*), 0 FROM a`;
}

/** The listing in one statement: the page ranked (kind 0), the count of groups (kind 2), the totals (kind 1). */
function whole(d: Dialect, projectId: string, f: GroupFilter): Prisma.Sql {
  const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  return Prisma.sql`
    WITH x AS ${d.aggregateFirst} (
      SELECT h."groupId" AS "groupId", SUM(h.count) AS cnt FROM "GroupHour" h
      WHERE ${hourWhere(projectId, f)} GROUP BY h."groupId"),
    a AS MATERIALIZED (SELECT x."groupId" AS id, x.cnt AS cnt FROM x ${noiseMember(projectId, f)}),
    top AS (
      SELECT id, cnt, ROW_NUMBER() OVER (ORDER BY cnt ${dir}, id ASC) AS rn FROM (
        SELECT id, cnt FROM a ORDER BY cnt ${dir}, id ASC LIMIT ${f.limit ?? 100} OFFSET ${f.offset ?? 0}) p)
    ${pageAndCount(Prisma.sql`top.rn`)}
    UNION ALL ${directiveTotals(projectId, f)}`;
}

/**
 * One part of a split listing: the groups with lo <= id < hi (either bound open), their best offset + limit
 * unranked (kind 0) and their count (kind 2); the first part also the totals (kind 1). The window's hours are
 * listed (hour = ANY) rather than a range, so that in the index (projectId, hour, groupId, count) the id bounds
 * are a range within each hour: with a range of hours PostgreSQL 15 checks them on every row of the window.
 */
function part(
  d: Dialect,
  projectId: string,
  f: GroupFilter,
  ids: { lo: number | undefined; hi: number | undefined },
  totals: boolean,
): Prisma.Sql {
  const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const first = hourOf(f.since);
  const hours = Array.from({ length: hourOf(f.until) - first + 1 }, (_, i) => first + i);
  const bound = (col: string) => {
    const parts: Prisma.Sql[] = [];
    if (ids.lo !== undefined) parts.push(Prisma.sql` AND ${Prisma.raw(col)} >= ${ids.lo}`);
    if (ids.hi !== undefined) parts.push(Prisma.sql` AND ${Prisma.raw(col)} < ${ids.hi}`);
    return parts.length > 0 ? Prisma.join(parts, "") : Prisma.empty;
  };
  return Prisma.sql`
    WITH x AS ${d.aggregateFirst} (
      SELECT h."groupId" AS "groupId", SUM(h.count) AS cnt FROM "GroupHour" h
      WHERE h."projectId" = ${projectId} AND ${d.inInts(Prisma.sql`h."hour"`, hours)}${bound(`h."groupId"`)}
      GROUP BY h."groupId"),
    a AS MATERIALIZED (SELECT x."groupId" AS id, x.cnt AS cnt FROM x ${noiseMember(projectId, f, bound("g.id"))}),
    top AS (SELECT id, cnt FROM a ORDER BY cnt ${dir}, id ASC LIMIT ${(f.offset ?? 0) + (f.limit ?? 100)})
    ${pageAndCount(Prisma.sql`NULL`)}
    ${totals ? Prisma.sql`UNION ALL ${directiveTotals(projectId, f)}` : Prisma.empty}`;
}
