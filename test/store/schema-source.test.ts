// One schema source for both engines: the committed PostgreSQL schema is the SQLite schema with the provider
// swapped, and DATABASE_URL selects the engine.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { POSTGRES_SCHEMA, SQLITE_SCHEMA, postgresSchema } from "../../server/store/schema-source.ts";
import { loadConfig } from "../../server/config.ts";

test("prisma/postgres/schema.prisma is generated from prisma/schema.prisma (npx tsx server/store/schema-source.ts)", () => {
  const pg = readFileSync(POSTGRES_SCHEMA, "utf8");
  expect(pg).toBe(postgresSchema(readFileSync(SQLITE_SCHEMA, "utf8")));
  expect(pg).toContain('provider = "postgresql"');
  expect(pg).not.toContain('provider = "sqlite"');
});

test.each([
  { url: undefined, engine: "sqlite", file: "./data/cinch.db" },
  { url: "file:/srv/cinch.db", engine: "sqlite", file: "/srv/cinch.db" },
  { url: "postgres://cinch@db/cinch", engine: "postgres", file: "" },
  { url: "postgresql://cinch@db/cinch?host=/run/pg", engine: "postgres", file: "" },
])("DATABASE_URL $url selects $engine", ({ url, engine, file }) => {
  const c = loadConfig(url === undefined ? {} : { DATABASE_URL: url });
  expect(c.databaseEngine).toBe(engine);
  expect(c.databaseFile).toBe(file);
  expect(c.PG_POOL_SIZE).toBe(10);
  expect(c.PG_STATEMENT_TIMEOUT_MS).toBe(30_000);
});

test.each(["mysql://x/db", "postgres:/x", "./cinch.db"])(
  "DATABASE_URL %s is refused, naming both forms",
  (url) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(
      "DATABASE_URL: must be a SQLite file URL such as file:./data/cinch.db or a PostgreSQL URL such as postgres://cinch@db/cinch",
    );
  },
);
