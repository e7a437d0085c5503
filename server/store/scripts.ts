// The script inventory's reads and the people's writes (#18): scripts with their hashes and pages, reviews, the
// change log, accepted URL patterns and the scheduled script-gone check. Ingest writes go through the writer
// (scripts-write.ts). Prisma on either engine; rows are mapped to plain records here.
import type { PrismaClient } from "../generated/prisma/client.ts";

export type ScriptReviewRecord = {
  status: "authorized" | "rejected";
  justification: string;
  by: string;
  at: number;
};

export type ScriptRecord = {
  id: number;
  projectId: string;
  url: string;
  origin: string;
  status: string;
  firstSeen: number;
  lastSeen: number;
  reports: number;
  noSriFirstSeen: number | null;
  noSriLastSeen: number | null;
  review: ScriptReviewRecord | null;
  goneAt: number | null;
  /** Every hash row, "" (no CORS) included, most recently seen first. */
  hashes: { hash: string; firstSeen: number; lastSeen: number; count: number }[];
  /** Pages, most recently seen first. */
  pages: { url: string; firstSeen: number; lastSeen: number }[];
};

export type ScriptEventRecord = {
  id: number;
  projectId: string;
  scriptId: number;
  url: string;
  kind: string;
  at: number;
  detail: string;
  actor: string | null;
};

export type ScriptPatternRecord = {
  id: number;
  pattern: string;
  float: boolean;
  acceptedBy: string;
  acceptedAt: number;
};

export type EventQuery = { since?: number; until?: number; kind?: string; scriptId?: number; limit: number };

/** How long a node trusts its copy of a project's accepted patterns (ingest reads them per request). */
export const PATTERN_CACHE_MS = 10_000;

const n = (v: bigint | number): number => Number(v);
const nn = (v: bigint | number | null): number | null => (v === null ? null : Number(v));

type ScriptRow = {
  id: number;
  projectId: string;
  url: string;
  origin: string;
  status: string;
  firstSeen: bigint;
  lastSeen: bigint;
  reports: bigint;
  noSriFirstSeen: bigint | null;
  noSriLastSeen: bigint | null;
  reviewStatus: string | null;
  justification: string;
  reviewedBy: string | null;
  reviewedAt: bigint | null;
  goneAt: bigint | null;
};

function reviewOf(r: ScriptRow): ScriptReviewRecord | null {
  if ((r.reviewStatus !== "authorized" && r.reviewStatus !== "rejected") || r.reviewedAt === null)
    return null;
  return {
    status: r.reviewStatus,
    justification: r.justification,
    by: r.reviewedBy ?? "",
    at: n(r.reviewedAt),
  };
}

export class ScriptStore {
  private readonly patternCache = new Map<string, { at: number; list: ScriptPatternRecord[] }>();

  constructor(private readonly prisma: PrismaClient) {}

  /** Every script of a project with its hashes and pages, most recently seen first. */
  async list(projectId: string): Promise<ScriptRecord[]> {
    const rows = await this.prisma.script.findMany({
      where: { projectId },
      orderBy: [{ lastSeen: "desc" }, { id: "asc" }],
    });
    return this.withDetails(rows);
  }

  /** One script of a project, or null. */
  async get(projectId: string, id: number): Promise<ScriptRecord | null> {
    const row = await this.prisma.script.findFirst({ where: { projectId, id } });
    if (!row) return null;
    return (await this.withDetails([row]))[0] ?? null;
  }

  private async withDetails(rows: ScriptRow[]): Promise<ScriptRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [hashes, pages] = await Promise.all([
      this.prisma.scriptHash.findMany({
        where: { scriptId: { in: ids } },
        orderBy: [{ lastSeen: "desc" }, { hash: "asc" }],
      }),
      this.prisma.scriptPage.findMany({
        where: { scriptId: { in: ids } },
        orderBy: [{ lastSeen: "desc" }, { url: "asc" }],
      }),
    ]);
    const byId = new Map<number, ScriptRecord>();
    const out = rows.map((r) => {
      const rec: ScriptRecord = {
        id: r.id,
        projectId: r.projectId,
        url: r.url,
        origin: r.origin,
        status: r.status,
        firstSeen: n(r.firstSeen),
        lastSeen: n(r.lastSeen),
        reports: n(r.reports),
        noSriFirstSeen: nn(r.noSriFirstSeen),
        noSriLastSeen: nn(r.noSriLastSeen),
        review: reviewOf(r),
        goneAt: nn(r.goneAt),
        hashes: [],
        pages: [],
      };
      byId.set(r.id, rec);
      return rec;
    });
    for (const h of hashes)
      byId.get(h.scriptId)?.hashes.push({
        hash: h.hash,
        firstSeen: n(h.firstSeen),
        lastSeen: n(h.lastSeen),
        count: n(h.count),
      });
    for (const p of pages)
      byId.get(p.scriptId)?.pages.push({ url: p.url, firstSeen: n(p.firstSeen), lastSeen: n(p.lastSeen) });
    return out;
  }

  /** Record a review: the script's status becomes it, and the change log gets a script-reviewed event. */
  async review(
    projectId: string,
    id: number,
    status: "authorized" | "rejected",
    justification: string,
    by: string,
    at: number,
  ): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const done = await tx.script.updateMany({
        where: { projectId, id },
        data: { status, reviewStatus: status, justification, reviewedBy: by, reviewedAt: BigInt(at) },
      });
      if (done.count === 0) return false;
      await tx.scriptEvent.create({
        data: {
          projectId,
          scriptId: id,
          kind: "script-reviewed",
          at: BigInt(at),
          detail: `${status}: ${justification}`,
          actor: by,
        },
      });
      return true;
    });
  }

  /** The change log, newest first, with each event's script URL. */
  async events(projectId: string, q: EventQuery): Promise<ScriptEventRecord[]> {
    const at: { gte?: bigint; lt?: bigint } = {};
    if (q.since !== undefined) at.gte = BigInt(q.since);
    if (q.until !== undefined) at.lt = BigInt(q.until);
    const rows = await this.prisma.scriptEvent.findMany({
      where: {
        projectId,
        ...(q.since !== undefined || q.until !== undefined ? { at } : {}),
        ...(q.kind !== undefined ? { kind: q.kind } : {}),
        ...(q.scriptId !== undefined ? { scriptId: q.scriptId } : {}),
      },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: q.limit,
    });
    return this.withUrls(rows);
  }

  /** Events with an id above `afterId` (oldest first, at most `limit`): the alert engine's feed. */
  async eventsAfter(afterId: number, kinds: readonly string[], limit: number): Promise<ScriptEventRecord[]> {
    const rows = await this.prisma.scriptEvent.findMany({
      where: { id: { gt: afterId }, kind: { in: [...kinds] } },
      orderBy: { id: "asc" },
      take: limit,
    });
    return this.withUrls(rows);
  }

  /** The highest event id (0 when none): where a fresh alert feed starts. */
  async lastEventId(): Promise<number> {
    const row = await this.prisma.scriptEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
    return row?.id ?? 0;
  }

  private async withUrls(
    rows: {
      id: number;
      projectId: string;
      scriptId: number;
      kind: string;
      at: bigint;
      detail: string;
      actor: string | null;
    }[],
  ): Promise<ScriptEventRecord[]> {
    const ids = [...new Set(rows.map((r) => r.scriptId))];
    const scripts = ids.length
      ? await this.prisma.script.findMany({ where: { id: { in: ids } }, select: { id: true, url: true } })
      : [];
    const urls = new Map(scripts.map((s) => [s.id, s.url]));
    return rows.map((r) => ({
      id: r.id,
      projectId: r.projectId,
      scriptId: r.scriptId,
      url: urls.get(r.scriptId) ?? "",
      kind: r.kind,
      at: n(r.at),
      detail: r.detail,
      actor: r.actor,
    }));
  }

  /** Reports per hour of one script for hours [fromHour, toHour]. */
  async hours(scriptId: number, fromHour: number, toHour: number): Promise<Map<number, number>> {
    const rows = await this.prisma.scriptHour.findMany({
      where: { scriptId, hour: { gte: fromHour, lte: toHour } },
    });
    return new Map(rows.map((r) => [r.hour, r.count]));
  }

  /** The project's accepted patterns (cached PATTERN_CACHE_MS per node: ingest asks per request with scripts). */
  async patterns(projectId: string, now = Date.now()): Promise<ScriptPatternRecord[]> {
    const hit = this.patternCache.get(projectId);
    if (hit && now - hit.at < PATTERN_CACHE_MS) return hit.list;
    const rows = await this.prisma.scriptPattern.findMany({ where: { projectId }, orderBy: { id: "asc" } });
    const list = rows.map((r) => ({
      id: r.id,
      pattern: r.pattern,
      float: r.float,
      acceptedBy: r.acceptedBy,
      acceptedAt: n(r.acceptedAt),
    }));
    if (this.patternCache.size > 10_000) this.patternCache.clear();
    this.patternCache.set(projectId, { at: now, list });
    return list;
  }

  /** Accept a pattern (or change whether it floats); returns it. */
  async acceptPattern(
    projectId: string,
    pattern: string,
    float: boolean,
    by: string,
    at: number,
  ): Promise<ScriptPatternRecord> {
    const r = await this.prisma.scriptPattern.upsert({
      where: { projectId_pattern: { projectId, pattern } },
      create: { projectId, pattern, float, acceptedBy: by, acceptedAt: BigInt(at) },
      update: { float, acceptedBy: by, acceptedAt: BigInt(at) },
    });
    this.patternCache.delete(projectId);
    return {
      id: r.id,
      pattern: r.pattern,
      float: r.float,
      acceptedBy: r.acceptedBy,
      acceptedAt: n(r.acceptedAt),
    };
  }

  /** Remove an accepted pattern; false when the project has none with this id. */
  async removePattern(projectId: string, id: number): Promise<boolean> {
    const done = await this.prisma.scriptPattern.deleteMany({ where: { projectId, id } });
    this.patternCache.delete(projectId);
    return done.count > 0;
  }

  /**
   * The scheduled check: scripts of the project last seen before `before` and not yet marked get `goneAt` and a
   * script-gone event (one per disappearance: a new sighting clears goneAt). Each mark is a conditional update, so
   * two nodes checking at once record one event. Returns how many were marked.
   */
  async markGone(projectId: string, before: number, at: number): Promise<number> {
    const candidates = await this.prisma.script.findMany({
      where: { projectId, lastSeen: { lt: BigInt(before) }, goneAt: null },
      select: { id: true, lastSeen: true },
    });
    let marked = 0;
    for (const g of candidates) {
      const done = await this.prisma.$transaction(async (tx) => {
        const u = await tx.script.updateMany({
          where: { id: g.id, goneAt: null, lastSeen: { lt: BigInt(before) } },
          data: { goneAt: BigInt(at) },
        });
        if (u.count === 0) return false;
        await tx.scriptEvent.create({
          data: {
            projectId,
            scriptId: g.id,
            kind: "script-gone",
            at: BigInt(at),
            detail: new Date(n(g.lastSeen)).toISOString(),
          },
        });
        return true;
      });
      if (done) marked++;
    }
    return marked;
  }
}
