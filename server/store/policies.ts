// Policy versions per project: draft → report-only → enforced → retired.
import type { PrismaClient } from "../generated/prisma/client.ts";

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

export class PolicyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async list(projectId: string): Promise<PolicyVersionRecord[]> {
    const rows = await this.prisma.policyVersion.findMany({
      where: { projectId },
      orderBy: { version: "asc" },
    });
    return rows.map(toRecord);
  }

  async get(projectId: string, version: number): Promise<PolicyVersionRecord | null> {
    const row = await this.prisma.policyVersion.findUnique({
      where: { projectId_version: { projectId, version } },
    });
    return row ? toRecord(row) : null;
  }

  /** The version in a state, newest first (e.g. the enforced one). */
  async latestIn(projectId: string, states: readonly PolicyState[]): Promise<PolicyVersionRecord | null> {
    const row = await this.prisma.policyVersion.findFirst({
      where: { projectId, state: { in: [...states] } },
      orderBy: { version: "desc" },
    });
    return row ? toRecord(row) : null;
  }

  /**
   * Reports per group with disposition `enforce` tagged with `version` (what that version blocked on real pages),
   * non-noise groups only. One grouped scan of the project's GroupHour rows.
   */
  async enforcedReports(projectId: string, version: number): Promise<Map<number, number>> {
    const rows = await this.prisma.groupHour.groupBy({
      by: ["groupId"],
      where: { projectId, disposition: "enforce", policyVersion: version },
      _sum: { count: true },
    });
    return new Map(rows.map((r) => [r.groupId, r._sum.count ?? 0]));
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

  /** Move a version to a state; enforcing one retires the previously enforced version. */
  async setState(projectId: string, version: number, state: PolicyState): Promise<PolicyVersionRecord> {
    return this.prisma.$transaction(async (tx) => {
      if (state === "enforced") {
        await tx.policyVersion.updateMany({
          where: { projectId, state: "enforced", NOT: { version } },
          data: { state: "retired", updatedAt: new Date() },
        });
      }
      const row = await tx.policyVersion.update({
        where: { projectId_version: { projectId, version } },
        data: { state, updatedAt: new Date() },
      });
      return toRecord(row);
    });
  }
}
