// Opens the SQLite database twice on one file: Prisma (through the better-sqlite3 adapter) for the application's
// queries, and a raw better-sqlite3 handle for the ingest writer's prepared statements (the hot path).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";

export type Db = {
  prisma: PrismaClient;
  raw: Database.Database;
  file: string;
  close(): Promise<void>;
};

export type OpenDbOptions = { synchronous?: "FULL" | "NORMAL" };

/** Open (creating the directory and applying migrations) the database at a file path. */
export async function openDb(file: string, opts: OpenDbOptions = {}): Promise<Db> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
  raw.pragma("busy_timeout = 5000");
  raw.pragma("foreign_keys = ON");
  applyMigrations(raw);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
  await prisma.$executeRawUnsafe("PRAGMA busy_timeout = 5000");
  return {
    prisma,
    raw,
    file,
    async close() {
      await prisma.$disconnect();
      raw.close();
    },
  };
}
