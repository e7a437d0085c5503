// Read queries over aggregated violations. Aggregations use $queryRaw with Prisma.sql (parameterized, never
// string-built): Prisma's groupBy cannot join GroupHour to ViolationGroup and sum in one statement.
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
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
};

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

function where(projectId: string, f: GroupFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [
    Prisma.sql`h.projectId = ${projectId}`,
    Prisma.sql`h.hour >= ${hourOf(f.since)}`,
    Prisma.sql`h.hour <= ${hourOf(f.until)}`,
  ];
  if (f.directive) parts.push(Prisma.sql`g.directive = ${f.directive}`);
  if (f.noise === "exclude") parts.push(Prisma.sql`g.noise = ''`);
  if (f.noise === "only") parts.push(Prisma.sql`g.noise <> ''`);
  if (f.disposition !== undefined) parts.push(Prisma.sql`h.disposition = ${f.disposition}`);
  if (f.policyVersion !== undefined) parts.push(Prisma.sql`h.policyVersion = ${f.policyVersion}`);
  if (f.env !== undefined) parts.push(Prisma.sql`h.env = ${f.env}`);
  if (f.page) parts.push(Prisma.sql`g.pages LIKE ${likeArg(f.page)} ESCAPE '\\'`);
  if (f.text) {
    const t = likeArg(f.text);
    parts.push(Prisma.sql`(g.blocked LIKE ${t} ESCAPE '\\' OR g.directive LIKE ${t} ESCAPE '\\')`);
  }
  return Prisma.join(parts, " AND ");
}

const SORT_SQL: Record<GroupSort, Prisma.Sql> = {
  count: Prisma.sql`cnt`,
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

export class ViolationStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Groups with their count in the window, filtered, sorted and paginated; plus totals over the whole filter. */
  async listGroups(
    projectId: string,
    f: GroupFilter,
  ): Promise<{
    groups: GroupRow[];
    totals: { groups: number; reports: number; byDirective: Record<string, number> };
  }> {
    const w = where(projectId, f);
    const sort = SORT_SQL[f.sort ?? "count"];
    const dir = f.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
    const rows = await this.prisma.$queryRaw<RawGroup[]>`
      SELECT g.id, g.directive, g.blocked, g.noise, SUM(h.count) AS cnt, g.count AS total, g.firstSeen, g.lastSeen,
             g.pages, g.browsers
      FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
      WHERE ${w}
      GROUP BY h.groupId
      ORDER BY ${sort} ${dir}, g.id ASC
      LIMIT ${f.limit ?? 100} OFFSET ${f.offset ?? 0}`;
    const byDir = await this.prisma.$queryRaw<{ directive: string; cnt: unknown; groups: unknown }[]>`
      SELECT g.directive, SUM(h.count) AS cnt, COUNT(DISTINCT h.groupId) AS groups
      FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
      WHERE ${w}
      GROUP BY g.directive`;
    const byDirective: Record<string, number> = {};
    let reports = 0;
    let groups = 0;
    for (const r of byDir) {
      byDirective[r.directive] = n(r.cnt);
      reports += n(r.cnt);
      groups += n(r.groups);
    }
    return { groups: rows.map(toGroup), totals: { groups, reports, byDirective } };
  }

  /** Reports per hour per directive in the window (the over-time chart). */
  async series(
    projectId: string,
    f: GroupFilter,
  ): Promise<{ hour: number; directive: string; count: number }[]> {
    const rows = await this.prisma.$queryRaw<{ hour: unknown; directive: string; cnt: unknown }[]>`
      SELECT h.hour AS hour, g.directive AS directive, SUM(h.count) AS cnt
      FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
      WHERE ${where(projectId, f)}
      GROUP BY h.hour, g.directive
      ORDER BY h.hour ASC, g.directive ASC`;
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
    const byVersion: Record<string, number> = {};
    const byDisposition: Record<string, number> = {};
    const byEnv: Record<string, number> = {};
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
export type PolicyGroupRow = {
  id: number;
  directive: string;
  blocked: string;
  count: number;
  pages: string[];
  firstSeen: number;
  lastSeen: number;
  samples: {
    sample: string;
    documentUrl: string;
    blockedUrl: string;
    sourceFile: string;
    line: number | null;
    policyVersion: number | null;
  }[];
  countsByVersion: Record<number, number>;
  recentCount: number;
};

/** Non-noise groups of a project shaped for the policy engine (3 queries, whatever the number of groups). */
export async function policyGroups(
  prisma: PrismaClient,
  projectId: string,
  opts: { now: number; recentDays: number; samplesPerGroup?: number },
): Promise<PolicyGroupRow[]> {
  const groups = await prisma.violationGroup.findMany({
    where: { projectId, noise: "" },
    orderBy: { id: "asc" },
  });
  if (groups.length === 0) return [];
  const recentFrom = hourOf(opts.now - opts.recentDays * 86_400_000);
  const perVersion = await prisma.$queryRaw<
    { groupId: unknown; policyVersion: unknown; cnt: unknown; recent: unknown }[]
  >`
    SELECT h.groupId AS groupId, h.policyVersion AS policyVersion, SUM(h.count) AS cnt,
           SUM(CASE WHEN h.hour >= ${recentFrom} THEN h.count ELSE 0 END) AS recent
    FROM GroupHour h JOIN ViolationGroup g ON g.id = h.groupId
    WHERE h.projectId = ${projectId} AND g.noise = ''
    GROUP BY h.groupId, h.policyVersion`;
  const samples = await prisma.$queryRaw<
    {
      groupId: unknown;
      sample: string;
      documentUrl: string;
      blockedUrl: string;
      sourceFile: string;
      line: unknown;
      policyVersion: unknown;
    }[]
  >`
    SELECT groupId, sample, documentUrl, blockedUrl, sourceFile, line, policyVersion FROM (
      SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.groupId ORDER BY s.receivedAt DESC, s.slot DESC) AS rn
      FROM Sample s JOIN ViolationGroup g ON g.id = s.groupId
      WHERE g.projectId = ${projectId} AND g.noise = ''
    ) WHERE rn <= ${opts.samplesPerGroup ?? 20}`;
  const byId = new Map<number, PolicyGroupRow>();
  const out = groups.map((g) => {
    const row: PolicyGroupRow = {
      id: g.id,
      directive: g.directive,
      blocked: g.blocked,
      count: n(g.count),
      pages: list(g.pages),
      firstSeen: n(g.firstSeen),
      lastSeen: n(g.lastSeen),
      samples: [],
      countsByVersion: {},
      recentCount: 0,
    };
    byId.set(g.id, row);
    return row;
  });
  for (const r of perVersion) {
    const g = byId.get(n(r.groupId));
    if (!g) continue;
    g.countsByVersion[n(r.policyVersion)] = n(r.cnt);
    g.recentCount += n(r.recent);
  }
  for (const s of samples) {
    byId.get(n(s.groupId))?.samples.push({
      sample: s.sample,
      documentUrl: s.documentUrl,
      blockedUrl: s.blockedUrl,
      sourceFile: s.sourceFile,
      line: s.line === null ? null : n(s.line),
      policyVersion: s.policyVersion === null ? null : n(s.policyVersion),
    });
  }
  return out;
}
