// Per-page and per-browser counts (#16) written by two nodes on one PostgreSQL database at once, on one group and
// day: the bound (BREAKDOWN_LIMITS named values per group, day and kind, the rest in "other") holds and no report is
// lost or counted twice. The writer's group row locks serialize the two nodes' breakdown statements.
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";
import { BREAKDOWN_LIMITS } from "../../server/store/breakdown.ts";

const skip = await skipUnlessPg("test/pg/breakdown-nodes.test.ts");

let db: TestPgDb;
let a: TestApp;
let b: TestApp;
let project: { id: string; reportKey: string };

beforeAll(async () => {
  if (skip) return;
  db = await createPgDb();
  const env = {
    DATABASE_URL: db.url,
    PG_POOL_SIZE: "4",
    INGEST_RATE_PER_CLIENT: "100000",
    INGEST_BURST_PER_CLIENT: "100000",
  };
  a = await startTestApp(env);
  b = await startTestApp(env);
  project = (await (await api(a, "POST", "/api/projects", { name: "shared" })).json()) as typeof project;
});

afterAll(async () => {
  if (skip) return;
  await a.close();
  await b.close();
  await db.drop();
});

const UAS = Array.from(
  { length: 16 },
  (_, i) =>
    `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + i}.0.0.0 Safari/537.36`,
);

test.skipIf(skip)("two nodes on one group: bounded per day and kind, every report counted once", async () => {
  const pages = BREAKDOWN_LIMITS.page * 2;
  const n = 480;
  const sends: Promise<Response>[] = [];
  for (let i = 0; i < n; i++) {
    sends.push(
      fetch(`${(i % 2 === 0 ? a : b).url}/r/${project.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report", "User-Agent": UAS[i % UAS.length]! },
        body: JSON.stringify({
          "csp-report": {
            "document-uri": `https://shop.example/p${i % pages}`,
            "effective-directive": "script-src-elem",
            "blocked-uri": "https://cdn.example/x.js",
          },
        }),
      }),
    );
  }
  expect((await Promise.all(sends)).map((r) => r.status).filter((s) => s !== 204)).toEqual([]);
  const per = await rows<{ kind: string; named: unknown; total: unknown; others: unknown }>(
    a,
    `SELECT kind, SUM(CASE WHEN value <> '' THEN 1 ELSE 0 END) AS named, SUM(count) AS total,
       SUM(CASE WHEN value = '' THEN 1 ELSE 0 END) AS others
     FROM "GroupBreakdown" WHERE "projectId" = ? GROUP BY "groupId", day, kind ORDER BY kind`,
    project.id,
  );
  // Reports may straddle a UTC midnight: sum over the days, bound per day.
  for (const kind of ["browser", "page"] as const) {
    const mine = per.filter((r) => r.kind === kind);
    expect(mine.reduce((s, r) => s + Number(r.total), 0)).toBe(n);
    for (const r of mine) {
      expect(Number(r.named)).toBeLessThanOrEqual(BREAKDOWN_LIMITS[kind]);
      expect(Number(r.others)).toBeLessThanOrEqual(1);
    }
  }
  // 40 pages and 16 browsers for limits of 20 and 12: both filled up, both with an "other" row.
  expect(
    per.filter((r) => Number(r.named) === BREAKDOWN_LIMITS[r.kind as "page" | "browser"]).length,
  ).toBeGreaterThan(0);
});
