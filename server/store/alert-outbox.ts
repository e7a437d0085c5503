// The alerts' persistent outbox (#14): the quiet period's fired keys, events, and their deliveries. Deliveries are
// claimed with a conditional UPDATE of their lease, so several nodes on one database deliver each alert once, and a
// node that died mid-delivery leaves a lease that expires and is claimed again (at least once).
import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { AlertChannelKind, AlertDeliveryStatus, AlertRuleKind } from "../contract/alerts.ts";
import { isChannelKind, isDeliveryStatus, isRuleKind } from "../alerts/vocabulary.ts";
import type { Db } from "./db.ts";
import { num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

export type EventRecord = {
  id: string;
  projectId: string;
  ruleId: string | null;
  kind: AlertRuleKind;
  groupId: number | null;
  title: string;
  payload: string;
  createdAt: number;
};

export type DeliveryRecord = {
  id: string;
  eventId: string;
  projectId: string;
  channelId: string | null;
  channelName: string;
  channelKind: AlertChannelKind;
  status: AlertDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  responseCode: number | null;
  createdAt: number;
  deliveredAt: number | null;
};

export type NewEvent = Omit<EventRecord, "id" | "createdAt">;

type DeliveryRow = {
  id: string;
  eventId: string;
  projectId: string;
  channelId: string | null;
  channelName: string;
  channelKind: string;
  status: string;
  attempts: number;
  nextAttemptAt: bigint;
  lastError: string | null;
  responseCode: number | null;
  createdAt: bigint;
  deliveredAt: bigint | null;
};

const deliveryOf = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  eventId: r.eventId,
  projectId: r.projectId,
  channelId: r.channelId,
  channelName: r.channelName,
  channelKind: isChannelKind(r.channelKind) ? r.channelKind : "webhook",
  status: isDeliveryStatus(r.status) ? r.status : "pending",
  attempts: r.attempts,
  nextAttemptAt: Number(r.nextAttemptAt),
  lastError: r.lastError,
  responseCode: r.responseCode,
  createdAt: Number(r.createdAt),
  deliveredAt: r.deliveredAt === null ? null : Number(r.deliveredAt),
});

type EventRow = Omit<EventRecord, "kind" | "createdAt"> & { kind: string; createdAt: bigint };
const eventOf = (r: EventRow): EventRecord | null =>
  isRuleKind(r.kind) ? { ...r, kind: r.kind, createdAt: Number(r.createdAt) } : null;

export class AlertOutbox {
  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;

  constructor(db: Pick<Db, "prisma" | "sql">) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

  /**
   * Take the quiet period for (rule, key) at `now`: true when the rule may fire (never fired for the key, or last
   * fired before now − quiet), false otherwise. A first insert or one conditional UPDATE: of two nodes evaluating
   * the same thing, one wins.
   */
  async takeQuiet(ruleId: string, key: string, now: number, quietMs: number): Promise<boolean> {
    try {
      await this.prisma.alertFired.create({ data: { ruleId, key, firedAt: BigInt(now) } });
      return true;
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2002") throw err;
    }
    const { count } = await this.prisma.alertFired.updateMany({
      where: { ruleId, key, firedAt: { lte: BigInt(now - quietMs) } },
      data: { firedAt: BigInt(now) },
    });
    return count === 1;
  }

  /** Whether (rule, key) fired within the quiet period before `now` (read only: previews). */
  async firedSince(ruleId: string, key: string, since: number): Promise<boolean> {
    const row = await this.prisma.alertFired.findUnique({ where: { ruleId_key: { ruleId, key } } });
    return row !== null && Number(row.firedAt) > since;
  }

  /** Record an event and one pending delivery per channel, in one transaction. */
  async add(
    e: NewEvent,
    channels: readonly { id: string | null; name: string; kind: AlertChannelKind }[],
    now: number,
  ): Promise<{ event: EventRecord; deliveries: string[] }> {
    const event: EventRecord = { ...e, id: randomUUID(), createdAt: now };
    const deliveries = channels.map(() => randomUUID());
    await this.prisma.$transaction([
      this.prisma.alertEvent.create({ data: { ...event, createdAt: BigInt(now) } }),
      ...channels.map((c, i) =>
        this.prisma.alertDelivery.create({
          data: {
            id: deliveries[i]!,
            eventId: event.id,
            projectId: e.projectId,
            channelId: c.id,
            channelName: c.name,
            channelKind: c.kind,
            nextAttemptAt: BigInt(now),
            createdAt: BigInt(now),
          },
        }),
      ),
    ]);
    return { event, deliveries };
  }

  /** Deliveries due at `now` (pending, next attempt due, lease free or expired), oldest first. */
  async due(now: number, limit: number): Promise<DeliveryRecord[]> {
    // Every node asks this every ALERT_POLL_MS (1 s), alerts configured or not: one raw statement, not Prisma,
    // whose query compiler held the event loop 1-13 ms per call while ingest waited (2026-12-07).
    const rows = await this.sql.all<Record<string, unknown>>(Prisma.sql`
      SELECT "id", "eventId", "projectId", "channelId", "channelName", "channelKind", "status", "attempts",
        "nextAttemptAt", "lastError", "responseCode", "createdAt", "deliveredAt"
      FROM "AlertDelivery"
      WHERE "status" IN ('pending', 'delivering') AND "nextAttemptAt" <= ${now} AND "leaseUntil" < ${now}
      ORDER BY "nextAttemptAt" LIMIT ${limit}`);
    return rows.map((r) =>
      deliveryOf({
        id: String(r.id),
        eventId: String(r.eventId),
        projectId: String(r.projectId),
        channelId: r.channelId === null ? null : String(r.channelId),
        channelName: String(r.channelName),
        channelKind: String(r.channelKind),
        status: String(r.status),
        attempts: num(r.attempts),
        nextAttemptAt: BigInt(num(r.nextAttemptAt)),
        lastError: r.lastError === null ? null : String(r.lastError),
        responseCode: r.responseCode === null ? null : num(r.responseCode),
        createdAt: BigInt(num(r.createdAt)),
        deliveredAt: r.deliveredAt === null ? null : BigInt(num(r.deliveredAt)),
      }),
    );
  }

  /**
   * Claim a due delivery for `owner` until `now + leaseMs`: one conditional UPDATE, true for exactly one claimant.
   * A `delivering` row whose lease expired belonged to a node that stopped mid-attempt: it is claimed again.
   */
  async claim(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const { count } = await this.prisma.alertDelivery.updateMany({
      where: {
        id,
        status: { in: ["pending", "delivering"] },
        nextAttemptAt: { lte: BigInt(now) },
        leaseUntil: { lt: BigInt(now) },
      },
      data: { status: "delivering", leaseOwner: owner, leaseUntil: BigInt(now + leaseMs) },
    });
    return count === 1;
  }

  async event(id: string): Promise<EventRecord | null> {
    const row = await this.prisma.alertEvent.findUnique({ where: { id } });
    return row ? eventOf(row) : null;
  }

  /** Record an attempt's outcome; only the lease holder's write counts. */
  async finish(
    id: string,
    owner: string,
    outcome:
      | { ok: true; responseCode: number | null; at: number }
      | { ok: false; responseCode: number | null; error: string; retryAt: number | null },
  ): Promise<void> {
    const row = await this.prisma.alertDelivery.findUnique({ where: { id } });
    if (!row || row.leaseOwner !== owner) return;
    await this.prisma.alertDelivery.updateMany({
      where: { id, leaseOwner: owner, status: "delivering" },
      data: outcome.ok
        ? {
            status: "delivered",
            attempts: { increment: 1 },
            responseCode: outcome.responseCode,
            lastError: null,
            deliveredAt: BigInt(outcome.at),
            leaseUntil: 0n,
          }
        : {
            status: outcome.retryAt === null ? "failed" : "pending",
            attempts: { increment: 1 },
            responseCode: outcome.responseCode,
            lastError: outcome.error.slice(0, 500),
            nextAttemptAt: BigInt(outcome.retryAt ?? Number(row.nextAttemptAt)),
            leaseUntil: 0n,
          },
    });
  }

  /**
   * Forget alerts raised before `before` whose deliveries are all settled (delivered or failed), and the quiet
   * period's keys last fired before it: the outbox stays bounded. Pending deliveries are kept whatever their age.
   */
  async prune(before: number): Promise<number> {
    const old = await this.prisma.alertEvent.findMany({
      where: { createdAt: { lt: BigInt(before) } },
      select: { id: true },
      take: 10_000,
    });
    const ids = old.map((e) => e.id);
    if (ids.length === 0) return 0;
    const open = await this.prisma.alertDelivery.findMany({
      where: { eventId: { in: ids }, status: { in: ["pending", "delivering"] } },
      select: { eventId: true },
    });
    const keep = new Set(open.map((d) => d.eventId));
    const gone = ids.filter((id) => !keep.has(id));
    await this.prisma.alertDelivery.deleteMany({ where: { eventId: { in: gone } } });
    await this.prisma.alertEvent.deleteMany({ where: { id: { in: gone } } });
    await this.prisma.alertFired.deleteMany({ where: { firedAt: { lt: BigInt(before) } } });
    return gone.length;
  }

  /** A project's delivery log, newest first. */
  async deliveries(
    projectId: string,
    opts: { status?: AlertDeliveryStatus; limit: number },
  ): Promise<DeliveryRecord[]> {
    const rows = await this.prisma.alertDelivery.findMany({
      where: { projectId, ...(opts.status ? { status: opts.status } : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: opts.limit,
    });
    return rows.map(deliveryOf);
  }

  async delivery(id: string): Promise<DeliveryRecord | null> {
    const row = await this.prisma.alertDelivery.findUnique({ where: { id } });
    return row ? deliveryOf(row) : null;
  }

  async eventsById(ids: readonly string[]): Promise<Map<string, EventRecord>> {
    const rows = await this.prisma.alertEvent.findMany({ where: { id: { in: [...new Set(ids)] } } });
    return new Map(rows.map(eventOf).flatMap((e) => (e ? [[e.id, e] as const] : [])));
  }

  /** A group's events, newest first, with their deliveries. */
  async groupEvents(
    projectId: string,
    groupId: number,
    limit = 50,
  ): Promise<{ event: EventRecord; deliveries: DeliveryRecord[] }[]> {
    const rows = await this.prisma.alertEvent.findMany({
      where: { projectId, groupId },
      orderBy: { createdAt: "desc" },
      take: limit,
    });
    const events = rows.map(eventOf).filter((e): e is EventRecord => e !== null);
    const ds = await this.prisma.alertDelivery.findMany({
      where: { eventId: { in: events.map((e) => e.id) } },
    });
    return events.map((event) => ({
      event,
      deliveries: ds.filter((d) => d.eventId === event.id).map(deliveryOf),
    }));
  }
}
