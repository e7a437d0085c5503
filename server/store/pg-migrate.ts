// Applies prisma/postgres/migrations/*/migration.sql in order on PostgreSQL, recorded in Prisma's
// _prisma_migrations table (so `prisma migrate status` reads them): Prisma 6.19's WASM schema engine cannot run
// `migrate deploy` on PostgreSQL (docs/architecture.md "Migrations"). Several nodes may start at
// once: the whole run holds a session advisory lock, so one applies and the others wait, then find nothing to do.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { listMigrations } from "./migrate.ts";

export const PG_MIGRATIONS_DIR = new URL("../../prisma/postgres/migrations/", import.meta.url).pathname;

/** Prisma Migrate's own advisory lock key: Cinch's runner and the Prisma CLI exclude each other too. */
const MIGRATE_LOCK = 72707369;

/** Prisma's definition of the table, so its CLI reads what this runner records. */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

export class MigrationChecksumError extends Error {}

/** Apply pending migrations on the database at `url`; returns the names applied (empty when up to date). */
export async function applyPgMigrations(url: string, dir: string = PG_MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
    try {
      await client.query(MIGRATIONS_TABLE);
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations"
         WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      const applied: string[] = [];
      for (const m of listMigrations(dir)) {
        const sum = done.get(m.name);
        if (sum !== undefined) {
          // An applied migration edited afterwards: the database is not what the files say; stop before changing it.
          if (sum !== m.checksum)
            throw new MigrationChecksumError(`migration ${m.name} was modified after it was applied`);
          continue;
        }
        const startedAt = new Date();
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
             VALUES ($1, $2, now(), $3, $4, 1)`,
            [randomUUID(), m.checksum, m.name, startedAt],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]);
    }
  } finally {
    await client.end();
  }
}
