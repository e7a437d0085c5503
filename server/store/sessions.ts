// Dashboard sessions: random ids given to the browser once, stored only as an HMAC under the session key, with
// an idle and an absolute expiry, revocable one by one or all at once per user.
import { createHmac, randomBytes } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";

export type SessionInfo = {
  idHash: string;
  userId: string;
  email: string;
  csrfToken: string;
  expiresAt: Date;
};

export type SessionLifetimes = { idleMs: number; maxMs: number };

/** A session id as the cookie carries it: 32 random bytes, base64url. */
export const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;

/** Touch lastSeenAt at most this often: idle expiry does not need a write per request. */
const TOUCH_MS = 60_000;

export class SessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly key: Buffer,
    private readonly life: SessionLifetimes,
  ) {}

  /** The stored form of a session id. */
  hashId(id: string): string {
    return createHmac("sha256", this.key).update(id).digest("hex");
  }

  /** Start a session: a fresh random id (never one the client offered) and its CSRF token. */
  async create(
    userId: string,
    now = Date.now(),
  ): Promise<{ id: string; csrfToken: string; expiresAt: Date }> {
    await this.sweep(now);
    const id = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const expiresAt = new Date(now + this.life.maxMs);
    await this.prisma.session.create({
      data: {
        idHash: this.hashId(id),
        userId,
        csrfToken,
        createdAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt,
      },
    });
    return { id, csrfToken, expiresAt };
  }

  /** Resolve a session id; expired (idle or absolute) sessions are deleted and resolve to null. */
  async resolve(id: string, now = Date.now()): Promise<SessionInfo | null> {
    if (!SESSION_ID_RE.test(id)) return null;
    const idHash = this.hashId(id);
    const row = await this.prisma.session.findUnique({ where: { idHash }, include: { user: true } });
    if (!row) return null;
    if (row.expiresAt.getTime() <= now || row.lastSeenAt.getTime() + this.life.idleMs <= now) {
      await this.prisma.session.deleteMany({ where: { idHash } });
      return null;
    }
    if (row.lastSeenAt.getTime() < now - TOUCH_MS) {
      await this.prisma.session.updateMany({ where: { idHash }, data: { lastSeenAt: new Date(now) } });
    }
    return {
      idHash,
      userId: row.userId,
      email: row.user.email,
      csrfToken: row.csrfToken,
      expiresAt: row.expiresAt,
    };
  }

  /** End one session (by its id as the cookie carries it). */
  async revoke(id: string): Promise<void> {
    if (SESSION_ID_RE.test(id)) await this.prisma.session.deleteMany({ where: { idHash: this.hashId(id) } });
  }

  /** End every session of a user ("sign out everywhere", password change); returns how many ended. */
  async revokeAll(userId: string): Promise<number> {
    return (await this.prisma.session.deleteMany({ where: { userId } })).count;
  }

  /** Delete expired sessions, so the table does not grow with abandoned ones. */
  async sweep(now = Date.now()): Promise<void> {
    await this.prisma.session.deleteMany({
      where: {
        OR: [
          { expiresAt: { lte: new Date(now) } },
          { lastSeenAt: { lte: new Date(now - this.life.idleMs) } },
        ],
      },
    });
  }
}
