// What each group blocked in production (reports with disposition `enforce` tagged with a version), as the policy
// cache keeps it (api/policy-cache.ts blockedReports): read once, then the writer's commits are added, and after every
// commit it is exactly what PolicyStore.enforcedReports reads afresh (a scan of every hourly row of the project), on
// the engine CINCH_TEST_ENGINE selects (on PostgreSQL the node's own commits are added too).
import { expect, test } from "vitest";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import { PolicyStore } from "../../server/store/policies.ts";
import { countReads, policyDb } from "../helpers/policy-db.ts";
import { violation } from "../helpers/violation.ts";
import { prng } from "../../bench/workload.ts";

test.each([1, 2, 3])(
  "kept current by the writer's commits, equal to a fresh read (seed %i)",
  async (seed) => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const { db, writer, close } = await policyDb(["p"]);
    // The reads of the enforce counts, counted.
    const counting = countReads(db.sql, (text) => text.includes("'enforce'"));
    const cache = new PolicyCache(counting.sql, writer, db.otherNodes);
    const store = new PolicyStore(db.prisma);
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
