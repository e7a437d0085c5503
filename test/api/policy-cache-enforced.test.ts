// What each group blocked in production (reports with disposition `enforce` tagged with a version), as the policy
// cache keeps it (api/policy-cache.ts blockedReports): read once, then the writer's commits are added, and after every
// commit it is exactly what PolicyStore.enforcedReports reads afresh (a scan of every hourly row of the project), on
// the engine CINCH_TEST_ENGINE selects (on PostgreSQL the node's own commits are added too).
import { expect, test } from "vitest";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import { PolicyStore } from "../../server/store/policies.ts";
import { countReads, policyDb } from "../helpers/policy-db.ts";
import { TEST_ENGINE } from "../helpers/app.ts";
import { violation } from "../helpers/violation.ts";
import { prng } from "../../bench/workload.ts";

/** A read of the enforce counts: one statement over every hour, or on SQLite the first of its slices' reads. */
const enforceReads = (text: string): boolean =>
  text.includes("MIN(hour)") || (text.includes("'enforce'") && !text.includes("hour >="));

test.each([1, 2, 3])(
  "kept current by the writer's commits, equal to a fresh read (seed %i)",
  async (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const { db, writer, close } = await policyDb(["p"]);
    const counting = countReads(db.sql, enforceReads);
    const cache = new PolicyCache(counting.sql, writer, db.otherNodes);
    const store = new PolicyStore(db);
    const anyViolation = () => {
      const host = pick([
        "https://a.example",
        "https://b.example",
        "https://c.example",
        "https://skim.example",
      ]);
      return violation({
        directive: pick(["script-src-elem", "img-src"]),
        blocked: `${host}/x.js`,
        blockedKey: host,
        disposition: pick(["enforce", "report", "enforce"] as const),
      });
    };
    try {
      const versions = [1, 2, 3];
      for (let batch = 0; batch < 15; batch++) {
        const pending: Promise<void>[] = [];
        for (let r = 0; r < 1 + Math.floor(rnd() * 8); r++) {
          const tags = { policyVersion: pick([null, 1, 2, 3, 7]), env: "" };
          pending.push(
            writer.enqueue("p", [anyViolation()], tags, Date.now() - Math.floor(rnd() * 86_400_000)),
          );
        }
        writer.flushNow();
        await Promise.all(pending);
        const asked = batch % 4 === 3 ? [2] : versions;
        expect(await cache.blockedReports("p", asked)).toEqual(await store.enforcedReports("p", asked));
      }
      // Read once, then kept current by the commits.
      expect(counting.reads()).toBe(1);
    } finally {
      await close();
    }
  },
);

test.skipIf(TEST_ENGINE !== "sqlite")(
  "SQLite reads the counts a day at a time; commits landing between slices are counted once, in any hour",
  async () => {
    const { db, writer, close } = await policyDb(["p"]);
    const counting = countReads(db.sql, enforceReads);
    const cache = new PolicyCache(counting.sql, writer, db.otherNodes);
    const store = new PolicyStore(db);
    const HOUR = 3_600_000;
    const now = Date.now();
    const report = (host: string, hoursAgo: number, policyVersion: number) =>
      writer.enqueue(
        "p",
        [violation({ blocked: `${host}/x.js`, blockedKey: host, disposition: "enforce" })],
        { policyVersion, env: "" },
        now - hoursAgo * HOUR,
      );
    const commit = async (done: Promise<void>[]) => {
      writer.flushNow();
      await Promise.all(done);
    };
    try {
      // Five days of hours: the read takes several slices.
      await commit(
        [0, 7, 30, 55, 80, 119].map((h, i) => report(`https://h${i % 3}.example`, h, 1 + (i % 2))),
      );
      const reading = cache.blockedReports("p", [1, 2]);
      // The first slice has been read (the oldest day); now commits land in hours read, not read yet, and current.
      await new Promise((r) => setImmediate(r));
      await commit([
        report("https://h0.example", 119, 1),
        report("https://h9.example", 30, 2),
        report("https://h1.example", 0, 1),
      ]);
      await new Promise((r) => setImmediate(r));
      await commit([report("https://h2.example", 118, 2), report("https://h0.example", 0, 1)]);
      expect(await reading).toEqual(await store.enforcedReports("p", [1, 2]));
      // Kept current from there: one read in all.
      await commit([report("https://h3.example", 100, 1)]);
      expect(await cache.blockedReports("p", [1, 2])).toEqual(await store.enforcedReports("p", [1, 2]));
      expect(counting.reads()).toBe(1);
      // A generation step that is not a commit (a re-classification) while a read runs: read again after.
      writer.invalidateProject("p");
      const again = cache.blockedReports("p", [1, 2]);
      await new Promise((r) => setImmediate(r));
      writer.invalidateProject("p");
      await again;
      await commit([report("https://h4.example", 3, 2)]);
      expect(await cache.blockedReports("p", [1, 2])).toEqual(await store.enforcedReports("p", [1, 2]));
      expect(counting.reads()).toBe(3);
    } finally {
      await close();
    }
  },
);
