// Dashboard sessions: random ids given to the browser once, stored only as an HMAC under the session key, with
// an idle and an absolute expiry, revocable one by one or all at once per user.
import { createHmac, randomBytes } from "node:crypto";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

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
  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;

  constructor(
    db: Pick<Db, "prisma" | "sql">,
    private readonly key: Buffer,
    private readonly life: SessionLifetimes,
  ) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

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
    // Every dashboard call asks this: one raw statement, not Prisma (see TokenStore.verify).
    const d = this.sql.dialect;
    const [row] = await this.sql.all<Record<string, unknown>>(Prisma.sql`
      SELECT s."userId", u."email", s."csrfToken", ${d.epochMs(Prisma.sql`s."expiresAt"`)} AS "expiresAt",
        ${d.epochMs(Prisma.sql`s."lastSeenAt"`)} AS "lastSeenAt"
      FROM "Session" s JOIN "User" u ON u."id" = s."userId" WHERE s."idHash" = ${idHash}`);
    if (!row) return null;
    const expiresAt = num(row.expiresAt);
    const lastSeenAt = num(row.lastSeenAt);
    if (expiresAt <= now || lastSeenAt + this.life.idleMs <= now) {
      await this.prisma.session.deleteMany({ where: { idHash } });
      return null;
    }
    if (lastSeenAt < now - TOUCH_MS) {
      await this.prisma.session.updateMany({ where: { idHash }, data: { lastSeenAt: new Date(now) } });
    }
    return {
      idHash,
      userId: String(row.userId),
      email: String(row.email),
      csrfToken: String(row.csrfToken),
      expiresAt: new Date(expiresAt),
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
