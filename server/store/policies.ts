// Policy versions per project: draft → report-only → enforced → retired.
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { dateOf, num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

export const POLICY_STATES = ["draft", "report-only", "enforced", "retired"] as const;
export type PolicyState = (typeof POLICY_STATES)[number];
export const isPolicyState = (s: unknown): s is PolicyState =>
  typeof s === "string" && (POLICY_STATES as readonly string[]).includes(s);

/** Allowed moves: forward through the rollout, back to report-only from enforced, retire from anywhere. */
const MOVES: Record<PolicyState, readonly PolicyState[]> = {
  draft: ["report-only", "enforced", "retired"],
  "report-only": ["enforced", "retired", "draft"],
  enforced: ["report-only", "retired"],
  retired: ["report-only"],
};
export const canMove = (from: PolicyState, to: PolicyState): boolean => MOVES[from].includes(to);

export type PolicyVersionRecord = {
  version: number;
  policy: string;
  state: PolicyState;
  notes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
};

type Row = {
  version: number;
  policy: string;
  state: string;
  notes: string;
  createdAt: Date;
  updatedAt: Date;
};

const toRecord = (r: Row): PolicyVersionRecord => {
  let notes: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(r.notes);
    if (v && typeof v === "object" && !Array.isArray(v)) notes = v as Record<string, unknown>;
  } catch {
    notes = {};
  }
  return {
    version: r.version,
    policy: r.policy,
    state: isPolicyState(r.state) ? r.state : "retired",
    notes,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
};

/** The state-change times a version's notes keep (state → epoch ms). */
export function stateChanges(notes: Record<string, unknown>): Partial<Record<PolicyState, number>> {
  const raw = notes.stateChanges;
  const out: Partial<Record<PolicyState, number>> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const s of POLICY_STATES) {
    const v: unknown = Object.hasOwn(raw, s) ? (raw as Record<string, unknown>)[s] : undefined;
    if (typeof v === "number" && Number.isFinite(v)) out[s] = v;
  }
  return out;
}

function withStateChange(notesText: string, state: PolicyState, at: Date): string {
  const notes = toRecord({
    version: 0,
    policy: "",
    state,
    notes: notesText,
    createdAt: at,
    updatedAt: at,
  }).notes;
  return JSON.stringify({ ...notes, stateChanges: { ...stateChanges(notes), [state]: at.getTime() } });
}

/** Count `n` reports a group's version `version` blocked into `out` (reports summed, the first version kept). */
export function addBlocked(
  out: Map<number, { reports: number; since: number }>,
  groupId: number,
  version: number,
  n: number,
): void {
  if (n === 0) return;
  const seen = out.get(groupId);
  if (seen) {
    seen.reports += n;
    seen.since = Math.min(seen.since, version);
  } else out.set(groupId, { reports: n, since: version });
}

export class PolicyStore {
  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;

  constructor(db: Pick<Db, "prisma" | "sql">) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

  /** Oldest first. Every build and preview asks this: one raw statement, not Prisma (see TokenStore.verify). */
  async list(projectId: string): Promise<PolicyVersionRecord[]> {
    const d = this.sql.dialect;
    const rows = await this.sql.all<Record<string, unknown>>(Prisma.sql`
      SELECT "version", "policy", "state", "notes", ${d.epochMs(Prisma.sql`"createdAt"`)} AS "createdAt",
        ${d.epochMs(Prisma.sql`"updatedAt"`)} AS "updatedAt"
      FROM "PolicyVersion" WHERE "projectId" = ${projectId} ORDER BY "version"`);
    return rows.map((r) =>
      toRecord({
        version: num(r.version),
        policy: String(r.policy),
        state: String(r.state),
        notes: String(r.notes),
        createdAt: dateOf(r.createdAt),
        updatedAt: dateOf(r.updatedAt),
      }),
    );
  }

  async get(projectId: string, version: number): Promise<PolicyVersionRecord | null> {
    const row = await this.prisma.policyVersion.findUnique({
      where: { projectId_version: { projectId, version } },
    });
    return row ? toRecord(row) : null;
  }

  /**
   * Per group, the reports with disposition `enforce` tagged with one of `versions` (what those versions blocked on
   * real pages) and the first of them that blocked it. One grouped scan of the project's GroupHour rows.
   */
  async enforcedReports(
    projectId: string,
    versions: readonly number[],
  ): Promise<Map<number, { reports: number; since: number }>> {
    const out = new Map<number, { reports: number; since: number }>();
    if (versions.length === 0) return out;
    const rows = await this.prisma.groupHour.groupBy({
      by: ["groupId", "policyVersion"],
      where: { projectId, disposition: "enforce", policyVersion: { in: [...versions] } },
      _sum: { count: true },
    });
    for (const r of rows) addBlocked(out, r.groupId, r.policyVersion, r._sum.count ?? 0);
    return out;
  }

  /** Create the next version as a draft; the version number is assigned in a transaction. */
  async create(
    projectId: string,
    policy: string,
    notes: Record<string, unknown> = {},
  ): Promise<PolicyVersionRecord> {
    return this.prisma.$transaction(async (tx) => {
      const last = await tx.policyVersion.findFirst({ where: { projectId }, orderBy: { version: "desc" } });
      const row = await tx.policyVersion.create({
        data: {
          projectId,
          version: (last?.version ?? 0) + 1,
          policy,
          state: "draft",
          notes: JSON.stringify(notes),
        },
      });
      return toRecord(row);
    });
  }

  /**
   * Move a version to a state; enforcing one retires the previously enforced version. The time of each move is
   * kept in notes.stateChanges (state → epoch ms, the latest move into it) for the rollout status.
   */
  async setState(projectId: string, version: number, state: PolicyState): Promise<PolicyVersionRecord> {
    return this.prisma.$transaction(async (tx) => {
      const now = new Date();
      if (state === "enforced") {
        const old = await tx.policyVersion.findMany({
          where: { projectId, state: "enforced", NOT: { version } },
        });
        for (const o of old) {
          await tx.policyVersion.update({
            where: { id: o.id },
            data: { state: "retired", updatedAt: now, notes: withStateChange(o.notes, "retired", now) },
          });
        }
      }
      const current = await tx.policyVersion.findUniqueOrThrow({
        where: { projectId_version: { projectId, version } },
      });
      const row = await tx.policyVersion.update({
        where: { id: current.id },
        data: { state, updatedAt: now, notes: withStateChange(current.notes, state, now) },
      });
      return toRecord(row);
    });
  }

  /** Reports tagged with the version, and distinct pages among the samples kept for them. */
  async versionActivity(projectId: string, version: number): Promise<{ reports: number; pages: number }> {
    const sum = await this.prisma.groupHour.aggregate({
      where: { projectId, policyVersion: version },
      _sum: { count: true },
    });
    const pages = await this.prisma.$queryRaw<{ n: number | bigint }[]>`
      SELECT COUNT(DISTINCT s."documentUrl") AS n FROM "Sample" s JOIN "ViolationGroup" g ON g."id" = s."groupId"
      WHERE g."projectId" = ${projectId} AND s."policyVersion" = ${version}`;
    return { reports: sum._sum.count ?? 0, pages: Number(pages[0]?.n ?? 0) };
  }

  /**
   * Untagged reports received since `since` (epoch ms), among the samples kept (hourly counts cannot tell the
   * minutes before a deploy from those after it): reports sent under a policy copied without ?v=N.
   */
  async untaggedSince(projectId: string, since: number): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ n: number | bigint }[]>`
      SELECT COUNT(*) AS n FROM "Sample" s JOIN "ViolationGroup" g ON g."id" = s."groupId"
      WHERE g."projectId" = ${projectId} AND g."noise" = '' AND s."policyVersion" IS NULL AND s."receivedAt" >= ${since}`;
    return Number(rows[0]?.n ?? 0);
  }
}
