// The dashboard's read queries over aggregated violations, on either engine: the group listing (group-list.ts),
// the over-time series, one group's detail and the project counters. Aggregations are raw SQL through the
// database's reader (sql.ts: Prisma.sql, parameterized, never string-built; one text for both engines); filter
// conditions come from filters.ts, rows are mapped by rows.ts.
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import type { SqlReader } from "./sql.ts";
import { HOUR_MS, hourOf } from "./aggregate.ts";
import {
  directiveConditions,
  groupWhere,
  hourWhere,
  pageCountWhere,
  tagFree,
  windowConditions,
  type GroupFilter,
} from "./filters.ts";
import { listGroups, type GroupListing } from "./group-list.ts";
import { NO_SPLIT, type ListSplit } from "./lean-list.ts";
import { groupBreakdowns } from "./breakdown-read.ts";
import { DAY_MS } from "./breakdown.ts";
import { num, toGroupRow, toSampleRow } from "./rows.ts";

export { GROUP_SORTS, NOISE_FILTERS, tagFree, type GroupFilter } from "./filters.ts";
export type { GroupRow, SampleRow } from "./rows.ts";

export type ViolationStoreOptions = {
  /** Answer from the rollups when the filter allows (default true); false always sums GroupHour rows. */
  rollups?: boolean;
  /** PostgreSQL: sum the default list in parts at once (lean-list.ts; PG_LIST_PARTS). Default: one statement. */
  listSplit?: ListSplit;
};

type SeriesPoint = { hour: number; directive: string; count: number };

const toPoints = (rows: { hour: unknown; directive: string; cnt: unknown }[]): SeriesPoint[] =>
  rows.map((r) => ({ hour: num(r.hour) * HOUR_MS, directive: r.directive, count: num(r.cnt) }));

export class ViolationStore {
  private readonly rollups: boolean;
  private readonly listSplit: ListSplit;
  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;

  constructor(db: Pick<Db, "prisma" | "sql">, opts: ViolationStoreOptions = {}) {
    this.prisma = db.prisma;
    this.sql = db.sql;
    this.rollups = opts.rollups ?? true;
    this.listSplit = opts.listSplit ?? NO_SPLIT;
  }

  /**
   * Groups with their count in the window, filtered, sorted and paginated; plus totals over the whole filter.
   * `beside` runs with the page's group ids while their trends are read (group-list.ts).
   */
  listGroups<T = undefined>(
    projectId: string,
    f: GroupFilter,
    beside?: (ids: number[]) => Promise<T>,
  ): Promise<GroupListing & { beside: T | undefined }> {
    return listGroups(this.sql, projectId, f, this.rollups, beside, this.listSplit);
  }

  /** Reports per hour per directive in the window (the over-time chart). */
  async series(projectId: string, f: GroupFilter): Promise<SeriesPoint[]> {
    if (f.page) return this.seriesOfPage(projectId, { ...f, page: f.page });
    if (this.rollups && tagFree(f) && !f.text && !f.triage) return this.seriesFromRollup(projectId, f);
    // The matching groups are materialized first (id, directive): SQLite then joins every hourly row against a
    // small automatic index instead of ViolationGroup's wide rows (5x faster at 10 million reports).
    const d = this.sql.dialect;
    const rows = await this.sql.all<{ hour: unknown; directive: string; cnt: unknown }>(Prisma.sql`
      WITH m AS MATERIALIZED (SELECT g.id AS id, g.directive AS directive FROM "ViolationGroup" g
        WHERE ${groupWhere(d, projectId, f)})
      SELECT h.hour AS hour, m.directive AS directive, SUM(h.count) AS cnt
      FROM "GroupHour" h JOIN m ON m.id = h."groupId"
      WHERE ${hourWhere(projectId, f)}
      GROUP BY h.hour, m.directive
      ORDER BY h.hour ASC, ${d.sortText(Prisma.sql`m.directive`)} ASC`);
    return toPoints(rows);
  }

  /**
   * The chart from DirectiveHour: one row per hour, directive and noise reason instead of one per group, hour and
   * tags (~1,000 rows instead of 2.6 million over 30 days at the benchmark's scale). Same answer as the GroupHour
   * query for filters on directive and noise only, which are attributes of the rollup's rows.
   */
  private async seriesFromRollup(projectId: string, f: GroupFilter): Promise<SeriesPoint[]> {
    const where = [...windowConditions("d", projectId, f), ...directiveConditions("d", f)];
    const rows = await this.sql.all<{ hour: unknown; directive: string; cnt: unknown }>(Prisma.sql`
      SELECT d.hour AS hour, d.directive AS directive, SUM(d.count) AS cnt FROM "DirectiveHour" d
      WHERE ${Prisma.join(where, " AND ")}
      GROUP BY d.hour, d.directive
      ORDER BY d.hour ASC, ${this.sql.dialect.sortText(Prisma.sql`d.directive`)} ASC`);
    return toPoints(rows);
  }

  /**
   * The chart with the page filter: the matching pages' reports per UTC day and directive (GroupBreakdown keeps
   * them per day; a point's hour is its day's first), as the listing counts them (group-list.ts pageFiltered).
   */
  private async seriesOfPage(projectId: string, f: GroupFilter & { page: string }): Promise<SeriesPoint[]> {
    const d = this.sql.dialect;
    const rows = await this.sql.all<{ day: unknown; directive: string; cnt: unknown }>(Prisma.sql`
      SELECT b.day AS day, g.directive AS directive, SUM(b.count) AS cnt
      FROM "GroupBreakdown" b JOIN "ViolationGroup" g ON g.id = b."groupId"
      WHERE ${pageCountWhere(d, projectId, f)} AND ${groupWhere(d, projectId, f)}
      GROUP BY b.day, g.directive
      ORDER BY b.day ASC, ${d.sortText(Prisma.sql`g.directive`)} ASC`);
    return rows.map((r) => ({ hour: num(r.day) * DAY_MS, directive: r.directive, count: num(r.cnt) }));
  }

  /** One group with its samples (newest first), hourly series and per-tag breakdown in the window. */
  async getGroup(projectId: string, groupId: number, since: number, until: number) {
    const g = await this.prisma.violationGroup.findFirst({ where: { id: groupId, projectId } });
    if (!g) return null;
    const samples = await this.prisma.sample.findMany({
      where: { groupId },
      orderBy: { receivedAt: "desc" },
    });
    const hours = await this.sql.all<{
      hour: unknown;
      disposition: string;
      policyVersion: unknown;
      env: string;
      cnt: unknown;
    }>(Prisma.sql`
      SELECT hour, disposition, "policyVersion" AS "policyVersion", env, SUM(count) AS cnt FROM "GroupHour"
      WHERE "groupId" = ${groupId} AND hour >= ${hourOf(since)} AND hour <= ${hourOf(until)}
      GROUP BY hour, disposition, "policyVersion", env ORDER BY hour ASC`);
    const series = new Map<number, number>();
    // Null-prototype: env tags are client-chosen ("constructor" and "__proto__" pass the tag check).
    const byVersion = Object.create(null) as Record<string, number>;
    const byDisposition = Object.create(null) as Record<string, number>;
    const byEnv = Object.create(null) as Record<string, number>;
    let count = 0;
    for (const h of hours) {
      const c = num(h.cnt);
      count += c;
      const t = num(h.hour) * HOUR_MS;
      series.set(t, (series.get(t) ?? 0) + c);
      const v = String(num(h.policyVersion));
      byVersion[v] = (byVersion[v] ?? 0) + c;
      const d = h.disposition || "unknown";
      byDisposition[d] = (byDisposition[d] ?? 0) + c;
      const e = h.env || "";
      byEnv[e] = (byEnv[e] ?? 0) + c;
    }
    const breakdowns = await groupBreakdowns(this.sql, groupId, since, until, hours);
    return {
      group: toGroupRow(g, count),
      breakdowns,
      samples: samples.map(toSampleRow),
      series: [...series].map(([hour, c]) => ({ hour, count: c })),
      byVersion,
      byDisposition,
      byEnv,
    };
  }

  /**
   * Violations (noise excluded) and noise per hour in the window, from DirectiveHour: the rollup that moves with a
   * group when a change of ignore rules relabels it (reclassify.ts), so it agrees with the explorer's sums, where
   * the accepted/noise counters of ProjectHour keep what ingest saw. The one definition of "violations".
   */
  async violationHours(
    projectId: string,
    since: number,
    until: number,
  ): Promise<{ hour: number; violations: number; noise: number }[]> {
    const rows = await this.sql.all<{ hour: unknown; noisy: unknown; cnt: unknown }>(Prisma.sql`
      SELECT d.hour AS hour, CASE WHEN d.noise = '' THEN 0 ELSE 1 END AS noisy, SUM(d.count) AS cnt
      FROM "DirectiveHour" d
      WHERE d."projectId" = ${projectId} AND d.hour >= ${hourOf(since)} AND d.hour <= ${hourOf(until)}
      GROUP BY d.hour, CASE WHEN d.noise = '' THEN 0 ELSE 1 END ORDER BY d.hour ASC`);
    const out = new Map<number, { hour: number; violations: number; noise: number }>();
    for (const r of rows) {
      const hour = num(r.hour) * HOUR_MS;
      let h = out.get(hour);
      if (!h) out.set(hour, (h = { hour, violations: 0, noise: 0 }));
      if (num(r.noisy) === 0) h.violations += num(r.cnt);
      else h.noise += num(r.cnt);
    }
    return [...out.values()];
  }

  /** The group holding the test report whose blocked URL is `blockedUrl` (its sample), or null: not stored. */
  async testReportGroup(projectId: string, blockedUrl: string): Promise<number | null> {
    const [row] = await this.sql.all<{ id: unknown }>(Prisma.sql`
      SELECT g.id AS id FROM "ViolationGroup" g JOIN "Sample" s ON s."groupId" = g.id
      WHERE g."projectId" = ${projectId} AND g.noise = 'test-report' AND s."blockedUrl" = ${blockedUrl}
      LIMIT 1`);
    return row ? num(row.id) : null;
  }

  /** Per-kind project counters (accepted, noise, sampled, rejected:<reason>) in the window, and per hour. */
  async stats(projectId: string, since: number, until: number) {
    const rows = await this.prisma.projectHour.findMany({
      where: { projectId, hour: { gte: hourOf(since), lte: hourOf(until) } },
      orderBy: [{ hour: "asc" }, { kind: "asc" }],
    });
    const totals: Record<string, number> = {};
    const hourly = new Map<number, Record<string, number>>();
    for (const r of rows) {
      totals[r.kind] = (totals[r.kind] ?? 0) + r.count;
      const t = r.hour * HOUR_MS;
      const h = hourly.get(t) ?? {};
      h[r.kind] = (h[r.kind] ?? 0) + r.count;
      hourly.set(t, h);
    }
    return { totals, hourly: [...hourly].map(([hour, counts]) => ({ hour, counts })) };
  }
}
