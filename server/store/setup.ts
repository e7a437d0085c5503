// First run: an admin from CINCH_ADMIN_EMAIL/CINCH_ADMIN_PASSWORD, or a one-time setup token (single use,
// one hour) that the server prints as a URL; POST /api/setup spends it to create the first admin.
import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { newUser, type UserRecord, type UserStore } from "./users.ts";
import { passwordProblem } from "../accounts/passwords.ts";
import { ConfigError } from "../config.ts";

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * A row that exists only inside a setup transaction: inserting it makes concurrent setups, on any node, wait for each
 * other (the primary key: SQLite's write lock, PostgreSQL's unique-index wait), and each one then sees the users the
 * one before created. Not a hex SHA-256, so never a token's hash; deleted before the transaction commits.
 */
const SETUP_LOCK = "setup-in-progress";

export class SetupStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Issue a new token; the plain value is returned once and stored hashed. Other tokens stay valid until they expire:
   * several nodes start at once, each printing its own URL, and any of them must work. Expired and spent ones go.
   */
  async issue(now = Date.now()): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    await this.prisma.$transaction([
      this.prisma.setupToken.deleteMany({
        where: { OR: [{ expiresAt: { lte: new Date(now) } }, { usedAt: { not: null } }] },
      }),
      this.prisma.setupToken.create({
        data: { tokenHash: hash(token), expiresAt: new Date(now + SETUP_TOKEN_TTL_MS) },
      }),
    ]);
    return token;
  }

  /**
   * Create the first admin with a token: the user, or null when the token is invalid, expired or spent, or an admin
   * exists. One transaction spends the token and creates the user, serialized against every other setup (SETUP_LOCK),
   * so two setups at once on two nodes, with two tokens, create exactly one admin. The caller has checked the
   * password policy.
   */
  async createAdmin(
    token: string,
    email: string,
    password: string,
    now = Date.now(),
  ): Promise<UserRecord | null> {
    if (token.length === 0 || token.length > 200) return null;
    // Argon2 first: tens of milliseconds that need no lock.
    const data = await newUser(email, password);
    return this.prisma.$transaction(async (tx) => {
      await tx.setupToken.create({ data: { tokenHash: SETUP_LOCK, expiresAt: new Date(now) } });
      const spent =
        (await tx.user.count()) === 0 &&
        (
          await tx.setupToken.updateMany({
            where: { tokenHash: hash(token), usedAt: null, expiresAt: { gt: new Date(now) } },
            data: { usedAt: new Date(now) },
          })
        ).count === 1;
      const user = spent ? await tx.user.create({ data }) : null;
      await tx.setupToken.delete({ where: { tokenHash: SETUP_LOCK } });
      return user;
    });
  }
}

export type FirstRun =
  { kind: "ready" } | { kind: "bootstrapped"; email: string } | { kind: "setup"; token: string };

/**
 * On start: with users, nothing to do; with none, create the admin from the environment when configured,
 * else issue a setup token. A bootstrap password failing the policy stops the start (ConfigError).
 */
export async function prepareFirstRun(
  users: UserStore,
  setup: SetupStore,
  bootstrap: { email?: string; password?: string },
): Promise<FirstRun> {
  if ((await users.count()) > 0) return { kind: "ready" };
  if (bootstrap.email !== undefined && bootstrap.password !== undefined) {
    const problem = passwordProblem(bootstrap.password, bootstrap.email);
    if (problem) throw new ConfigError([`CINCH_ADMIN_PASSWORD: ${problem}`]);
    const user = await users.create(bootstrap.email, bootstrap.password);
    return { kind: "bootstrapped", email: user.email };
  }
  return { kind: "setup", token: await setup.issue() };
}
