// Admin accounts. Emails are stored lowercased; passwords only as Argon2id hashes (server/accounts/passwords.ts).
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { normalizeEmail } from "../accounts/email.ts";
import { hashPassword } from "../accounts/passwords.ts";

export type UserRecord = { id: string; email: string; passwordHash: string; createdAt: Date };

/** A new admin's row (the caller has checked the password policy). */
export async function newUser(
  email: string,
  password: string,
): Promise<{ id: string; email: string; passwordHash: string }> {
  return { id: randomUUID(), email: normalizeEmail(email), passwordHash: await hashPassword(password) };
}

export class UserStore {
  constructor(private readonly prisma: PrismaClient) {}

  count(): Promise<number> {
    return this.prisma.user.count();
  }

  async byEmail(email: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { email: normalizeEmail(email) } });
  }

  async byId(id: string): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  async list(): Promise<UserRecord[]> {
    return this.prisma.user.findMany({ orderBy: { createdAt: "asc" } });
  }

  /** Create an admin; the caller has checked the password policy. */
  async create(email: string, password: string): Promise<UserRecord> {
    return this.prisma.user.create({ data: await newUser(email, password) });
  }

  /** Replace the password hash (a new password, or a rehash with today's parameters). */
  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash } });
  }

  /** Set a new password (the caller has checked the policy); every session of the user ends with the old one. */
  async setPassword(id: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.prisma.$transaction([
      this.prisma.user.update({ where: { id }, data: { passwordHash } }),
      this.prisma.session.deleteMany({ where: { userId: id } }),
    ]);
  }

  /** End every session of a user; returns how many ended. */
  async signOutEverywhere(id: string): Promise<number> {
    return (await this.prisma.session.deleteMany({ where: { userId: id } })).count;
  }

  /** Delete an account (its sessions go with it: ON DELETE CASCADE). */
  async remove(email: string): Promise<boolean> {
    const res = await this.prisma.user.deleteMany({ where: { email: normalizeEmail(email) } });
    return res.count > 0;
  }
}
