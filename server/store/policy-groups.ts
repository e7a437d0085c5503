// The policy engine's group reader, on either engine: a project's non-noise groups with lifetime and recent
// counts, per-version counts and the samples the engine reads. The statements are shared (sql.ts); per-group reads
// (samples, an inline group's per-version counts) are index seeks per group on SQLite and one statement for all
// groups on PostgreSQL, where each statement is a round trip.
import { Prisma } from "../generated/prisma/client.ts";
import type { PolicyGroup } from "../policy/groups.ts";
import { needsAllSamples } from "../policy/sample-needs.ts";
import { HOUR_MS, hourOf, parseList } from "./aggregate.ts";
import { num as n, toPolicySample, type PolicySampleRow, type StoredSample } from "./rows.ts";
import { isSqliteReader, type SqliteReader, type SqlReader } from "./sql.ts";

/** What the policy engine needs per group: lifetime counts, recent count, counts per policy version, samples. */
export type PolicyGroupRow = PolicyGroup & {
  id: number;
  samples: PolicySampleRow[];
  countsByVersion: Record<number, number>;
  recentCount: number;
};

/** Samples per group loaded where the engine does not read them all: the evidence shows a few. */
export const POLICY_SAMPLES = 3;

type SampleColumns = Pick<
  StoredSample,
  "sample" | "documentUrl" | "blockedUrl" | "sourceFile" | "line" | "policyVersion"
>;

const SAMPLE_COLUMNS = Prisma.sql`sample, "documentUrl", "blockedUrl", "sourceFile", line, "policyVersion"`;

/** One group's samples, newest first; limit -1 = the whole ring. */
const sampleQuery = (groupId: number, limit: number) => Prisma.sql`
  SELECT ${SAMPLE_COLUMNS} FROM "Sample"
  WHERE "groupId" = ${groupId} ORDER BY "receivedAt" DESC, slot DESC ${limit < 0 ? Prisma.empty : Prisma.sql`LIMIT ${limit}`}`;

/**
 * The most recent samples of each group, newest first (all of the ring when limit is -1). SQLite: a prepared
 * statement per group (an index seek each); PostgreSQL: one statement numbering each group's samples.
 */
export async function samplesOf(
  sql: SqlReader,
  groupIds: readonly number[],
  limit: number,
): Promise<Map<number, PolicySampleRow[]>> {
  const out = new Map<number, PolicySampleRow[]>();
  if (groupIds.length === 0 || limit === 0) return out;
  if (isSqliteReader(sql)) {
    for (const id of groupIds)
      out.set(id, sql.allSync<SampleColumns>(sampleQuery(id, limit)).map(toPolicySample));
    return out;
  }
  const rows = await sql.all<SampleColumns & { groupId: unknown }>(Prisma.sql`
    SELECT "groupId", ${SAMPLE_COLUMNS} FROM (
      SELECT s.*, ROW_NUMBER() OVER (PARTITION BY "groupId" ORDER BY "receivedAt" DESC, slot DESC) AS rn
      FROM "Sample" s WHERE ${sql.dialect.inInts(Prisma.sql`"groupId"`, groupIds)}) x
    ${limit < 0 ? Prisma.empty : Prisma.sql`WHERE rn <= ${limit}`}
    ORDER BY "groupId", rn`);
  for (const id of groupIds) out.set(id, []);
  for (const r of rows) out.get(n(r.groupId))?.push(toPolicySample(r));
  return out;
}

/** The most recent samples of one group, newest first (all of the ring when limit is -1). */
export async function groupSamples(
  sql: SqlReader,
  groupId: number,
  limit: number,
): Promise<PolicySampleRow[]> {
  return (await samplesOf(sql, [groupId], limit)).get(groupId) ?? [];
}

/** A group's whole sample ring, newest first, read synchronously (SQLite: the policy cache's patches). */
export const ringSync = (sql: SqliteReader, groupId: number): PolicySampleRow[] =>
  sql.allSync<SampleColumns>(sampleQuery(groupId, -1)).map(toPolicySample);

/** Reports per policy version of each group (per-group seeks on SQLite, one statement on PostgreSQL). */
async function versionCounts(
  sql: SqlReader,
  groupIds: readonly number[],
): Promise<{ groupId: unknown; policyVersion: unknown; cnt: unknown }[]> {
  if (groupIds.length === 0) return [];
  const q = (where: Prisma.Sql) => Prisma.sql`
    SELECT "groupId" AS "groupId", "policyVersion" AS "policyVersion", SUM(count) AS cnt FROM "GroupHour"
    WHERE ${where} GROUP BY "groupId", "policyVersion"`;
  if (isSqliteReader(sql)) {
    return groupIds.flatMap((id) =>
      sql.allSync<{ groupId: unknown; policyVersion: unknown; cnt: unknown }>(
        q(Prisma.sql`"groupId" = ${id}`),
      ),
    );
  }
  return sql.all(q(sql.dialect.inInts(Prisma.sql`"groupId"`, groupIds)));
}

/**
 * Non-noise groups of a project shaped for the policy engine. On SQLite, better-sqlite3's prepared statements
 * (Prisma's row mapping cost ~10× more at 20,000 groups) and per-group index seeks for samples and per-version
 * counts, so the cost follows the number of groups, not of samples or hourly rows.
 */
export async function policyGroups(
  sql: SqlReader,
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
): Promise<PolicyGroupRow[]> {
  const groups = await sql.all<{
    id: unknown;
    directive: string;
    blocked: string;
    count: unknown;
    pages: string;
    firstSeen: unknown;
    lastSeen: unknown;
  }>(Prisma.sql`
    SELECT id, directive, blocked, count, pages, "firstSeen" AS "firstSeen", "lastSeen" AS "lastSeen"
    FROM "ViolationGroup" WHERE "projectId" = ${projectId} AND noise = '' ORDER BY id`);
  if (groups.length === 0) return [];
  const recentFrom = hourOf(opts.now - opts.recentDays * 86_400_000);
  const byId = new Map<number, PolicyGroupRow>();
  const few = opts.samplesPerGroup ?? POLICY_SAMPLES;
  const needsAll = opts.needsAll ?? ((d: string, b: string) => needsAllSamples(d, b));
  const allIds: number[] = [];
  const fewIds: number[] = [];
  const inlineIds: number[] = [];
  const out = groups.map((g) => {
    const id = n(g.id);
    if (needsAll(g.directive, g.blocked)) allIds.push(id);
    else fewIds.push(id);
    // Per-version counts: all of them for version comparison, only the inline groups' for the builder.
    if (opts.versions !== "all" && g.blocked === "inline") inlineIds.push(id);
    const row: PolicyGroupRow = {
      id,
      directive: g.directive,
      blocked: g.blocked,
      count: n(g.count),
      pages: parseList(g.pages),
      firstSeen: n(g.firstSeen),
      lastSeen: n(g.lastSeen),
      samples: [],
      countsByVersion: {},
      recentCount: 0,
    };
    byId.set(id, row);
    return row;
  });
  for (const [id, samples] of await samplesOf(sql, allIds, -1)) byId.get(id)!.samples = samples;
  for (const [id, samples] of await samplesOf(sql, fewIds, few)) byId.get(id)!.samples = samples;
  const perVersion =
    opts.versions === "all"
      ? await sql.all<{ groupId: unknown; policyVersion: unknown; cnt: unknown }>(Prisma.sql`
          SELECT "groupId" AS "groupId", "policyVersion" AS "policyVersion", SUM(count) AS cnt FROM "GroupHour"
          WHERE "projectId" = ${projectId} GROUP BY "groupId", "policyVersion"`)
      : await versionCounts(sql, inlineIds);
  for (const r of perVersion) {
    const g = byId.get(n(r.groupId));
    if (g) g.countsByVersion[n(r.policyVersion)] = n(r.cnt);
  }
  // Lifetime count minus the running total before the window (exact: the writer keeps ViolationGroup.count,
  // GroupHour and GroupRunning in one transaction).
  const recent = await sql.all<{ groupId: unknown; recent: unknown }>(Prisma.sql`
    SELECT g.id AS "groupId",
      g.count - coalesce((SELECT r.total FROM "GroupRunning" r WHERE r."groupId" = g.id AND r.hour < ${recentFrom}
        ORDER BY r.hour DESC LIMIT 1), 0) AS recent
    FROM "ViolationGroup" g WHERE g."projectId" = ${projectId} AND g.noise = '' AND g."lastSeen" >= ${recentFrom * HOUR_MS}`);
  for (const r of recent) {
    const g = byId.get(n(r.groupId));
    if (g) g.recentCount = n(r.recent);
  }
  return out;
}
