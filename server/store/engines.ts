// Which storage engine serves a configuration, and what each one can do in this version.
import type { Config } from "../config.ts";

export class EngineUnavailableError extends Error {}

/**
 * Serving (and the admin commands) run on SQLite only in this version: on PostgreSQL, `cinch migrate` applies the
 * schema and the writer has a PostgreSQL engine (pg-batch.ts), but the app does not open PostgreSQL yet. Fail with the reason instead of
 * opening a file named after a URL.
 */
export function requireSqlite(config: Config): void {
  if (config.databaseEngine !== "sqlite") {
    throw new EngineUnavailableError(
      "DATABASE_URL: serving from PostgreSQL is not available in this version yet (`cinch migrate` is); use a file: URL",
    );
  }
}
