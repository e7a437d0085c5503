// API tokens: random, shown once, stored as SHA-256 (tokens are high-entropy, so a fast hash is the right tool).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { dateOf, dateOrNull, flag } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
export const isScope = (s: unknown): s is Scope =>
  typeof s === "string" && (SCOPES as readonly string[]).includes(s);

/** Does a granted scope cover the required one? admin ⊃ write ⊃ read. */
export const scopeCovers = (granted: Scope, required: Scope): boolean =>
  SCOPES.indexOf(granted) >= SCOPES.indexOf(required);

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export type TokenInfo = { id: string; name: string; scope: Scope; createdAt: Date; lastUsedAt: Date | null };

export class TokenStore {
  private lastTouched = new Map<string, number>();
  private readonly prisma: PrismaClient;
  private readonly sql: SqlReader;
  constructor(db: Pick<Db, "prisma" | "sql">) {
    this.prisma = db.prisma;
    this.sql = db.sql;
  }

  /** Create a token; the plain value is returned once and never stored. */
  async create(name: string, scope: Scope): Promise<{ token: string; info: TokenInfo }> {
    const token = `cinch_${randomBytes(32).toString("base64url")}`;
    const row = await this.prisma.apiToken.create({
      data: { id: randomUUID(), name, scope, tokenHash: hashToken(token) },
    });
    return { token, info: { id: row.id, name: row.name, scope, createdAt: row.createdAt, lastUsedAt: null } };
  }

  /** Resolve a presented token; updates last-used at most once a minute. */
  async verify(token: string): Promise<TokenInfo | null> {
    // Every API call asks this: one raw statement, not Prisma (whose query compiler costs ~1-2 ms of the event loop
    // per call, up to 17 ms at a time; measured while the dashboard asks for suggestions, 2026-12-07).
    const d = this.sql.dialect;
    const [raw] = await this.sql.all<Record<string, unknown>>(Prisma.sql`
      SELECT "id", "name", "scope", "revokedAt" IS NOT NULL AS "revoked",
        ${d.epochMs(Prisma.sql`"createdAt"`)} AS "createdAt", ${d.epochMs(Prisma.sql`"lastUsedAt"`)} AS "lastUsedAt"
      FROM "ApiToken" WHERE "tokenHash" = ${hashToken(token)}`);
    if (!raw || flag(raw.revoked) || !isScope(raw.scope)) return null;
    const info: TokenInfo = {
      id: String(raw.id),
      name: String(raw.name),
      scope: raw.scope,
      createdAt: dateOf(raw.createdAt),
      lastUsedAt: dateOrNull(raw.lastUsedAt),
    };
    const now = Date.now();
    if ((this.lastTouched.get(info.id) ?? 0) < now - 60_000) {
      this.lastTouched.set(info.id, now);
      await this.prisma.apiToken.update({ where: { id: info.id }, data: { lastUsedAt: new Date(now) } });
    }
    return info;
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.prisma.apiToken.findMany({
      where: { revokedAt: null },
      orderBy: { createdAt: "asc" },
    });
    return rows.flatMap((r) =>
      isScope(r.scope)
        ? [{ id: r.id, name: r.name, scope: r.scope, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt }]
        : [],
    );
  }

  /** Revoke one token by id (the API's way: names are not unique); false when no active token has that id. */
  async revokeById(id: string): Promise<boolean> {
    const res = await this.prisma.apiToken.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return res.count > 0;
  }

  /** Revoke by id or by name; returns how many were revoked. */
  async revoke(idOrName: string): Promise<number> {
    const res = await this.prisma.apiToken.updateMany({
      where: { revokedAt: null, OR: [{ id: idOrName }, { name: idOrName }] },
      data: { revokedAt: new Date() },
    });
    return res.count;
  }
}
