// API tokens: random, shown once, stored as SHA-256 (tokens are high-entropy, so a fast hash is the right tool).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";

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
  constructor(private readonly prisma: PrismaClient) {}

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
    const row = await this.prisma.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
    if (!row || row.revokedAt || !isScope(row.scope)) return null;
    const now = Date.now();
    if ((this.lastTouched.get(row.id) ?? 0) < now - 60_000) {
      this.lastTouched.set(row.id, now);
      await this.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
    }
    return {
      id: row.id,
      name: row.name,
      scope: row.scope,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
    };
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
