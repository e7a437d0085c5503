// PostgreSQL migrations: Cinch's runner applies prisma/postgres/migrations in order, records them where
// `prisma migrate status` reads them, is safe when several nodes start at once, and yields the same tables and
// columns as the SQLite migrations.
import { mkdtempSync, cpSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import {
  applyPgMigrations,
  MigrationChecksumError,
  PG_MIGRATIONS_DIR,
} from "../../server/store/pg-migrate.ts";
import { listMigrations } from "../../server/store/migrate.ts";
import { openDb } from "../../server/store/db.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/migrate.test.ts");
const ROOT = new URL("../../", import.meta.url).pathname;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(skip)("PostgreSQL migrations", () => {
  const dbs: TestPgDb[] = [];
  const fresh = async () => {
    const d = await createPgDb();
    dbs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  test("applies every migration once, recorded with Prisma's checksum", async () => {
    const d = await fresh();
    const all = listMigrations(PG_MIGRATIONS_DIR);
    expect(await applyPgMigrations(d.url)).toEqual(all.map((m) => m.name));
    expect(await applyPgMigrations(d.url)).toEqual([]);
    const rows = await query<{ migration_name: string; checksum: string }>(
      d.url,
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1`,
    );
    expect(rows).toEqual(all.map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  test("eight nodes starting at once: one applies, the others find nothing to do, none fails", async () => {
    const d = await fresh();
    const runs = await Promise.all(Array.from({ length: 8 }, () => applyPgMigrations(d.url)));
    expect(runs.filter((r) => r.length > 0)).toHaveLength(1);
    const [{ n }] = (await query<{ n: string }>(d.url, `SELECT count(*) AS n FROM "_prisma_migrations"`)) as [
      { n: string },
    ];
    expect(Number(n)).toBe(listMigrations(PG_MIGRATIONS_DIR).length);
  });

  test("a migration edited after it was applied stops the run", async () => {
    const d = await fresh();
    await applyPgMigrations(d.url);
    const dir = mkdtempSync(join(tmpdir(), "cinch-pgmig-"));
    cpSync(PG_MIGRATIONS_DIR, dir, { recursive: true });
    const first = listMigrations(dir)[0]!;
    appendFileSync(join(dir, first.name, "migration.sql"), "\n-- edited\n");
    await expect(applyPgMigrations(d.url, dir)).rejects.toThrow(MigrationChecksumError);
    await expect(applyPgMigrations(d.url, dir)).rejects.toThrow(
      `migration ${first.name} was modified after it was applied`,
    );
  });

  // Prisma's schema cannot say a partial index or an INCLUDE column, so these two live only in a PostgreSQL
  // migration (20261207184700_list_indexes); a migration generated from the schema would not keep them.
  test("the PostgreSQL-only indexes of the dashboard's list: the noise groups, the trends' counts", async () => {
    const d = await fresh();
    await applyPgMigrations(d.url);
    const defs = await query<{ name: string; def: string }>(
      d.url,
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE indexname IN ('ViolationGroup_projectId_noise_idx', 'GroupHour_groupId_hour_idx') ORDER BY 1`,
    );
    expect(defs.map((x) => x.def.replace(/ ON public\./, " ON "))).toEqual([
      `CREATE INDEX "GroupHour_groupId_hour_idx" ON "GroupHour" USING btree ("groupId", hour) INCLUDE (count)`,
      `CREATE INDEX "ViolationGroup_projectId_noise_idx" ON "ViolationGroup" USING btree ("projectId", id) WHERE (noise <> ''::text)`,
    ]);
  });

  test("both engines' migrations give the same tables, columns and nullability", async () => {
    const d = await fresh();
    await applyPgMigrations(d.url);
    const pgCols = await query<{ t: string; c: string; nullable: string }>(
      d.url,
      `SELECT table_name AS t, column_name AS c, is_nullable AS nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`,
    );
    const sqlite = await openDb(join(mkdtempSync(join(tmpdir(), "cinch-schema-")), "cinch.db"));
    try {
      const tables = sqlite.raw
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'
                  AND name NOT LIKE 'sqlite%' ORDER BY 1`,
        )
        .all() as { name: string }[];
      const sqliteCols = tables
        .flatMap(({ name }) =>
          (
            sqlite.raw.prepare(`PRAGMA table_info("${name}")`).all() as {
              name: string;
              notnull: number;
              pk: number;
            }[]
          ).map((c) => ({ t: name, c: c.name, nullable: c.notnull || c.pk ? "NO" : "YES" })),
        )
        .sort((a, b) => (a.t === b.t ? (a.c < b.c ? -1 : 1) : a.t < b.t ? -1 : 1));
      expect(pgCols.length).toBeGreaterThan(50);
      expect(pgCols).toEqual(sqliteCols);
    } finally {
      await sqlite.close();
    }
  });

  test("`prisma migrate status` reads what the runner recorded", { timeout: 60_000 }, async () => {
    const d = await fresh();
    await applyPgMigrations(d.url);
    const r = spawnSync("npx", ["prisma", "migrate", "status"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: d.url },
      encoding: "utf8",
      timeout: 60_000,
    });
    // Prisma says "1 migration found", "2 migrations found".
    expect(r.stdout).toMatch(new RegExp(`\\b${listMigrations(PG_MIGRATIONS_DIR).length} migrations? found`));
    expect(r.stdout).toContain("Database schema is up to date!");
    expect(r.status).toBe(0);
  });
});
