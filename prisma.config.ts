// Prisma CLI config: JS engine + better-sqlite3 adapter, so no engine binary is ever downloaded.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

function databaseUrlFromEnv(): string {
  const url = process.env.DATABASE_URL ?? "file:./data/cinch.db";
  mkdirSync(dirname(url.replace(/^file:/, "")), { recursive: true });
  return url;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => new PrismaBetterSQLite3({ url: databaseUrlFromEnv() }),
});
