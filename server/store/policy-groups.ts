// The policy engine's group reader: a project's non-noise groups with lifetime and recent counts, per-version
// counts and the samples the engine reads (SQLite, prepared statements on the raw handle).
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { PolicyGroup } from "../policy/groups.ts";
import { needsAllSamples } from "../policy/sample-needs.ts";
import { HOUR_MS, hourOf, parseList } from "./aggregate.ts";
import { num as n, toPolicySample, type PolicySampleRow, type StoredSample } from "./rows.ts";

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

function readSamples(stmt: Statement, groupId: number, limit: number): PolicySampleRow[] {
  return (stmt.all(groupId, limit) as SampleColumns[]).map(toPolicySample);
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
      pages: parseList(g.pages),
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
