// Group triage (#14): a group's current state (no row: open), who set it when, and every change. Times are epoch ms.
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { TriageState } from "../contract/alerts.ts";
import { isTriageState } from "../alerts/vocabulary.ts";

export type TriageRecord = { state: TriageState; by: string | null; at: number | null };
export type TriageChange = { state: TriageState; by: string; at: number };

const OPEN: TriageRecord = { state: "open", by: null, at: null };

export class TriageStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Whether a group belongs to a project. */
  async groupInProject(projectId: string, groupId: number): Promise<boolean> {
    return (await this.prisma.violationGroup.count({ where: { id: groupId, projectId } })) > 0;
  }

  async get(groupId: number): Promise<TriageRecord> {
    const row = await this.prisma.groupTriage.findUnique({ where: { groupId } });
    if (!row || !isTriageState(row.state)) return OPEN;
    return { state: row.state, by: row.by, at: Number(row.at) };
  }

  /**
   * The states of these groups (groups without a row are open and left out): the dashboard list's page. Raw SQL:
   * findMany with a page's 100 ids took 2.8 ms and 3.8 ms of the node's CPU a call, most of it compiling the query,
   * $queryRaw 1.0 and 1.1 (PostgreSQL, 10 M-report bench data, 280 calls each, interleaved).
   */
  async states(groupIds: readonly number[]): Promise<Map<number, TriageState>> {
    if (groupIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<{ groupId: number | bigint; state: string }[]>`
      SELECT "groupId", "state" FROM "GroupTriage" WHERE "groupId" IN (${Prisma.join([...groupIds])})`;
    return new Map(
      rows.flatMap((r) => (isTriageState(r.state) ? [[Number(r.groupId), r.state] as const] : [])),
    );
  }

  /** Every group of a project in one of these states (muted groups never alert; resolved ones regress). */
  async inStates(projectId: string, states: readonly TriageState[]): Promise<Map<number, TriageState>> {
    const rows = await this.prisma.groupTriage.findMany({ where: { projectId, state: { in: [...states] } } });
    return new Map(rows.flatMap((r) => (isTriageState(r.state) ? [[r.groupId, r.state] as const] : [])));
  }

  async history(groupId: number, limit = 50): Promise<TriageChange[]> {
    const rows = await this.prisma.groupTriageChange.findMany({
      where: { groupId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: limit,
    });
    return rows.flatMap((r) =>
      isTriageState(r.state) ? [{ state: r.state, by: r.by, at: Number(r.at) }] : [],
    );
  }

  /** Set a group's state and record the change. */
  async set(projectId: string, groupId: number, state: TriageState, by: string, at: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.groupTriage.upsert({
        where: { groupId },
        create: { groupId, projectId, state, by, at: BigInt(at) },
        update: { state, by, at: BigInt(at) },
      }),
      this.prisma.groupTriageChange.create({ data: { groupId, state, by, at: BigInt(at) } }),
    ]);
  }

  /**
   * Reopen a resolved group that reappeared: one conditional UPDATE, so of two nodes only one records the
   * regression. True when this call reopened it.
   */
  async reopen(groupId: number, at: number): Promise<boolean> {
    const { count } = await this.prisma.groupTriage.updateMany({
      where: { groupId, state: "resolved" },
      data: { state: "open", by: "cinch", at: BigInt(at) },
    });
    if (count === 1) {
      await this.prisma.groupTriageChange.create({
        data: { groupId, state: "open", by: "cinch", at: BigInt(at) },
      });
    }
    return count === 1;
  }
}
