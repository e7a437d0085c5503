// Applies prisma/migrations/*/migration.sql in order, recording them in Prisma's own _prisma_migrations table,
// so `prisma migrate status` agrees. Done in-process because spawning the Prisma CLI costs seconds per database.
// PostgreSQL has its own migrations folder and runner (pg-migrate.ts); the listing here is shared.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";

export const MIGRATIONS_DIR = new URL("../../prisma/migrations/", import.meta.url).pathname;

export type Migration = { name: string; sql: string; checksum: string };

/** The migrations of a folder, in order (a folder per migration holding migration.sql). */
export function listMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      // Prisma's checksum: SHA-256 of the file, hex.
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** Apply pending migrations; returns the names applied. */
export function applyMigrations(db: Database.Database, dir: string = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL,
    "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
  const done = new Set(
    (
      db
        .prepare(
          `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        )
        .all() as { migration_name: string }[]
    ).map((r) => r.migration_name),
  );
  const applied: string[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.name)) continue;
    const startedAt = new Date().toISOString();
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare(
        `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES (?, ?, ?, ?, ?, 1)`,
      ).run(randomUUID(), m.checksum, new Date().toISOString(), m.name, startedAt);
    })();
    applied.push(m.name);
  }
  return applied;
}
