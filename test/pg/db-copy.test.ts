// cinch db copy: a populated SQLite installation (users, sessions, tokens, projects with settings, groups, hours,
// rollups, samples, counters, versions, a retired key, alert rules, and 500 days of reports) copied into a fresh
// PostgreSQL database has every table equal row by row; the app then serves the same answers from it; a non-empty
// target is refused unless --replace; the CLI shows plain progress lines when not on a terminal.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { copyDatabase, CopyRefused, type CopyResult } from "../../server/store/db-copy.ts";
import { openDb } from "../../server/store/db.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { signIn, startAppWithAdmin } from "../security/helpers.ts";
import { NOW, seedYears } from "../helpers/seed-years.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";
import { progressWriter } from "../../server/cli/db.ts";

const skip = await skipUnlessPg("test/pg/db-copy.test.ts");
const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-copy-"));
const SRC = join(dir, "cinch.db");

/** A value as both engines can be compared: integers exact as text, booleans, times as epoch ms. */
function norm(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type === "boolean") return v === true || v === 1 || v === 1n || v === "1";
  if (type.startsWith("timestamp")) {
    if (v instanceof Date) return v.getTime();
    const s = String(v);
    return Date.parse(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(s) ? `${s.replace(" ", "T")}Z` : s);
  }
  if (type === "integer" || type === "bigint" || type === "smallint") return BigInt(v as string).toString();
  if (type === "double precision" || type === "numeric" || type === "real") return Number(v);
  return v;
}

type Table = { name: string; rows: string[] };

/** Every table of both databases, rows normalized by the PostgreSQL column type and sorted. */
async function bothSides(url: string): Promise<{ sqlite: Table[]; postgres: Table[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const src = new Database(SRC, { readonly: true });
  try {
    const { rows: cols } = await client.query<{ t: string; c: string; type: string }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations' ORDER BY 1, ordinal_position`,
    );
    const tables = new Map<string, { c: string; type: string }[]>();
    for (const r of cols) tables.set(r.t, [...(tables.get(r.t) ?? []), r]);
    const sqlite: Table[] = [];
    const postgres: Table[] = [];
    for (const [name, cs] of tables) {
      const list = cs.map((x) => `"${x.c}"`).join(", ");
      const line = (r: unknown[]) =>
        JSON.stringify(
          r.map((v, i) => norm(v, cs[i]!.type)),
          (_k, x: unknown) => x,
        );
      const a = (
        src.prepare(`SELECT ${list} FROM "${name}"`).raw(true).safeIntegers(true).all() as unknown[][]
      )
        .map(line)
        .sort();
      const b = (await client.query({ text: `SELECT ${list} FROM "${name}"`, rowMode: "array" })).rows
        .map((r) => line(r as unknown[]))
        .sort();
      sqlite.push({ name, rows: a });
      postgres.push({ name, rows: b });
    }
    return { sqlite, postgres };
  } finally {
    src.close();
    await client.end();
  }
}

describe.skipIf(skip)("cinch db copy (SQLite → PostgreSQL)", () => {
  let target: TestPgDb;
  let copied: CopyResult;
  let answers: Record<string, unknown>;
  let sides: Awaited<ReturnType<typeof bothSides>>;
  let projectId = "";

  beforeAll(async () => {
    // An installation with everything an admin and a browser make, through the app.
    const t = await startAppWithAdmin({ DATABASE_URL: `file:${SRC}` });
    await signIn(t); // a session
    const p = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as {
      id: string;
      reportKey: string;
    };
    projectId = p.id;
    await api(t, "PATCH", `/api/projects/${p.id}`, {
      settings: { evidenceThreshold: 3, ignoreRules: { hosts: ["ads.example.net"] } },
    });
    for (let i = 0; i < 30; i++) {
      await fetch(`${t.url}/r/${p.reportKey}?v=1`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body: JSON.stringify({
          "csp-report": {
            "document-uri": `https://shop.example/p${i % 4}`,
            "effective-directive": i % 3 ? "script-src-elem" : "img-src",
            "blocked-uri": i % 5 ? `https://cdn${i % 3}.example/a.js` : "https://ads.example.net/x",
            "script-sample": `sample ${i} é ✓ 'quote' "dq"`,
          },
        }),
      });
    }
    // The script inventory (#18): a row in each of its tables (scripts, hashes, pages, hours, events, a pattern).
    const scriptBatch = JSON.parse(
      readFileSync(
        join(ROOT, "test/fixtures/script-reports/chromium156-script-hashes-batch/request.json"),
        "utf8",
      ),
    ) as { body: unknown };
    await fetch(`${t.url}/r/${p.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/reports+json" },
      body: JSON.stringify(scriptBatch.body),
    });
    await t.deps.writer.drain();
    const [script] = await t.deps.scripts.list(p.id);
    if (script) await t.deps.scripts.review(p.id, script.id, "authorized", "checkout bundle", "admin", NOW);
    await t.deps.scripts.acceptPattern(p.id, "https://cdn.localhost/lib@*/x.js", true, "admin", NOW);
    await api(t, "POST", `/api/projects/${p.id}/policy/versions`, { policy: "default-src 'self'" });
    const rotated = (await (await api(t, "POST", `/api/projects/${p.id}/report-key`)).json()) as {
      reportKey: string;
    };
    expect(rotated.reportKey).not.toBe(p.reportKey);
    await api(t, "POST", `/api/projects/${p.id}/alerts`, { kind: "new-group", channels: [] }).catch(
      () => null,
    );
    await t.deps.writer.drain();
    await t.close().catch(() => undefined);
    // 500 days of reports in two more projects: hours, rollups and running totals in volume.
    const db = await openDb(SRC, { synchronous: "NORMAL" });
    await seedYears(db, 3);
    await db.close();

    target = await createPgDb("cinch_copy");
    const lines: string[] = [];
    copied = await copyDatabase(`file:${SRC}`, target.url, {
      batchRows: 2000,
      onProgress: progressWriter({ isTTY: false, write: (s: string) => lines.push(s) }),
    });
    console.log(
      `db copy: ${copied.rows} rows in ${copied.tables.length} tables, ${(copied.ms / 1000).toFixed(2)} s, ${Math.round(
        (copied.rows * 1000) / copied.ms,
      )} rows/s; ${lines.length} progress lines`,
    );

    sides = await bothSides(target.url);
    // What the dashboard answers from each (the apps add their test token to each database).
    const ask = async (app: TestApp) => {
      const out: Record<string, unknown> = {};
      for (const id of [projectId, "p1", "p2"]) {
        const windows = [
          "",
          `since=${NOW - 399 * 86_400_000}&until=${NOW}&noise=include`,
          `since=${NOW - 7 * 86_400_000}&until=${NOW}&disposition=enforce`,
        ];
        for (const q of windows) {
          const r = await api(app, "GET", `/api/projects/${id}/violations?${q}`);
          const { window: _w, ...body } = (await r.json()) as { window: unknown };
          out[`${id}?${q}`] = body;
        }
      }
      return out;
    };
    const fromSqlite = await startTestApp({ DATABASE_URL: `file:${SRC}` });
    const fromPg = await startTestApp({ DATABASE_URL: target.url });
    answers = { sqlite: await ask(fromSqlite), postgres: await ask(fromPg) };
    await fromSqlite.close();
    await fromPg.close();
  }, 240_000);

  afterAll(async () => {
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every table is equal row by row", () => {
    const { sqlite, postgres } = sides;
    expect(postgres.map((t) => t.name)).toEqual(sqlite.map((t) => t.name));
    for (const t of [
      "User",
      "Session",
      "ApiToken",
      "Project",
      "ViolationGroup",
      "GroupHour",
      "DirectiveHour",
      "GroupRunning",
      "Sample",
      "ProjectHour",
      "PolicyVersion",
      "RetiredReportKey",
      "Script",
      "ScriptHash",
      "ScriptPage",
      "ScriptHour",
      "ScriptEvent",
      "ScriptPattern",
    ]) {
      expect(sqlite.find((x) => x.name === t)?.rows.length, t).toBeGreaterThan(0);
    }
    for (let i = 0; i < sqlite.length; i++) {
      const a = sqlite[i]!;
      const b = postgres[i]!;
      expect(b.rows.length, a.name).toBe(a.rows.length);
      expect(b.rows, a.name).toEqual(a.rows);
    }
    expect(copied.rows).toBe(sqlite.reduce((n, t) => n + t.rows.length, 0));
  });

  test("the app serves the same answers from the copy", () => {
    expect(answers.postgres).toEqual(answers.sqlite);
  });

  test("ids continue after the copied ones (sequences moved)", async () => {
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ max: number; next: string }>(
        `SELECT (SELECT MAX(id) FROM "ViolationGroup") AS max, nextval(pg_get_serial_sequence('"ViolationGroup"', 'id')) AS next`,
      );
      expect(Number(rows[0]!.next)).toBe(rows[0]!.max + 1);
    } finally {
      await c.end();
    }
  });

  test("a target with rows is refused, naming them; --replace copies again", async () => {
    await expect(copyDatabase(`file:${SRC}`, target.url)).rejects.toThrow(CopyRefused);
    await expect(copyDatabase(`file:${SRC}`, target.url)).rejects.toThrow(
      /^the target is not empty \(.*Project.*\); copy into an empty database, or pass --replace to empty these tables first$/,
    );
    const again = await copyDatabase(`file:${SRC}`, target.url, { replace: true });
    const { sqlite, postgres } = await bothSides(target.url);
    expect(postgres).toEqual(sqlite);
    expect(again.rows).toBe(sqlite.reduce((n, t) => n + t.rows.length, 0));
  });

  test("the CLI: plain progress lines without a terminal, a summary, and exit 2 on a refusal", async () => {
    const fresh = await createPgDb("cinch_copy_cli");
    try {
      const r = spawnSync(
        process.execPath,
        ["bin/cinch.mjs", "db", "copy", "--from", `file:${SRC}`, "--to", fresh.url],
        {
          cwd: ROOT,
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^copied [\d,]+ rows in \d+ tables in [\d.]+ s \([\d,]+ rows\/s\)\n$/);
      expect(r.stderr).toMatch(/^GroupHour: [\d,]+ rows \(\d+% of all, [\d,]+ rows\/s\)$/m);
      expect(r.stderr).not.toContain("\r");
      const again = spawnSync(
        process.execPath,
        ["bin/cinch.mjs", "db", "copy", "--from", `file:${SRC}`, "--to", fresh.url],
        {
          cwd: ROOT,
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/^cinch: the target is not empty/);
      const bad = spawnSync(
        process.execPath,
        ["bin/cinch.mjs", "db", "copy", "--from", "/x.db", "--to", fresh.url],
        {
          cwd: ROOT,
          encoding: "utf8",
        },
      );
      expect(bad.stderr).toBe("cinch: --from must be a SQLite file URL such as file:./data/cinch.db\n");
    } finally {
      await fresh.drop();
    }
  });

  test("on a terminal the progress is one line redrawn in place", () => {
    const out: string[] = [];
    const w = progressWriter({ isTTY: true, columns: 200, write: (s: string) => out.push(s) });
    w({
      table: "GroupHour",
      done: 50,
      total: 100,
      allDone: 50,
      allTotal: 100,
      elapsedMs: 1000,
      finished: false,
    });
    w({
      table: "GroupHour",
      done: 100,
      total: 100,
      allDone: 100,
      allTotal: 100,
      elapsedMs: 2000,
      finished: true,
    });
    expect(out[0]).toBe("\r\x1b[2K[##########..........] 50%  GroupHour 50/100  50/100 rows  50 rows/s");
    expect(out.at(-1)).toBe("\n");
    w({ table: "User", done: 0, total: 0, allDone: 100, allTotal: 100, elapsedMs: 2000, finished: true });
    expect(out.at(-1)).toBe("\n");
  });
});
