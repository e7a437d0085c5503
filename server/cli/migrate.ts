// CLI: `cinch migrate` applies pending migrations to the configured database and exits (for deploy pipelines;
// `npm start` applies them too). PostgreSQL runs under an advisory lock, so concurrent runs are safe.
import type { Command } from "commander";
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { loadConfig, ConfigError, type Config } from "../config.ts";
import { applyMigrations } from "../store/migrate.ts";
import { applyPgMigrations } from "../store/pg-migrate.ts";
import { CliError, out } from "./io.ts";

/** The configuration, or a CliError (exit 2) listing its problems. */
export function cliConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

/** Apply pending migrations on the configured database; returns the names applied. */
export async function migrate(config: Config): Promise<string[]> {
  if (config.databaseEngine === "postgres") return applyPgMigrations(config.databaseUrl);
  mkdirSync(dirname(config.databaseFile), { recursive: true });
  const db = new Database(config.databaseFile);
  try {
    db.pragma("journal_mode = WAL");
    return applyMigrations(db);
  } finally {
    db.close();
  }
}

export function registerMigrateCommands(program: Command): void {
  program
    .command("migrate")
    .description("apply pending database migrations (SQLite or PostgreSQL, from DATABASE_URL) and exit")
    .action(async () => {
      const config = cliConfig();
      let applied: string[];
      try {
        applied = await migrate(config);
      } catch (err) {
        throw new CliError(`migrate: ${err instanceof Error ? err.message : String(err)}`);
      }
      out(applied.length === 0 ? "database is up to date" : `applied ${applied.join(", ")}`);
    });
}
