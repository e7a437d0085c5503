// Failed sign-ins per account, in the database: every node counts the same guesses, so adding a node does not add
// attempts (server/http/bruteforce.ts decides the backoff). The count is incremented in SQL (one upsert), so two
// nodes failing the same account at once both count.
import { createHash } from "node:crypto";
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { num } from "./rows.ts";

/** An account's failures: how many, since when they count, and until when it is locked (epoch ms). */
export type Failures = { count: number; lockedUntil: number; last: number };

/** Where the per-account failures live (the database; a Map in unit tests). */
export interface FailureStore {
  get(account: string): Promise<Failures | undefined>;
  /** Count one failure at `now` (a fresh count when the last one is older than `forgetBefore`); the new count. */
  add(account: string, now: number, forgetBefore: number): Promise<number>;
  /** Lock the account until `until` (never shortening a longer lock). */
  lock(account: string, until: number): Promise<void>;
  clear(account: string): Promise<void>;
}

/** The key of an account: the same on every node (the email is not stored as typed). */
const keyOf = (account: string): string => createHash("sha256").update(account).digest("base64url");

/** Failures in the database (either engine: one SQL text, sql.ts). */
export class DbFailureStore implements FailureStore {
  constructor(private readonly db: Pick<Db, "sql">) {}

  async get(account: string): Promise<Failures | undefined> {
    const [r] = await this.db.sql.all<{ count: unknown; lockedUntil: unknown; last: unknown }>(Prisma.sql`
      SELECT count, "lockedUntil" AS "lockedUntil", last FROM "SigninFailure" WHERE "key" = ${keyOf(account)}`);
    return r ? { count: num(r.count), lockedUntil: num(r.lockedUntil), last: num(r.last) } : undefined;
  }

  async add(account: string, now: number, forgetBefore: number): Promise<number> {
    const [r] = await this.db.sql.all<{ count: unknown }>(Prisma.sql`
      INSERT INTO "SigninFailure" ("key", count, "lockedUntil", last) VALUES (${keyOf(account)}, 1, 0, ${now})
      ON CONFLICT ("key") DO UPDATE SET
        count = CASE WHEN "SigninFailure".last < ${forgetBefore} THEN 1 ELSE "SigninFailure".count + 1 END,
        "lockedUntil" = CASE WHEN "SigninFailure".last < ${forgetBefore} THEN 0 ELSE "SigninFailure"."lockedUntil" END,
        last = excluded.last
      RETURNING count`);
    return num(r?.count);
  }

  async lock(account: string, until: number): Promise<void> {
    await this.db.sql.all(Prisma.sql`
      UPDATE "SigninFailure" SET "lockedUntil" = ${until}
      WHERE "key" = ${keyOf(account)} AND "lockedUntil" < ${until} RETURNING "key"`);
  }

  async clear(account: string): Promise<void> {
    await this.db.sql.all(
      Prisma.sql`DELETE FROM "SigninFailure" WHERE "key" = ${keyOf(account)} RETURNING "key"`,
    );
  }
}
