// Throwaway Cinch apps for tests: a fresh SQLite file in a temp dir, listening on an ephemeral loopback port.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { createServer } from "node:http";
import pino, { type Logger } from "pino";
import { loadConfig } from "../../server/config.ts";
import { createDeps, closeDeps } from "../../server/bootstrap.ts";
import { createApp, WEB_DIST, type App } from "../../server/app.ts";
import type { AppDeps } from "../../server/deps.ts";

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
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    SQLITE_SYNCHRONOUS: "NORMAL",
    PUBLIC_URL: "http://127.0.0.1:8787",
    WRITE_FLUSH_MS: "2",
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
