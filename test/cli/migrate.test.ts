// `cinch migrate`: applies pending migrations to the configured database and exits, on either engine.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, test } from "vitest";
import { listMigrations, MIGRATIONS_DIR } from "../../server/store/migrate.ts";
import { PG_MIGRATIONS_DIR } from "../../server/store/pg-migrate.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "../pg/db.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const cinch = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });

test("SQLite: applies every migration, then says the database is up to date", { timeout: 60_000 }, () => {
  const url = `file:${join(mkdtempSync(join(tmpdir(), "cinch-migrate-")), "sub", "cinch.db")}`;
  const first = cinch({ DATABASE_URL: url }, "migrate");
  expect(first.stdout.trim()).toBe(
    `applied ${listMigrations(MIGRATIONS_DIR)
      .map((m) => m.name)
      .join(", ")}`,
  );
  expect(first.status).toBe(0);
  const again = cinch({ DATABASE_URL: url }, "migrate");
  expect(again.stdout.trim()).toBe("database is up to date");
});

test("a bad DATABASE_URL exits 2 naming it", { timeout: 60_000 }, () => {
  const r = cinch({ DATABASE_URL: "mysql://x/db" }, "migrate");
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("DATABASE_URL: must be a SQLite file URL");
});

const skip = await skipUnlessPg("test/cli/migrate.test.ts");
describe.skipIf(skip)("PostgreSQL", () => {
  let d: TestPgDb | undefined;
  afterAll(async () => d?.drop());
  test("applies the PostgreSQL migrations once", { timeout: 60_000 }, async () => {
    d = await createPgDb();
    const first = cinch({ DATABASE_URL: d.url }, "migrate");
    expect(first.stdout.trim()).toBe(
      `applied ${listMigrations(PG_MIGRATIONS_DIR)
        .map((m) => m.name)
        .join(", ")}`,
    );
    expect(cinch({ DATABASE_URL: d.url }, "migrate").stdout.trim()).toBe("database is up to date");
  });
  test(
    "an admin command against a PostgreSQL that does not answer says so in one line, no stack trace",
    { timeout: 60_000 },
    () => {
      const r = cinch({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }, "project", "list");
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("cinch: connect ECONNREFUSED 127.0.0.1:1\n");
    },
  );
});
