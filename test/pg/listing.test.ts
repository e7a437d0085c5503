// The dashboard's listing on PostgreSQL answers exactly what the GroupHour fallback answers there and what SQLite
// answers on the same rows: a random dataset is written through the writer on SQLite, copied into a fresh
// PostgreSQL database (cinch db copy), and every window and filter of the rollups test is asked of the three.
// PostgreSQL has paths of its own (lean-list.ts: leanList, and the same summed in parts by group id at once), which
// the SQLite tests never run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { copyDatabase } from "../../server/store/db-copy.ts";
import { openDb } from "../../server/store/db.ts";
import { openPgDb } from "../../server/store/pg-db.ts";
import { ListSplit } from "../../server/store/lean-list.ts";
import { NOISE_FILTERS, ViolationStore, tagFree } from "../../server/store/violations.ts";
import { prng } from "../../bench/workload.ts";
import { listingCases, windows, writeDataset } from "../helpers/listing-data.ts";
import { createPgDb, skipUnlessPg } from "./db.ts";

const skip = await skipUnlessPg("test/pg/listing.test.ts");
const dir = mkdtempSync(join(tmpdir(), "cinch-pg-listing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skip)("dashboard listing on PostgreSQL", () => {
  test.each([1, 2])(
    "random dataset %i: the fast paths equal the fallback and SQLite",
    async (seed) => {
      const d = await writeDataset(dir, `listing-${seed}`, seed);
      const target = await createPgDb("cinch_listing");
      await d.db.close();
      try {
        await copyDatabase(`file:${join(dir, `listing-${seed}.db`)}`, target.url);
        const lite = await openDb(join(dir, `listing-${seed}.db`));
        const pg = await openPgDb(target.url);
        try {
          const onLite = new ViolationStore(lite);
          const fast = new ViolationStore(pg);
          const slow = new ViolationStore(pg, { rollups: false });
          // The default list summed in 2 parts cut for each window, and in 3 parts cut once per project and kept
          // (a cut sampled from another window: still exact); minRows 0, these windows are small. Each store's
          // statements are counted: its parts ran, and the kept cut was sampled once per project.
          const counting = () => {
            const n = { parts: 0, samples: 0 };
            const all = <R>(q: Parameters<typeof pg.sql.all>[0]) => {
              if (q.sql.includes('h."hour" = ANY(')) n.parts++;
              if (q.sql.includes("generate_series(1,")) n.samples++;
              return pg.sql.all<R>(q);
            };
            return { n, db: { prisma: pg.prisma, sql: { ...pg.sql, all } } };
          };
          const [perWindow, kept] = [counting(), counting()];
          const split = [
            new ViolationStore(perWindow.db, { listSplit: new ListSplit(2, 0, 0) }),
            new ViolationStore(kept.db, { listSplit: new ListSplit(3, 0, 3_600_000) }),
          ];
          // Every case of the rollups test, then the listings leanList answers, in both orders and pages.
          const cases = [...listingCases(d, prng(seed))];
          for (const w of windows(d, prng(seed + 100)))
            for (const noise of NOISE_FILTERS)
              for (const [order, offset] of [
                ["desc", 0],
                ["asc", 2],
              ] as const)
                for (const projectId of d.projects)
                  cases.push({ projectId, filter: { ...w, noise, sort: "count", order, limit: 3, offset } });
          let lean = 0;
          for (const { projectId, filter } of cases) {
            const [a, b, c, ...parts] = await Promise.all([
              fast.listGroups(projectId, filter),
              slow.listGroups(projectId, filter),
              onLite.listGroups(projectId, filter),
              ...split.map((store) => store.listGroups(projectId, filter)),
            ]);
            expect(a, JSON.stringify(filter)).toEqual(b);
            expect(a, JSON.stringify(filter)).toEqual(c);
            for (const p of parts) expect(p, JSON.stringify(filter)).toEqual(a);
            // Listings leanList answers (sorted by count, no directive, text or page), with groups in them.
            const plain = !filter.directive && !filter.text && !filter.page;
            if ((filter.sort ?? "count") === "count" && tagFree(filter) && plain && a.groups.length > 0)
              lean++;
          }
          expect(lean).toBeGreaterThan(50);
          expect(perWindow.n.parts).toBeGreaterThan(100);
          expect(perWindow.n.samples).toBeGreaterThan(100);
          expect(kept.n.parts).toBeGreaterThan(100);
          expect(kept.n.samples).toBe(d.projects.length);
        } finally {
          await pg.close();
          await lite.close();
        }
      } finally {
        await target.drop();
      }
    },
    120_000,
  );
});
