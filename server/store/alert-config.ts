// Alert channels (instance-wide) and rules (per project) in the database (#14). JSON columns are read field by
// field; a stored value that no longer parses reads as empty rather than failing the whole list.
import { randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { AlertChannelKind, AlertRuleKind, AlertRuleParams } from "../contract/alerts.ts";
import { isChannelKind, isRuleKind } from "../alerts/vocabulary.ts";

export type ChannelRecord = {
  id: string;
  name: string;
  kind: AlertChannelKind;
  url: string;
  to: string[];
  secret: string;
  createdAt: Date;
};

export type RuleRecord = {
  id: string;
  projectId: string;
  kind: AlertRuleKind;
  channels: string[];
  minCount: number;
  quietMinutes: number;
  params: AlertRuleParams;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastFiredAt: number | null;
};

export type RuleFields = {
  kind: AlertRuleKind;
  channels: string[];
  minCount: number;
  quietMinutes: number;
  params: AlertRuleParams;
  enabled: boolean;
};

function jsonOf<T>(text: string, fallback: T, ok: (v: unknown) => v is T): T {
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? v : fallback;
  } catch {
    return fallback;
  }
}
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isObject = (v: unknown): v is AlertRuleParams =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A webhook secret: 32 random bytes, hex. */
export const newSecret = (): string => randomBytes(32).toString("hex");

type ChannelRow = {
  id: string;
  name: string;
  kind: string;
  url: string;
  to: string;
  secret: string;
  createdAt: Date;
};
type RuleRow = {
  id: string;
  projectId: string;
  kind: string;
  channels: string;
  minCount: number;
  quietMinutes: number;
  params: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastFiredAt: bigint | null;
};

const channelOf = (r: ChannelRow): ChannelRecord | null =>
  isChannelKind(r.kind) ? { ...r, kind: r.kind, to: jsonOf(r.to, [], isStrings) } : null;

const ruleOf = (r: RuleRow): RuleRecord | null =>
  isRuleKind(r.kind)
    ? {
        ...r,
        kind: r.kind,
        channels: jsonOf(r.channels, [], isStrings),
        params: jsonOf(r.params, {}, isObject),
        lastFiredAt: r.lastFiredAt === null ? null : Number(r.lastFiredAt),
      }
    : null;

const present = <T>(x: T | null): x is T => x !== null;

export class AlertConfigStore {
  constructor(private readonly prisma: PrismaClient) {}

  async channels(): Promise<ChannelRecord[]> {
    const rows = await this.prisma.alertChannel.findMany({ orderBy: { createdAt: "asc" } });
    return rows.map(channelOf).filter(present);
  }

  async channel(id: string): Promise<ChannelRecord | null> {
    const row = await this.prisma.alertChannel.findUnique({ where: { id } });
    return row ? channelOf(row) : null;
  }

  /** A channel by id or, failing that, by its exact name (the CLI takes either). */
  async channelByIdOrName(ref: string): Promise<ChannelRecord | null> {
    const byId = await this.channel(ref);
    if (byId) return byId;
    const row = await this.prisma.alertChannel.findFirst({ where: { name: ref } });
    return row ? channelOf(row) : null;
  }

  async createChannel(c: Omit<ChannelRecord, "id" | "createdAt">): Promise<ChannelRecord> {
    const row = await this.prisma.alertChannel.create({
      data: {
        id: randomUUID(),
        name: c.name,
        kind: c.kind,
        url: c.url,
        to: JSON.stringify(c.to),
        secret: c.secret,
      },
    });
    return channelOf(row)!;
  }

  /** Delete a channel and take it out of every rule that named it. */
  async deleteChannel(id: string): Promise<boolean> {
    const { count } = await this.prisma.alertChannel.deleteMany({ where: { id } });
    if (count === 0) return false;
    const rules = await this.prisma.alertRule.findMany({ where: { channels: { contains: id } } });
    for (const r of rules) {
      const channels = jsonOf(r.channels, [], isStrings).filter((c) => c !== id);
      await this.prisma.alertRule.update({
        where: { id: r.id },
        data: { channels: JSON.stringify(channels) },
      });
    }
    return true;
  }

  /** Rules per channel id (the channel list's `rules` count). */
  async ruleCounts(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const r of await this.allRules()) for (const c of r.channels) out.set(c, (out.get(c) ?? 0) + 1);
    return out;
  }

  async rules(projectId: string): Promise<RuleRecord[]> {
    const rows = await this.prisma.alertRule.findMany({
      where: { projectId },
      orderBy: { createdAt: "asc" },
    });
    return rows.map(ruleOf).filter(present);
  }

  async allRules(): Promise<RuleRecord[]> {
    const rows = await this.prisma.alertRule.findMany({ orderBy: { createdAt: "asc" } });
    return rows.map(ruleOf).filter(present);
  }

  async rule(projectId: string, id: string): Promise<RuleRecord | null> {
    const row = await this.prisma.alertRule.findFirst({ where: { id, projectId } });
    return row ? ruleOf(row) : null;
  }

  async createRule(projectId: string, f: RuleFields): Promise<RuleRecord> {
    const row = await this.prisma.alertRule.create({
      data: {
        id: randomUUID(),
        projectId,
        kind: f.kind,
        channels: JSON.stringify(f.channels),
        minCount: f.minCount,
        quietMinutes: f.quietMinutes,
        params: JSON.stringify(f.params),
        enabled: f.enabled,
      },
    });
    return ruleOf(row)!;
  }

  async updateRule(
    projectId: string,
    id: string,
    f: Partial<Omit<RuleFields, "kind">>,
  ): Promise<RuleRecord | null> {
    const { count } = await this.prisma.alertRule.updateMany({
      where: { id, projectId },
      data: {
        ...(f.channels !== undefined ? { channels: JSON.stringify(f.channels) } : {}),
        ...(f.minCount !== undefined ? { minCount: f.minCount } : {}),
        ...(f.quietMinutes !== undefined ? { quietMinutes: f.quietMinutes } : {}),
        ...(f.params !== undefined ? { params: JSON.stringify(f.params) } : {}),
        ...(f.enabled !== undefined ? { enabled: f.enabled } : {}),
        updatedAt: new Date(),
      },
    });
    return count === 0 ? null : this.rule(projectId, id);
  }

  async deleteRule(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.alertRule.deleteMany({ where: { id, projectId } });
    return count > 0;
  }

  async markFired(ruleId: string, at: number): Promise<void> {
    await this.prisma.alertRule.updateMany({ where: { id: ruleId }, data: { lastFiredAt: BigInt(at) } });
  }
}
