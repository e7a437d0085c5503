// First run: an admin from CINCH_ADMIN_EMAIL/CINCH_ADMIN_PASSWORD, or a one-time setup token (single use,
// one hour) that the server prints as a URL; POST /api/setup spends it to create the first admin.
import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { UserStore } from "./users.ts";
import { passwordProblem } from "../accounts/passwords.ts";
import { ConfigError } from "../config.ts";

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

export class SetupStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Issue a new token, invalidating earlier ones; the plain value is returned once and stored hashed. */
  async issue(now = Date.now()): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    await this.prisma.$transaction([
      this.prisma.setupToken.deleteMany({}),
      this.prisma.setupToken.create({
        data: { tokenHash: hash(token), expiresAt: new Date(now + SETUP_TOKEN_TTL_MS) },
      }),
    ]);
    return token;
  }

  /**
   * Spend a token: true once for a valid, unexpired, unused token. The conditional update is atomic, so two
   * racing requests with one token cannot both succeed.
   */
  async claim(token: string, now = Date.now()): Promise<boolean> {
    if (token.length === 0 || token.length > 200) return false;
    const res = await this.prisma.setupToken.updateMany({
      where: { tokenHash: hash(token), usedAt: null, expiresAt: { gt: new Date(now) } },
      data: { usedAt: new Date(now) },
    });
    return res.count === 1;
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
