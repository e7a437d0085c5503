// Ignore rules on PostgreSQL move groups and their chart rollup (DirectiveHour, by noise label) as on SQLite: the
// same reports and the same rule changes leave the same groups and rollup rows on both engines.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/reclassify.test.ts");

let db: TestPgDb;
const dir = mkdtempSync(join(tmpdir(), "cinch-pg-reclassify-"));
const apps: { t: TestApp; project: { id: string; reportKey: string } }[] = [];

const report = (directive: string, blocked: string) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/cart",
      "effective-directive": directive,
      "blocked-uri": blocked,
    },
  });

const REPORTS: [string, string, number][] = [
  ["script-src-elem", "https://ads.example/a.js", 3],
  ["script-src-elem", "https://ads.example/b.js", 2],
  ["img-src", "https://px.ads.example/p.gif", 2],
  ["script-src-elem", "https://cdn.shop.example/app.js", 4],
  ["connect-src", "wss://rt.example/socket", 1],
];

beforeAll(async () => {
  if (skip) return;
  db = await createPgDb();
  // SQLite named explicitly: under CINCH_TEST_ENGINE=postgres a test app is PostgreSQL by default.
  const envs: Record<string, string>[] = [
    { DATABASE_URL: `file:${join(dir, "cinch.db")}` },
    { DATABASE_URL: db.url },
  ];
  for (const env of envs) {
    const t = await startTestApp(env);
    const project = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as {
      id: string;
      reportKey: string;
    };
    for (const [directive, blocked, times] of REPORTS)
      for (let i = 0; i < times; i++) {
        const res = await fetch(`${t.url}/r/${project.reportKey}`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: report(directive, blocked),
        });
        expect(res.status).toBe(204);
      }
    apps.push({ t, project });
  }
});

afterAll(async () => {
  if (skip) return;
  for (const { t } of apps) await t.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** What the relabelling touches, without engine-assigned ids. */
async function state(a: (typeof apps)[number]) {
  const groups = await rows<{ blocked: string; noise: string; count: unknown }>(
    a.t,
    `SELECT blocked, noise, count FROM "ViolationGroup" WHERE "projectId" = ? ORDER BY blocked`,
    a.project.id,
  );
  const hours = await rows<{ directive: string; noise: string; count: unknown }>(
    a.t,
    `SELECT directive, noise, SUM(count) AS count FROM "DirectiveHour" WHERE "projectId" = ?
     GROUP BY directive, noise ORDER BY directive, noise`,
    a.project.id,
  );
  const plain = <T extends { count: unknown }>(xs: T[]) => xs.map((x) => ({ ...x, count: Number(x.count) }));
  return { groups: plain(groups), hours: plain(hours) };
}

test.skipIf(skip)(
  "ignoring and restoring hosts leaves the same rows on PostgreSQL as on SQLite",
  async () => {
    expect(apps.map((a) => a.t.deps.db.engine)).toEqual(["sqlite", "postgres"]);
    const steps = [{ hosts: ["ads.example"] }, { hosts: ["px.ads.example", "rt.example"] }, { hosts: [] }];
    for (const ignoreRules of steps) {
      const answers = [];
      for (const a of apps) {
        const res = await api(a.t, "PATCH", `/api/projects/${a.project.id}`, { settings: { ignoreRules } });
        expect(res.status).toBe(200);
        answers.push(((await res.json()) as { reclassified: unknown }).reclassified);
      }
      expect(answers[1], JSON.stringify(ignoreRules)).toEqual(answers[0]);
      const moved = answers[0] as { ignored: { groups: number }; restored: { groups: number } };
      expect(moved.ignored.groups + moved.restored.groups, JSON.stringify(ignoreRules)).toBeGreaterThan(0);
      const [lite, pg] = [await state(apps[0]!), await state(apps[1]!)];
      expect(pg, JSON.stringify(ignoreRules)).toEqual(lite);
    }
    // The first step moved something, and the rollup kept every report.
    const last = await state(apps[1]!);
    expect(last.hours.reduce((n, h) => n + h.count, 0)).toBe(12);
  },
);
