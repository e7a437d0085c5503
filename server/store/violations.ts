// Read queries over aggregated violations. Aggregations use $queryRaw with Prisma.sql (parameterized, never
// string-built): Prisma's groupBy cannot join GroupHour to ViolationGroup and sum in one statement.
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { PolicyGroup, PolicySample } from "../policy/groups.ts";
import { needsAllSamples } from "../policy/sample-needs.ts";
import { HOUR_MS } from "./writer.ts";

export const NOISE_FILTERS = ["include", "exclude", "only"] as const;
export type NoiseFilter = (typeof NOISE_FILTERS)[number];
export const GROUP_SORTS = ["count", "lastSeen", "firstSeen", "directive", "blocked"] as const;
export type GroupSort = (typeof GROUP_SORTS)[number];

export type GroupFilter = {
  since: number; // epoch ms
  until: number; // epoch ms
  directive?: string;
  noise: NoiseFilter;
  disposition?: string;
  policyVersion?: number;
  env?: string;
  /** Substring of one of the group's recorded pages. */
  page?: string;
  /** Substring of directive or blocked. */
  text?: string;
  sort?: GroupSort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
};

export type GroupRow = {
  id: number;
  directive: string;
  blocked: string;
  noise: string | null;
  count: number;
  total: number;
  firstSeen: number;
  lastSeen: number;
  pages: string[];
  browsers: string[];
  /** Reports per equal slice of the listing's window, oldest first (set by listGroups). */
  trend?: number[];
};

/** Slices of a listing's window in each group's trend. */
export const TREND_BUCKETS = 24;

export type SampleRow = {
  receivedAt: number;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: number | null;
  column: number | null;
  sample: string;
  statusCode: number | null;
  browser: string;
  disposition: string | null;
  policyVersion: number | null;
  env: string;
};

const n = (v: unknown): number =>
  typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(v ?? 0);
const list = (json: unknown): string[] => {
  try {
    const v: unknown = JSON.parse(String(json));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
};
/** Escape LIKE wildcards so user text matches literally. */
const likeArg = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/**
 * The window's conditions on GroupHour rows (alias h). Queries aggregate these rows first and join the (far
 * fewer) per-group sums to ViolationGroup: joining every hourly row was 10x slower at 10 million reports
 * (bench/results/latest.md), and the covering index GroupHour(projectId, hour, groupId, count) serves the scan.
 */
function hourWhere(projectId: string, f: GroupFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [
    Prisma.sql`h.projectId = ${projectId}`,
    Prisma.sql`h.hour >= ${hourOf(f.since)}`,
    Prisma.sql`h.hour <= ${hourOf(f.until)}`,
  ];
  if (f.disposition !== undefined) parts.push(Prisma.sql`h.disposition = ${f.disposition}`);
  if (f.policyVersion !== undefined) parts.push(Prisma.sql`h.policyVersion = ${f.policyVersion}`);
  if (f.env !== undefined) parts.push(Prisma.sql`h.env = ${f.env}`);
  return Prisma.join(parts, " AND ");
}

/**
 * The filter's conditions on the group itself (alias g). Joined to GroupHour sums, which are already scoped to
 * the project, the project condition is left out (scoped = false): SQLite would otherwise start from every group
 * of the project instead of from the window's sums.
 */
function groupWhere(projectId: string, f: GroupFilter, scoped = true): Prisma.Sql {
  const parts: Prisma.Sql[] = [scoped ? Prisma.sql`g.projectId = ${projectId}` : Prisma.sql`1 = 1`];
  if (f.directive) parts.push(Prisma.sql`g.directive = ${f.directive}`);
  if (f.noise === "exclude") parts.push(Prisma.sql`g.noise = ''`);
  if (f.noise === "only") parts.push(Prisma.sql`g.noise <> ''`);
  if (f.page) parts.push(Prisma.sql`g.pages LIKE ${likeArg(f.page)} ESCAPE '\\'`);
  if (f.text) {
    const t = likeArg(f.text);
    parts.push(Prisma.sql`(g.blocked LIKE ${t} ESCAPE '\\' OR g.directive LIKE ${t} ESCAPE '\\')`);
  }
  return Prisma.join(parts, " AND ");
}

const SORT_SQL: Record<GroupSort, Prisma.Sql> = {
  count: Prisma.sql`a.cnt`,
  lastSeen: Prisma.sql`g.lastSeen`,
  firstSeen: Prisma.sql`g.firstSeen`,
  directive: Prisma.sql`g.directive`,
  blocked: Prisma.sql`g.blocked`,
};

type RawGroup = {
  id: unknown;
  directive: string;
  blocked: string;
  noise: string;
  cnt: unknown;
  total: unknown;
  firstSeen: unknown;
  lastSeen: unknown;
  pages: unknown;
  browsers: unknown;
};

const toGroup = (r: RawGroup): GroupRow => ({
  id: n(r.id),
  directive: r.directive,
  blocked: r.blocked,
  noise: r.noise === "" ? null : r.noise,
  count: n(r.cnt),
  total: n(r.total),
  firstSeen: n(r.firstSeen),
  lastSeen: n(r.lastSeen),
  pages: list(r.pages),
  browsers: list(r.browsers),
});

/**
 * Whether a filter can be answered from the rollups (DirectiveHour, GroupRunning), which count every tag
 * combination together: not when it selects a disposition, policy version or environment.
 */
export const tagFree = (f: GroupFilter): boolean =>
  f.disposition === undefined && f.policyVersion === undefined && f.env === undefined;

/**
 * Windows longer than this are counted from GroupRunning (cost ~ groups seen in the window), shorter ones from
 * GroupHour (cost ~ hourly rows in the window). At 10 million reports over 20,000 groups (bench): 24 h from
 * GroupHour 31 ms vs ~90 ms from GroupRunning; 30 days 0.9 s vs 25-85 ms. Both are exact; this only picks the
 * cheaper one.
 */
const RUNNING_MIN_HOURS = 72;

export type ViolationStoreOptions = {
  /** Answer from the rollups when the filter allows (default true); false always sums GroupHour rows. */
  rollups?: boolean;
};

export class ViolationStore {
  private readonly rollups: boolean;

  constructor(
    private readonly prisma: PrismaClient,
    opts: ViolationStoreOptions = {},
  ) {
    this.rollups = opts.rollups ?? true;
  }

  /** Groups with their count in the window, filtered, sorted and paginated; plus totals over the whole filter. */
  async listGroups(
    projectId: string,
    f: GroupFilter,
  ): Promise<{
    groups: GroupRow[];
    totals: { groups: number; reports: number; byDirective: Record<string, number> };
  }> {
    const sort = SORT_SQL[f.sort ?? "count"];
    const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
    const first = hourOf(f.since);
    const last = hourOf(f.until);
    const running = this.rollups && tagFree(f) && last - first + 1 > RUNNING_MIN_HOURS;
    // The window's count per group (a) and the matching groups (j). From GroupRunning: two lookups per group
    // seen in the window whatever its length, fewer when the window starts before the group's first report
    // (the total before it is 0) or ends after its last one (the total up to it is the group's count, which the
    // writer updates with GroupHour in the same transaction). From GroupHour: a scan of every hourly row in it.
    const aj = running
      ? Prisma.sql`
      a AS MATERIALIZED (
        SELECT g.id AS groupId,
          CASE WHEN g.lastSeen < ${(last + 1) * HOUR_MS} THEN g.count ELSE coalesce((SELECT r.total FROM GroupRunning r
            WHERE r.groupId = g.id AND r.hour <= ${last} ORDER BY r.hour DESC LIMIT 1), 0) END
          - CASE WHEN g.firstSeen >= ${first * HOUR_MS} THEN 0 ELSE coalesce((SELECT r.total FROM GroupRunning r
            WHERE r.groupId = g.id AND r.hour < ${first} ORDER BY r.hour DESC LIMIT 1), 0) END AS cnt
        FROM ViolationGroup g
        WHERE ${groupWhere(projectId, f)} AND g.lastSeen >= ${first * HOUR_MS}
          AND g.firstSeen < ${(last + 1) * HOUR_MS}),
      j AS MATERIALIZED (
        SELECT g.id AS id, g.directive AS directive, a.cnt AS cnt, ${sort} AS sk
        FROM a JOIN ViolationGroup g ON g.id = a.groupId WHERE a.cnt > 0)`
      : Prisma.sql`
      a AS MATERIALIZED (
        SELECT h.groupId AS groupId, SUM(h.count) AS cnt FROM GroupHour h
        WHERE ${hourWhere(projectId, f)} GROUP BY h.groupId),
      j AS MATERIALIZED (
        SELECT g.id AS id, g.directive AS directive, a.cnt AS cnt, ${sort} AS sk
        FROM a JOIN ViolationGroup g ON g.id = a.groupId WHERE ${groupWhere(projectId, f, false)})`;
    // One statement for the page and the per-directive totals: the window is aggregated once (a), the matching
    // groups kept narrow (j: id, directive, count, sort key), and only the page's groups read in full.
    // Page rows come back with kind 0 and their rank, totals with kind 1.
    const both = await this.prisma.$queryRaw<(RawGroup & { kind: unknown; rn: unknown; groups: unknown })[]>`
      WITH ${aj},
      top AS (
        SELECT id, cnt, ROW_NUMBER() OVER (ORDER BY sk ${dir}, id ASC) AS rn FROM j
        ORDER BY sk ${dir}, id ASC LIMIT ${f.limit ?? 100} OFFSET ${f.offset ?? 0})
      SELECT 0 AS kind, top.rn AS rn, g.id AS id, g.directive AS directive, g.blocked AS blocked, g.noise AS noise,
             top.cnt AS cnt, g.count AS total, g.firstSeen AS firstSeen, g.lastSeen AS lastSeen, g.pages AS pages,
             g.browsers AS browsers, 0 AS groups
      FROM top JOIN ViolationGroup g ON g.id = top.id
      UNION ALL
      SELECT 1, NULL, NULL, directive, NULL, NULL, SUM(cnt), NULL, NULL, NULL, NULL, NULL, COUNT(*)
      FROM j GROUP BY directive`;
    const byDirective = Object.create(null) as Record<string, number>; // keyed by report data
    let reports = 0;
    let groups = 0;
    const rows: (RawGroup & { rn: unknown })[] = [];
    for (const r of both) {
      if (n(r.kind) === 0) {
        rows.push(r);
        continue;
      }
      byDirective[r.directive] = n(r.cnt);
      reports += n(r.cnt);
      groups += n(r.groups);
    }
    rows.sort((x, y) => n(x.rn) - n(y.rn));
    const page = rows.map(toGroup);
    await this.addTrends(page, f);
    return { groups: page, totals: { groups, reports, byDirective } };
  }

  /** Fill each listed group's trend: its reports in TREND_BUCKETS equal slices of the window (one query). */
  private async addTrends(groups: GroupRow[], f: GroupFilter): Promise<void> {
    if (groups.length === 0) return;
    const first = hourOf(f.since);
    const last = hourOf(f.until);
    const buckets = Math.min(TREND_BUCKETS, last - first + 1);
    const byId = new Map(groups.map((g) => [g.id, g]));
    for (const g of groups) g.trend = new Array<number>(buckets).fill(0);
    const span = last - first + 1;
    const bucketOf = (hour: number) => Math.min(buckets - 1, Math.floor(((hour - first) / span) * buckets));
    if (this.rollups && tagFree(f)) {
      // Each bucket is the difference of the group's running totals at its ends: 25 lookups per group instead of
      // every hourly row of the window (72,000 rows for a page of busy groups over 30 days: 170-270 ms).
      // ends[i] = the last hour before bucket i (ends[buckets] = the window's last hour), with bucketOf's rounding.
      const ends = new Array<number>(buckets + 1).fill(last);
      let next = 0;
      for (let hour = first; hour <= last && next < buckets; hour++) {
        while (next < buckets && bucketOf(hour) >= next) ends[next++] = hour - 1;
      }
      const rows = await this.prisma.$queryRaw<{ groupId: unknown; i: unknown; total: unknown }[]>`
        SELECT gi.value AS groupId, b.key AS i, coalesce((SELECT r.total FROM GroupRunning r
          WHERE r.groupId = gi.value AND r.hour <= b.value ORDER BY r.hour DESC LIMIT 1), 0) AS total
        FROM json_each(${JSON.stringify(groups.map((g) => g.id))}) gi, json_each(${JSON.stringify(ends)}) b`;
      const totals = new Map<number, number[]>();
      for (const r of rows) {
        const t = totals.get(n(r.groupId)) ?? new Array<number>(buckets + 1).fill(0);
        t[n(r.i)] = n(r.total);
        totals.set(n(r.groupId), t);
      }
      for (const g of groups) {
        const t = totals.get(g.id);
        if (t) g.trend = g.trend!.map((_, i) => t[i + 1]! - t[i]!);
      }
      return;
    }
    const tags: Prisma.Sql[] = [];
    if (f.disposition !== undefined) tags.push(Prisma.sql`AND disposition = ${f.disposition}`);
    if (f.policyVersion !== undefined) tags.push(Prisma.sql`AND policyVersion = ${f.policyVersion}`);
    if (f.env !== undefined) tags.push(Prisma.sql`AND env = ${f.env}`);
    const rows = await this.prisma.$queryRaw<{ groupId: unknown; hour: unknown; cnt: unknown }[]>`
      SELECT groupId, hour, SUM(count) AS cnt FROM GroupHour
      WHERE groupId IN (${Prisma.join(groups.map((g) => g.id))}) AND hour >= ${first} AND hour <= ${last}
      ${tags.length > 0 ? Prisma.join(tags, " ") : Prisma.empty}
      GROUP BY groupId, hour`;
    for (const r of rows) {
      const trend = byId.get(n(r.groupId))?.trend;
      if (!trend) continue;
      const i = bucketOf(n(r.hour));
      trend[i] = (trend[i] ?? 0) + n(r.cnt);
    }
  }

  /** Reports per hour per directive in the window (the over-time chart). */
  async series(
    projectId: string,
    f: GroupFilter,
  ): Promise<{ hour: number; directive: string; count: number }[]> {
    if (this.rollups && tagFree(f) && !f.page && !f.text) return this.seriesFromRollup(projectId, f);
    // The matching groups are materialized first (id, directive): SQLite then joins every hourly row against a
    // small automatic index instead of ViolationGroup's wide rows (5x faster at 10 million reports).
    const rows = await this.prisma.$queryRaw<{ hour: unknown; directive: string; cnt: unknown }[]>`
      WITH m AS MATERIALIZED (SELECT g.id AS id, g.directive AS directive FROM ViolationGroup g WHERE ${groupWhere(projectId, f)})
      SELECT h.hour AS hour, m.directive AS directive, SUM(h.count) AS cnt
      FROM GroupHour h JOIN m ON m.id = h.groupId
      WHERE ${hourWhere(projectId, f)}
      GROUP BY h.hour, m.directive
      ORDER BY h.hour ASC, m.directive ASC`;
    return rows.map((r) => ({ hour: n(r.hour) * HOUR_MS, directive: r.directive, count: n(r.cnt) }));
  }

  /**
   * The chart from DirectiveHour: one row per hour, directive and noise reason instead of one per group, hour and
   * tags (~1,000 rows instead of 2.6 million over 30 days at the benchmark's scale). Same answer as the GroupHour
   * query for filters on directive and noise only, which are attributes of the rollup's rows.
   */
  private async seriesFromRollup(
    projectId: string,
    f: GroupFilter,
  ): Promise<{ hour: number; directive: string; count: number }[]> {
    const parts: Prisma.Sql[] = [
      Prisma.sql`projectId = ${projectId}`,
      Prisma.sql`hour >= ${hourOf(f.since)}`,
      Prisma.sql`hour <= ${hourOf(f.until)}`,
    ];
    if (f.directive) parts.push(Prisma.sql`directive = ${f.directive}`);
    if (f.noise === "exclude") parts.push(Prisma.sql`noise = ''`);
    if (f.noise === "only") parts.push(Prisma.sql`noise <> ''`);
    const rows = await this.prisma.$queryRaw<{ hour: unknown; directive: string; cnt: unknown }[]>`
      SELECT hour, directive, SUM(count) AS cnt FROM DirectiveHour
      WHERE ${Prisma.join(parts, " AND ")}
      GROUP BY hour, directive
      ORDER BY hour ASC, directive ASC`;
    return rows.map((r) => ({ hour: n(r.hour) * HOUR_MS, directive: r.directive, count: n(r.cnt) }));
  }

  /** One group with its samples (newest first), hourly series and per-tag breakdown in the window. */
  async getGroup(projectId: string, groupId: number, since: number, until: number) {
    const g = await this.prisma.violationGroup.findFirst({ where: { id: groupId, projectId } });
    if (!g) return null;
    const samples = await this.prisma.sample.findMany({
      where: { groupId },
      orderBy: { receivedAt: "desc" },
    });
    const hours = await this.prisma.$queryRaw<
      { hour: unknown; disposition: string; policyVersion: unknown; env: string; cnt: unknown }[]
    >`
      SELECT hour, disposition, policyVersion, env, SUM(count) AS cnt FROM GroupHour
      WHERE groupId = ${groupId} AND hour >= ${hourOf(since)} AND hour <= ${hourOf(until)}
      GROUP BY hour, disposition, policyVersion, env ORDER BY hour ASC`;
    const series = new Map<number, number>();
    // Null-prototype: env tags are client-chosen ("constructor" and "__proto__" pass the tag check).
    const byVersion = Object.create(null) as Record<string, number>;
    const byDisposition = Object.create(null) as Record<string, number>;
    const byEnv = Object.create(null) as Record<string, number>;
    let count = 0;
    for (const h of hours) {
      const c = n(h.cnt);
      count += c;
      const t = n(h.hour) * HOUR_MS;
      series.set(t, (series.get(t) ?? 0) + c);
      const v = String(n(h.policyVersion));
      byVersion[v] = (byVersion[v] ?? 0) + c;
      const d = h.disposition || "unknown";
      byDisposition[d] = (byDisposition[d] ?? 0) + c;
      const e = h.env || "";
      byEnv[e] = (byEnv[e] ?? 0) + c;
    }
    return {
      group: {
        id: g.id,
        directive: g.directive,
        blocked: g.blocked,
        noise: g.noise === "" ? null : g.noise,
        count,
        total: n(g.count),
        firstSeen: n(g.firstSeen),
        lastSeen: n(g.lastSeen),
        pages: list(g.pages),
        browsers: list(g.browsers),
      },
      samples: samples.map((s): SampleRow => ({
        receivedAt: n(s.receivedAt),
        documentUrl: s.documentUrl,
        blockedUrl: s.blockedUrl,
        sourceFile: s.sourceFile,
        line: s.line,
        column: s.column,
        sample: s.sample,
        statusCode: s.statusCode,
        browser: s.browser,
        disposition: s.disposition === "" ? null : s.disposition,
        policyVersion: s.policyVersion,
        env: s.env,
      })),
      series: [...series].map(([hour, c]) => ({ hour, count: c })),
      byVersion,
      byDisposition,
      byEnv,
    };
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

  /** All groups of a project with lifetime counts and recent samples: the policy builder's input. */
  async allGroups(projectId: string, opts: { includeNoise?: boolean; since?: number } = {}) {
    const groups = await this.prisma.violationGroup.findMany({
      where: {
        projectId,
        ...(opts.includeNoise ? {} : { noise: "" }),
        ...(opts.since !== undefined ? { lastSeen: { gte: BigInt(opts.since) } } : {}),
      },
      orderBy: { id: "asc" },
    });
    return groups.map((g) => ({
      id: g.id,
      directive: g.directive,
      blocked: g.blocked,
      noise: g.noise === "" ? null : g.noise,
      count: n(g.count),
      firstSeen: n(g.firstSeen),
      lastSeen: n(g.lastSeen),
      pages: list(g.pages),
      browsers: list(g.browsers),
    }));
  }
}

/** What the policy engine needs per group: lifetime counts, recent count, counts per policy version, samples. */
export type PolicyGroupRow = PolicyGroup & {
  id: number;
  samples: (PolicySample & { policyVersion: number | null })[];
  countsByVersion: Record<number, number>;
  recentCount: number;
};

/** Samples per group loaded where the engine does not read them all: the evidence shows a few. */
export const POLICY_SAMPLES = 3;

type PolicySampleRow = PolicyGroupRow["samples"][number];

function readSamples(stmt: Statement, groupId: number, limit: number): PolicySampleRow[] {
  return (
    stmt.all(groupId, limit) as {
      sample: string;
      documentUrl: string;
      blockedUrl: string;
      sourceFile: string;
      line: unknown;
      policyVersion: unknown;
    }[]
  ).map((x) => ({
    sample: x.sample,
    documentUrl: x.documentUrl,
    blockedUrl: x.blockedUrl,
    sourceFile: x.sourceFile,
    line: x.line === null ? null : n(x.line),
    policyVersion: x.policyVersion === null ? null : n(x.policyVersion),
  }));
}

/** The most recent samples of one group, newest first (all of the ring when limit is -1). */
export function groupSamples(raw: Database.Database, groupId: number, limit: number): PolicySampleRow[] {
  return readSamples(policyStatements(raw).samples, groupId, limit);
}

type PolicyStatements = {
  groups: Statement;
  recent: Statement;
  samples: Statement;
  perVersionAll: Statement;
  perVersionOne: Statement;
};
const STATEMENTS = new WeakMap<Database.Database, PolicyStatements>();

function policyStatements(raw: Database.Database): PolicyStatements {
  let s = STATEMENTS.get(raw);
  if (!s) {
    s = {
      groups: raw.prepare(
        `SELECT id, directive, blocked, count, pages, firstSeen, lastSeen FROM ViolationGroup
         WHERE projectId = ? AND noise = '' ORDER BY id`,
      ),
      // Lifetime count minus the running total before the window (exact: the writer keeps ViolationGroup.count,
      // GroupHour and GroupRunning in one transaction).
      recent: raw.prepare(
        `SELECT g.id AS groupId,
           g.count - coalesce((SELECT r.total FROM GroupRunning r WHERE r.groupId = g.id AND r.hour < ?
             ORDER BY r.hour DESC LIMIT 1), 0) AS recent
         FROM ViolationGroup g WHERE g.projectId = ? AND g.noise = '' AND g.lastSeen >= ?`,
      ),
      samples: raw.prepare(
        `SELECT sample, documentUrl, blockedUrl, sourceFile, line, policyVersion FROM Sample
         WHERE groupId = ? ORDER BY receivedAt DESC, slot DESC LIMIT ?`,
      ),
      perVersionAll: raw.prepare(
        `SELECT groupId, policyVersion, SUM(count) AS cnt FROM GroupHour WHERE projectId = ?
         GROUP BY groupId, policyVersion`,
      ),
      perVersionOne: raw.prepare(
        `SELECT policyVersion, SUM(count) AS cnt FROM GroupHour WHERE groupId = ? GROUP BY policyVersion`,
      ),
    };
    STATEMENTS.set(raw, s);
  }
  return s;
}

/**
 * Non-noise groups of a project shaped for the policy engine. Read with better-sqlite3's prepared statements on the
 * raw handle (Prisma's row mapping cost ~10× more at 20,000 groups) and per-group index seeks for samples and
 * per-version counts, so the cost follows the number of groups, not of samples or hourly rows.
 */
export function policyGroups(
  raw: Database.Database,
  projectId: string,
  opts: {
    now: number;
    recentDays: number;
    /** Samples per group where the engine does not need them all (default POLICY_SAMPLES). */
    samplesPerGroup?: number;
    /** Groups whose whole sample ring is loaded (default: needsAllSamples without path sources). */
    needsAll?: (directive: string, blocked: string) => boolean;
    /** Per-version counts for every group ("all", version comparison) or only for inline groups ("inline",
     *  the builder: only hash verification reads them). */
    versions?: "all" | "inline";
  },
): PolicyGroupRow[] {
  const s = policyStatements(raw);
  const groups = s.groups.all(projectId) as {
    id: number;
    directive: string;
    blocked: string;
    count: unknown;
    pages: string;
    firstSeen: unknown;
    lastSeen: unknown;
  }[];
  if (groups.length === 0) return [];
  const recentFrom = hourOf(opts.now - opts.recentDays * 86_400_000);
  const byId = new Map<number, PolicyGroupRow>();
  const few = opts.samplesPerGroup ?? POLICY_SAMPLES;
  const needsAll = opts.needsAll ?? ((d: string, b: string) => needsAllSamples(d, b));
  const out = groups.map((g) => {
    const all = needsAll(g.directive, g.blocked);
    const samples = all || few > 0 ? readSamples(s.samples, g.id, all ? -1 : few) : [];
    const row: PolicyGroupRow = {
      id: g.id,
      directive: g.directive,
      blocked: g.blocked,
      count: n(g.count),
      pages: list(g.pages),
      firstSeen: n(g.firstSeen),
      lastSeen: n(g.lastSeen),
      samples,
      countsByVersion: {},
      recentCount: 0,
    };
    // Per-version counts: all of them for version comparison, only the inline groups' for the builder.
    if (opts.versions !== "all" && g.blocked === "inline") {
      for (const r of s.perVersionOne.all(g.id) as { policyVersion: unknown; cnt: unknown }[])
        row.countsByVersion[n(r.policyVersion)] = n(r.cnt);
    }
    byId.set(g.id, row);
    return row;
  });
  if (opts.versions === "all") {
    for (const r of s.perVersionAll.all(projectId) as {
      groupId: unknown;
      policyVersion: unknown;
      cnt: unknown;
    }[]) {
      const g = byId.get(n(r.groupId));
      if (g) g.countsByVersion[n(r.policyVersion)] = n(r.cnt);
    }
  }
  for (const r of s.recent.all(recentFrom, projectId, recentFrom * HOUR_MS) as {
    groupId: unknown;
    recent: unknown;
  }[]) {
    const g = byId.get(n(r.groupId));
    if (g) g.recentCount = n(r.recent);
  }
  return out;
}
