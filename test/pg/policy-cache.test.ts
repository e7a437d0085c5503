// The policy cache on PostgreSQL (server/api/policy-cache.ts): the node's own commits patch its cached groups
// exactly, also when a commit lands while a read runs on another connection — each race is made to happen here by
// holding the writer's COMMIT (before it is sent, or after PostgreSQL answered it but before the writer hears the
// answer) and the read (after its statements ran, before it ends) — and another node's commit forces a read.
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import { policyGroups } from "../../server/store/policy-groups.ts";
import { PgBatchEngine } from "../../server/store/pg-batch.ts";
import type { PgDb } from "../../server/store/db.ts";
import type { PgReader } from "../../server/store/sql.ts";
import { limitsOf, ReportWriter, type WriterOptions } from "../../server/store/writer.ts";
import type { Violation } from "../../server/reports/types.ts";
import { violation } from "../helpers/violation.ts";
import { policyDb, type PolicyDb } from "../helpers/policy-db.ts";
import { skipUnlessPg } from "./db.ts";

const skip = await skipUnlessPg("test/pg/policy-cache.test.ts");
const OPTS: WriterOptions = { flushMs: 1000, maxQueue: 1_000_000 };
const now = Date.now();

/** A point a test holds something at: reached() once it got there, then it waits for release(). */
class Hold {
  private reachedFn!: () => void;
  private releaseFn!: () => void;
  readonly reached = new Promise<void>((r) => (this.reachedFn = r));
  private readonly released = new Promise<void>((r) => (this.releaseFn = r));
  async wait(): Promise<void> {
    this.reachedFn();
    await this.released;
  }
  release(): void {
    this.releaseFn();
  }
}

/** The writer's next COMMIT, held before it is sent, or after PostgreSQL answered it. */
type CommitHold = { at: "send" | "answer"; hold: Hold } | null;

/** The writer's pool, whose connections hold a COMMIT as `next()` says (once per arming). */
function holdingPool(next: () => CommitHold): <P>(pool: P) => P {
  return <P>(pool: P): P => {
    const real = pool as unknown as pg.Pool;
    const connect = async () => {
      const client = await real.connect();
      return new Proxy(client, {
        get(target, key) {
          if (key !== "query") {
            const v: unknown = Reflect.get(target, key, target);
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          }
          return (q: unknown, ...rest: unknown[]) => {
            const h = q === "COMMIT" ? next() : null;
            const query = () => (target.query as (...a: unknown[]) => Promise<unknown>)(q, ...rest);
            if (!h) return query();
            if (h.at === "send") return h.hold.wait().then(query);
            return query().then(async (r) => {
              await h.hold.wait();
              return r;
            });
          };
        },
      });
    };
    return { connect } as unknown as P;
  };
}

/** The node's reader, counting its reads in one snapshot, with the next read held after its statements ran. */
function holdingReader(sql: PgReader): { sql: PgReader; reads: () => number; holdNextRead: () => Hold } {
  let n = 0;
  let held: Hold | null = null;
  return {
    sql: {
      ...sql,
      inSnapshot: (fn) =>
        sql.inSnapshot(async (s) => {
          n++;
          const value = await fn(s);
          const h = held;
          held = null;
          if (h) await h.wait();
          return value;
        }),
    },
    reads: () => n,
    holdNextRead: () => (held = new Hold()),
  };
}

type Fixture = PolicyDb & {
  db: PgDb;
  cache: PolicyCache;
  reads: () => number;
  holdNextRead: () => Hold;
  holdNextCommit: (at: "send" | "answer") => Hold;
  /** Commit reports (a new group, an inline group with its sample, an existing group again); resolves when heard. */
  commit: (tag: string) => Promise<void>;
  /** What a fresh read of the database gives, for the sets the tests follow. */
  fresh: (versions: "all" | "inline") => Promise<unknown>;
};

async function fixture(): Promise<Fixture> {
  let armed: CommitHold = null;
  const opened = await policyDb(
    ["p"],
    OPTS,
    "postgres",
    holdingPool(() => {
      const h = armed;
      armed = null;
      return h;
    }),
  );
  const db = opened.db as PgDb;
  const reader = holdingReader(db.sql);
  const cache = new PolicyCache(reader.sql, opened.writer, db.otherNodes);
  const reports = (tag: string): Violation[] => [
    violation({ blocked: `https://${tag}.example/a.js`, blockedKey: `https://${tag}.example` }),
    violation({ blocked: "https://shared.example/a.js", blockedKey: "https://shared.example" }),
    violation({ blocked: "inline", blockedKey: "inline", sample: `run('${tag}')` }),
  ];
  return {
    ...opened,
    db,
    cache,
    reads: reader.reads,
    holdNextRead: reader.holdNextRead,
    holdNextCommit: (at) => {
      const hold = new Hold();
      armed = { at, hold };
      return hold;
    },
    commit: (tag) => {
      const done = opened.writer.enqueue("p", reports(tag), { policyVersion: 1, env: "" }, now);
      opened.writer.flushNow();
      return done;
    },
    fresh: (versions) => policyGroups(db.sql, "p", { now, recentDays: 7, versions, samplesPerGroup: 0 }),
  };
}

/** Both sets the tests follow equal a fresh read of the database. */
async function expectCurrent(f: Fixture): Promise<void> {
  expect(await f.cache.groupsFor("p", now, [])).toEqual(await f.fresh("inline"));
  expect(await f.cache.groupsFor("p", now, [], { versions: "all" })).toEqual(await f.fresh("all"));
}

describe.skipIf(skip)("the policy cache on PostgreSQL", () => {
  const open: Fixture[] = [];
  afterAll(async () => {
    for (const f of open) await f.close();
  });
  const start = async (): Promise<Fixture> => {
    const f = await fixture();
    open.push(f);
    await f.commit("a");
    // The version comparison's set is read first: the cache then follows the project (the writer builds the
    // changes of every commit to it), and that set is patched by each commit below.
    await f.cache.entryFor("p", now, { versions: "all" });
    return f;
  };

  test("after many commits the patched sets equal a fresh read; each set was read once", async () => {
    const f = await start();
    await f.cache.entryFor("p", now);
    for (let i = 0; i < 20; i++) {
      await f.commit(`n${i % 7}`);
      await expectCurrent(f);
    }
    expect(f.reads()).toBe(2);
  });

  test.each(["after", "during"] as const)(
    "a commit PostgreSQL answered before a read's snapshot, heard %s the read, is not added again",
    async (when) => {
      const f = await start();
      const commit = f.holdNextCommit("answer");
      const committed = f.commit("b");
      await commit.reached; // in the database, not yet heard by the writer
      if (when === "after") {
        await f.cache.entryFor("p", now); // the builder's set: first read, in a snapshot that holds the commit
        commit.release();
        await committed;
      } else {
        const read = f.holdNextRead();
        const reading = f.cache.entryFor("p", now);
        await read.reached; // the read's statements ran
        commit.release();
        await committed; // heard while the read is still open
        read.release();
        await reading;
      }
      await expectCurrent(f);
      expect(f.reads()).toBe(2);
      expect(
        (await f.cache.groupsFor("p", now, [])).find((g) => g.blocked === "https://b.example")?.count,
      ).toBe(1);
    },
  );

  test.each(["after", "during"] as const)(
    "a commit still running when a read took its snapshot, heard %s the read, is patched in once",
    async (when) => {
      const f = await start();
      const commit = f.holdNextCommit("send");
      const committed = f.commit("c");
      await commit.reached; // its transaction is open: not in a snapshot taken now
      if (when === "after") {
        await f.cache.entryFor("p", now);
        commit.release();
        await committed;
      } else {
        const read = f.holdNextRead();
        const reading = f.cache.entryFor("p", now);
        await read.reached;
        commit.release();
        await committed;
        read.release();
        await reading;
      }
      await expectCurrent(f);
      expect(f.reads()).toBe(2);
      expect(
        (await f.cache.groupsFor("p", now, [])).find((g) => g.blocked === "https://c.example")?.count,
      ).toBe(1);
    },
  );

  test("another node's re-classification (groups changed outside a commit) makes the node read them again", async () => {
    const f = await start();
    await f.cache.entryFor("p", now);
    const pool = new pg.Pool({ connectionString: f.db.url, max: 1, pipeline: true } as pg.PoolConfig);
    const other = new ReportWriter(new PgBatchEngine(pool, limitsOf(OPTS), "another-node"), OPTS);
    try {
      const heard = f.db.otherNodes.generation("p");
      // What an ignore rule does on the other node: its groups become noise, then its writer is told.
      await f.db.pool.query(
        `UPDATE "ViolationGroup" SET noise = 'ignored' WHERE blocked = 'https://a.example'`,
      );
      other.invalidateProject("p");
      for (let i = 0; i < 200 && f.db.otherNodes.generation("p") === heard; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(f.db.otherNodes.generation("p")).not.toBe(heard);
      await expectCurrent(f);
      expect((await f.cache.groupsFor("p", now, [])).some((g) => g.blocked === "https://a.example")).toBe(
        false,
      );
      expect(f.reads()).toBe(4);
    } finally {
      other.close();
      await pool.end();
    }
  });

  test("another node's commit makes the node read the project's groups again", async () => {
    const f = await start();
    await f.cache.entryFor("p", now);
    const pool = new pg.Pool({ connectionString: f.db.url, max: 1, pipeline: true } as pg.PoolConfig);
    const other = new ReportWriter(new PgBatchEngine(pool, limitsOf(OPTS), "another-node"), OPTS);
    try {
      const heard = f.db.otherNodes.generation("p");
      const done = other.enqueue(
        "p",
        [violation({ blocked: "https://other.example/a.js", blockedKey: "https://other.example" })],
        { policyVersion: null, env: "" },
        now,
      );
      other.flushNow();
      await done;
      // Its NOTIFY arrives on the listening connection.
      for (let i = 0; i < 200 && f.db.otherNodes.generation("p") === heard; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(f.db.otherNodes.generation("p")).not.toBe(heard);
      await expectCurrent(f);
      expect(f.reads()).toBe(4);
    } finally {
      await other.drain();
      other.close();
      await pool.end();
    }
  });
});
