// Throwaway Cinch apps for tests: a fresh database in a temp dir, listening on an ephemeral loopback port. The
// engine is SQLite (a file), or PostgreSQL with CINCH_TEST_ENGINE=postgres (a new database per app, dropped on
// close; vitest.config.ts's "postgres" project runs the store, API and ingest tests that way).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { createServer } from "node:http";
import pino, { type Logger } from "pino";
import type Database from "better-sqlite3";
import { loadConfig } from "../../server/config.ts";
import { createDeps, closeDeps } from "../../server/bootstrap.ts";
import { createApp, WEB_DIST, type App } from "../../server/app.ts";
import type { AppDeps } from "../../server/deps.ts";
import type { Db } from "../../server/store/db.ts";
import { createPgDb, type TestPgDb } from "../pg/db.ts";

/** The engine test apps run on. */
export const TEST_ENGINE: "sqlite" | "postgres" =
  process.env.CINCH_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";

/** Rows of a query on a test app's database, either engine: `?` placeholders, identifiers double-quoted. */
export async function rows<T>(t: TestApp | Db, sql: string, ...params: unknown[]): Promise<T[]> {
  const db = "deps" in t ? t.deps.db : t;
  if (db.engine === "sqlite") return db.raw.prepare(sql).all(...params) as T[];
  let i = 0;
  return (
    await db.pool.query(
      sql.replace(/\?/g, () => `$${++i}`),
      params,
    )
  ).rows as T[];
}

/** The SQLite handle of a test app (tests of SQLite itself: files, pragmas, its catalog). */
export function sqliteRaw(t: TestApp): Database.Database {
  const db = t.deps.db;
  if (db.engine !== "sqlite") throw new Error("this test reads SQLite directly: run it on SQLite");
  return db.raw;
}

export type TestApp = {
  url: string;
  deps: AppDeps;
  app: App;
  dir: string;
  /** An admin API token. */
  token: string;
  auth: { Authorization: string };
  tokenFor(scope: "read" | "write" | "admin"): Promise<string>;
  close(): Promise<void>;
};

/** Start an app with environment overrides (strings, as in the environment). */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { log?: Logger; /** serve the built dashboard (web/dist) */ dashboard?: boolean } = {},
): Promise<TestApp> {
  if (opts.dashboard && !existsSync(join(WEB_DIST, "index.html"))) {
    throw new Error("build the dashboard first: npm run build:web");
  }
  const dir = mkdtempSync(join(tmpdir(), "cinch-test-"));
  const pgDb: TestPgDb | null = TEST_ENGINE === "postgres" && !env.DATABASE_URL ? await createPgDb() : null;
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    SQLITE_SYNCHRONOUS: "NORMAL",
    PUBLIC_URL: "http://127.0.0.1:8787",
    WRITE_FLUSH_MS: "2",
    ...(pgDb ? { DATABASE_URL: pgDb.url, PG_POOL_SIZE: "4" } : {}),
    ...env,
  });
  const deps = await createDeps(config, opts.log ?? pino({ level: "silent" }));
  const app = createApp(deps, { webDist: opts.dashboard ? WEB_DIST : join(dir, "no-dist") });
  const server: Server = createServer(app.koa.callback());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const { token } = await deps.tokens.create("test-admin", "admin");
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    app,
    dir,
    token,
    auth: { Authorization: `Bearer ${token}` },
    tokenFor: async (scope) => (await deps.tokens.create(`test-${scope}`, scope)).token,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await closeDeps(deps);
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POST JSON with the admin token. */
export async function api(t: TestApp, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${t.url}${path}`, {
    method,
    headers: { ...t.auth, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}
