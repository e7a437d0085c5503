// The policy API's group cache is kept current by the writer's commits: after every commit its rows equal a fresh
// read of the database, for the builder's view ("inline") and the version comparison's ("all"), on the engine
// CINCH_TEST_ENGINE selects; each set is read once, then only patched (on PostgreSQL too: the node's own commits).
import { expect, test, vi } from "vitest";
import { policyGroups } from "../../server/store/policy-groups.ts";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import type { NoiseReason, Violation } from "../../server/reports/types.ts";
import { violation } from "../helpers/violation.ts";
import { countReads, policyDb } from "../helpers/policy-db.ts";
import { prng } from "../../bench/workload.ts";

const DAY_MS = 86_400_000;

test.each([1, 2, 3])("cached groups equal a fresh read after every commit (seed %i)", async (seed) => {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { db, writer, close } = await policyDb(["p", "q"]);
  // The reads of a project's groups (policyGroups' first statement), counted.
  const counting = countReads(db.sql, (text) => text.includes(`FROM "ViolationGroup" WHERE "projectId" =`));
  const cache = new PolicyCache(counting.sql, writer, db.otherNodes);
  const hosts = ["https://a.example", "https://b.example", "https://ajax.googleapis.com", "inline", "eval"];
  const violation = (): Violation => {
    const blocked = pick(hosts);
    return {
      directive: pick(["script-src-elem", "img-src", "connect-src"]),
      blocked: blocked.startsWith("https") ? `${blocked}/x${Math.floor(rnd() * 3)}.js` : blocked,
      blockedKey: blocked,
      documentUrl: `https://site.example/${pick(["a", "b", "c", "d"])}`,
      disposition: pick(["enforce", "report"] as const),
      sourceFile: "",
      line: null,
      column: null,
      sample: blocked === "inline" ? pick(["a()", "b()", "c()"]) : "",
      statusCode: 200,
      browser: "Chrome 131",
      noise: pick<NoiseReason | null>([null, null, null, "extension"]),
    };
  };
  const now = Date.now();
  const fresh = (versions: "all" | "inline", recentDays: number) =>
    policyGroups(db.sql, "p", { now, recentDays, versions, samplesPerGroup: 0 });
  try {
    for (let batch = 0; batch < 30; batch++) {
      // Read through the cache first (it fills, or is already current), then commit more.
      expect(await cache.groupsFor("p", now, [])).toEqual(await fresh("inline", 7));
      expect(await cache.groupsFor("p", now, [], { versions: "all", recentDays: 2 })).toEqual(
        await fresh("all", 2),
      );
      const pending: Promise<void>[] = [];
      for (let r = 0; r < 1 + Math.floor(rnd() * 20); r++) {
        // Mostly now, some days back (inside and outside the 2-day window).
        const at = rnd() < 0.7 ? now - Math.floor(rnd() * 3_600_000) : now - Math.floor(rnd() * 9 * DAY_MS);
        const tags = { policyVersion: pick([null, 1, 2]), env: "" };
        pending.push(writer.enqueue(pick(["p", "p", "q"]), [violation(), violation()], tags, at));
      }
      writer.flushNow();
      await Promise.all(pending);
    }
    expect(await cache.groupsFor("p", now, [])).toEqual(await fresh("inline", 7));
    expect(await cache.groupsFor("p", now, [], { versions: "all", recentDays: 2 })).toEqual(
      await fresh("all", 2),
    );
    // Each set was read once; every commit after was patched in.
    expect(counting.reads()).toBe(2);
  } finally {
    await close();
  }
});

test("a watcher that throws does not cost the writer its acknowledgments; the cache reloads", async () => {
  const { db, writer, close } = await policyDb(["p"]);
  const cache = new PolicyCache(db.sql, writer, db.otherNodes);
  const now = Date.now();
  const v = violation({
    directive: "img-src",
    blocked: "https://a.example/x.png",
    blockedKey: "https://a.example",
    browser: "",
  });

  try {
    expect(await cache.groupsFor("p", now, [])).toEqual([]);
    const patch = vi.spyOn(cache, "committed").mockImplementation(() => {
      throw new Error("boom");
    });
    const done = writer.enqueue("p", [v, v], { policyVersion: null, env: "" }, now);
    writer.flushNow();
    await done; // acknowledged although the watcher threw
    expect(patch).toHaveBeenCalledOnce();
    const rows = await cache.groupsFor("p", now, []);
    expect(rows.map((g) => [g.blocked, g.count, g.recentCount])).toEqual([["https://a.example", 2, 2]]);
  } finally {
    await close();
  }
});

test("as the hours pass, the recent counts slide with the window: equal to fresh reads, no group read again", async () => {
  const rnd = prng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { db, writer, close } = await policyDb(["p"]);
  const counting = countReads(db.sql, (text) => text.includes(`FROM "ViolationGroup" WHERE "projectId" =`));
  const cache = new PolicyCache(counting.sql, writer, db.otherNodes);
  const HOUR = 3_600_000;
  const start = Date.now();
  const commit = async (until: number) => {
    const pending: Promise<void>[] = [];
    for (let r = 0; r < 25; r++) {
      const blocked = pick(["https://a.example", "https://b.example", "https://c.example", "inline"]);
      const v = violation({
        directive: pick(["img-src", "script-src-elem"]),
        blocked: blocked === "inline" ? "inline" : `${blocked}/x.png`,
        blockedKey: blocked,
        sample: blocked === "inline" ? "a()" : "",
        noise: pick<NoiseReason | null>([null, null, "extension"]),
      });
      // Spread over the last 9 days: inside and outside both windows, and in the hours about to leave them.
      const at = until - Math.floor(rnd() * 9 * DAY_MS);
      pending.push(writer.enqueue("p", [v], { policyVersion: pick([null, 1]), env: "" }, at));
    }
    writer.flushNow();
    await Promise.all(pending);
  };
  const fresh = (now: number, versions: "all" | "inline", recentDays: number) =>
    policyGroups(db.sql, "p", { now, recentDays, versions, samplesPerGroup: 0 });
  try {
    await commit(start);
    let now = start;
    for (const step of [0, 1, 1, 3, 24, 50, 2]) {
      now += step * HOUR;
      if (step === 3) await commit(now); // commits patched between slides
      expect(await cache.groupsFor("p", now, [])).toEqual(await fresh(now, "inline", 7));
      expect(await cache.groupsFor("p", now, [], { versions: "all", recentDays: 2 })).toEqual(
        await fresh(now, "all", 2),
      );
    }
    // Each set was read once; every hour after slid, every commit was patched in.
    expect(counting.reads()).toBe(2);
  } finally {
    await close();
  }
});
