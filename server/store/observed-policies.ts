// The bounded digest of `original-policy` texts reports carried (#14 policy-drift): the normalizer does not keep the
// policy, so ingest hands each distinct text to the alert engine, which counts them in memory and flushes them here
// on its tick. At most MAX_PER_PROJECT per project (the least recently seen is dropped), each cut at MAX_POLICY.
import type { PrismaClient } from "../generated/prisma/client.ts";

export const MAX_PER_PROJECT = 20;
export const MAX_POLICY = 4096;

export type ObservedPolicy = {
  hash: string;
  policy: string;
  documentUrl: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
};

export class ObservedPolicyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async list(projectId: string): Promise<ObservedPolicy[]> {
    const rows = await this.prisma.observedPolicy.findMany({
      where: { projectId },
      orderBy: { lastSeen: "desc" },
    });
    return rows.map((r) => ({
      hash: r.hash,
      policy: r.policy,
      documentUrl: r.documentUrl,
      count: Number(r.count),
      firstSeen: Number(r.firstSeen),
      lastSeen: Number(r.lastSeen),
    }));
  }

  /** Add counts seen since the last flush, then keep the project's most recent MAX_PER_PROJECT. */
  async add(projectId: string, seen: readonly ObservedPolicy[]): Promise<void> {
    for (const s of seen) {
      await this.prisma.observedPolicy.upsert({
        where: { projectId_hash: { projectId, hash: s.hash } },
        create: {
          projectId,
          hash: s.hash,
          policy: s.policy.slice(0, MAX_POLICY),
          documentUrl: s.documentUrl,
          count: BigInt(s.count),
          firstSeen: BigInt(s.firstSeen),
          lastSeen: BigInt(s.lastSeen),
        },
        update: {
          count: { increment: BigInt(s.count) },
          lastSeen: BigInt(s.lastSeen),
          documentUrl: s.documentUrl,
        },
      });
    }
    const old = await this.prisma.observedPolicy.findMany({
      where: { projectId },
      orderBy: { lastSeen: "desc" },
      skip: MAX_PER_PROJECT,
      select: { hash: true },
    });
    if (old.length > 0) {
      await this.prisma.observedPolicy.deleteMany({
        where: { projectId, hash: { in: old.map((o) => o.hash) } },
      });
    }
  }
}
