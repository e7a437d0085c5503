// Prisma CLI config: JS engine + a driver adapter, so no engine binary is ever downloaded. DATABASE_URL selects
// the engine as Cinch does: postgres:// or postgresql:// the PostgreSQL schema and migrations (prisma/postgres/),
// file: or unset SQLite (prisma/).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

const url = process.env.DATABASE_URL ?? "file:./data/cinch.db";
const postgres = /^postgres(ql)?:\/\//.test(url);

function sqliteUrl(): string {
  mkdirSync(dirname(url.replace(/^file:/, "")), { recursive: true });
  return url;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgres/migrations" : "prisma/migrations" },
  adapter: async () =>
    postgres ? new PrismaPg({ connectionString: url }) : new PrismaBetterSQLite3({ url: sqliteUrl() }),
});
