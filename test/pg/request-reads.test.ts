// The reads every API call makes (an API token or a dashboard session, the project, its policy versions) are raw
// statements, not
// Prisma (whose query compiler costs the event loop ~1-2 ms a call): on both engines they must read exactly what
// Prisma stored. The process runs in a time zone west of UTC, where a PostgreSQL `timestamp` read by node-postgres
// as local time would be hours off (Dialect.epochMs reads it as UTC, as Prisma does).
process.env.TZ = "America/New_York";

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AlertOutbox } from "../../server/store/alert-outbox.ts";
import type { Db } from "../../server/store/db.ts";
import { openPgDb } from "../../server/store/pg-db.ts";
import { PolicyStore } from "../../server/store/policies.ts";
import { ProjectStore } from "../../server/store/projects.ts";
import { SessionStore } from "../../server/store/sessions.ts";
import { openDb } from "../../server/store/sqlite-db.ts";
import { hashToken, TokenStore } from "../../server/store/tokens.ts";
import { UserStore } from "../../server/store/users.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/request-reads.test.ts");

const CREATED = new Date("2026-03-29T01:30:00.123Z"); // an hour that does not exist in Europe's local time
const USED = new Date("2026-11-01T05:59:59.999Z"); // around New York's change back to standard time

async function seed(db: Db) {
  const projects = new ProjectStore(db);
  const p = await projects.create("shop \"quoted\" 'name'", { builtin: true });
  await db.prisma.project.update({ where: { id: p.id }, data: { createdAt: CREATED } });
  const tokens = new TokenStore(db);
  const live = await tokens.create("ci", "write");
  const unused = await tokens.create("never used", "read");
  const revoked = await tokens.create("old", "admin");
  await db.prisma.apiToken.update({ where: { id: live.info.id }, data: { lastUsedAt: USED } });
  await tokens.revokeById(revoked.info.id);
  for (const [version, state] of [
    [2, "enforced"],
    [1, "retired"],
    [3, "draft"],
  ] as const) {
    await db.prisma.policyVersion.create({
      data: {
        projectId: p.id,
        version,
        policy: `default-src 'self'; img-src https://v${version}.example`,
        state,
        notes: JSON.stringify({ why: `v${version}` }),
        createdAt: new Date(CREATED.getTime() + version * 3_600_000),
        updatedAt: new Date(USED.getTime() + version),
      },
    });
  }
  return { projectId: p.id, live: live.token, unused: unused.token, revoked: revoked.token };
}

describe.skipIf(skip)("the API's per-call reads, raw on both engines", () => {
  const engines: { name: string; db: Db; done: () => Promise<void> }[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "cinch-reads-"));
    const lite = await openDb(join(dir, "cinch.db"));
    engines.push({
      name: "sqlite",
      db: lite,
      done: async () => {
        await lite.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
    const pgDb: TestPgDb = await createPgDb();
    const pgOpened = await openPgDb(pgDb.url);
    engines.push({
      name: "postgres",
      db: pgOpened,
      done: async () => {
        await pgOpened.close();
        await pgDb.drop();
      },
    });
  });
  afterAll(async () => {
    for (const e of engines) await e.done();
  });

  test("tokens, the project and its versions read as Prisma stored them, times exact to the millisecond", async () => {
    for (const { name, db } of engines) {
      const s = await seed(db);
      const tokens = new TokenStore(db);

      const live = await tokens.verify(s.live);
      const stored = await db.prisma.apiToken.findUniqueOrThrow({ where: { tokenHash: hashToken(s.live) } });
      expect(live, name).toEqual({
        id: stored.id,
        name: "ci",
        scope: "write",
        createdAt: stored.createdAt,
        lastUsedAt: USED,
      });
      const unused = await tokens.verify(s.unused);
      expect(unused?.lastUsedAt, name).toBeNull();
      expect(unused?.scope, name).toBe("read");
      expect(await tokens.verify(s.revoked), `${name}: a revoked token`).toBeNull();
      expect(await tokens.verify("cinch_unknown"), `${name}: an unknown token`).toBeNull();

      const project = await new ProjectStore(db).get(s.projectId);
      expect(project, name).toMatchObject({
        id: s.projectId,
        name: "shop \"quoted\" 'name'",
        builtin: true,
        createdAt: CREATED,
      });
      expect(project?.settings.evidenceThreshold, name).toBeGreaterThan(0);
      expect(await new ProjectStore(db).get("no-such-project"), name).toBeNull();

      const versions = await new PolicyStore(db).list(s.projectId);
      expect(
        versions.map((v) => [v.version, v.state, v.notes, v.createdAt.toISOString(), v.updatedAt.getTime()]),
        name,
      ).toEqual(
        [1, 2, 3].map((v) => [
          v,
          ["retired", "enforced", "draft"][v - 1],
          { why: `v${v}` },
          new Date(CREATED.getTime() + v * 3_600_000).toISOString(),
          USED.getTime() + v,
        ]),
      );
      expect(await new PolicyStore(db).list("no-such-project"), name).toEqual([]);
    }
  });

  test("a dashboard session resolves to its user, and not once idle, expired or revoked", async () => {
    const life = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000 };
    for (const { name, db } of engines) {
      const user = await new UserStore(db.prisma).create(`${name}@shop.example`, "a long enough password 1");
      const sessions = new SessionStore(db, Buffer.alloc(32, 7), life);
      const t0 = USED.getTime();
      const made = await sessions.create(user.id, t0);
      expect(await sessions.resolve(made.id, t0 + 1_000), name).toEqual({
        idHash: sessions.hashId(made.id),
        userId: user.id,
        email: `${name}@shop.example`,
        csrfToken: made.csrfToken,
        expiresAt: new Date(t0 + life.maxMs),
      });
      // Touched after a minute: idle time counts from the last call, so two calls 20 minutes apart keep it.
      expect(await sessions.resolve(made.id, t0 + 20 * 60_000), name).not.toBeNull();
      expect(await sessions.resolve(made.id, t0 + 40 * 60_000), name).not.toBeNull();
      expect(await sessions.resolve(made.id, t0 + 71 * 60_000), `${name}: idle`).toBeNull();
      expect(await db.prisma.session.count({ where: { userId: user.id } }), name).toBe(0);

      const again = await sessions.create(user.id, t0);
      expect(await sessions.resolve(again.id, t0 + life.maxMs), `${name}: past its lifetime`).toBeNull();
      const third = await sessions.create(user.id, t0);
      await sessions.revoke(third.id);
      expect(await sessions.resolve(third.id, t0 + 1_000), `${name}: revoked`).toBeNull();
    }
  });

  test("the alert outbox's due deliveries (polled every second): due, unleased, unfinished, oldest first", async () => {
    for (const { name, db } of engines) {
      const outbox = new AlertOutbox(db);
      const t = 1_780_000_000_000; // past 2^32 ms: BIGINT columns
      const channels = [
        { id: null, name: 'hook "a"', kind: "webhook" as const },
        { id: null, name: "mail", kind: "email" as const },
      ];
      const event = { projectId: `p-${name}`, ruleId: null, kind: "new-group" as const, groupId: 7 };
      const later = await outbox.add({ ...event, title: "later", payload: "{}" }, channels, t + 10);
      const first = await outbox.add({ ...event, title: "first", payload: "{}" }, channels.slice(0, 1), t);
      const future = await outbox.add(
        { ...event, title: "future", payload: "{}" },
        channels.slice(0, 1),
        t + 60_000,
      );
      // One of `later`'s is leased by a node, the other delivered already.
      expect(await outbox.claim(later.deliveries[0]!, "node-b", t + 20, 30_000)).toBe(true);
      expect(await outbox.claim(later.deliveries[1]!, "node-a", t + 20, 30_000)).toBe(true);
      await outbox.finish(later.deliveries[1]!, "node-a", { ok: true, responseCode: 250, at: t + 25 });

      const due = await outbox.due(t + 30, 50);
      expect(
        due.map((d) => d.id),
        name,
      ).toEqual([first.deliveries[0]]);
      expect(due[0], name).toEqual(await outbox.delivery(first.deliveries[0]!));
      expect(due[0], name).toMatchObject({ nextAttemptAt: t, createdAt: t, attempts: 0, status: "pending" });
      // Once the lease has run out, the leased one is due again, after the older one; the limit holds.
      const afterLease = await outbox.due(t + 40_000, 50);
      expect(
        afterLease.map((d) => d.id),
        name,
      ).toEqual([first.deliveries[0], later.deliveries[0]]);
      expect(
        (await outbox.due(t + 40_000, 1)).map((d) => d.id),
        name,
      ).toEqual([first.deliveries[0]]);
      expect(
        (await outbox.due(t + 70_000, 50)).map((d) => d.id),
        name,
      ).toContain(future.deliveries[0]);
    }
  });

  test("a token revoked through the store is refused at once on the next call", async () => {
    for (const { name, db } of engines) {
      const tokens = new TokenStore(db);
      const { token, info } = await tokens.create(`soon revoked ${name}`, "read");
      expect((await tokens.verify(token))?.id, name).toBe(info.id);
      await tokens.revokeById(info.id);
      expect(await tokens.verify(token), name).toBeNull();
    }
  });
});
