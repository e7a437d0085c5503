// Starts Cinch: config → deps → built-in project → app → listen (HTTP or HTTPS); returns a handle to stop it.
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttps } from "node:https";
import { readFileSync } from "node:fs";
import type { Config } from "./config.ts";
import { createApp } from "./app.ts";
import { closeDeps, createDeps } from "./bootstrap.ts";
import { reportUri } from "./projects/install.ts";
import type { AppDeps } from "./deps.ts";
import { prepareFirstRun } from "./store/setup.ts";
import { continueOrRefuse } from "./api/ingest-body.ts";
import { RetentionJob } from "./store/retention-job.ts";
import { runnerFor } from "./store/sql-runner.ts";

export { VERSION } from "./version.ts";

export type Running = {
  url: string;
  server: Server;
  deps: AppDeps;
  /** With no admin yet (and no CINCH_ADMIN_* bootstrap): the one-time setup URL to print, else null. */
  setupUrl: string | null;
  stop(): Promise<void>;
};

/** How long a stop waits for in-flight requests before cutting their connections. */
const DRAIN_GRACE_MS = 5_000;

/** Start serving; resolves once listening. */
export async function startServer(config: Config): Promise<Running> {
  const deps = await createDeps(config);
  const self =
    (await deps.projects.getBuiltin()) ?? (await deps.projects.create("Cinch dashboard", { builtin: true }));
  let setupUrl: string | null = null;
  try {
    const first = await prepareFirstRun(deps.users, deps.setup, {
      email: config.CINCH_ADMIN_EMAIL,
      password: config.CINCH_ADMIN_PASSWORD,
    });
    if (first.kind === "setup") setupUrl = `${config.publicUrl}/setup#${first.token}`;
    if (first.kind === "bootstrapped")
      deps.log.info({ email: first.email }, "created the first admin from CINCH_ADMIN_EMAIL");
  } catch (err) {
    await closeDeps(deps);
    throw err;
  }
  const { koa } = createApp(deps, { selfReportUri: reportUri(config.publicUrl, self.reportKey) });
  // Data lifecycle (retention, leftovers of deleted projects): hourly, stopped before the database closes.
  const retention = new RetentionJob(runnerFor(deps.db), {
    days: config.RETENTION_DAYS,
    log: deps.log,
    onGroupsDeleted: (projectIds) => projectIds.forEach((id) => deps.writer.invalidateProject(id)),
  });
  const koaHandler = koa.callback();
  // Graceful drain (#11 item 11): SIGTERM under keep-alive load reset 16 requests a round whose reports were stored,
  // because busy keep-alive sockets were cut after 2 s while clients kept sending on them. Now every answer sent
  // after the stop began (in flight or arriving on an open connection) carries `Connection: close`, so each client
  // gets its answer and then opens no new request on that socket; idle sockets are closed at once.
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (draining) res.setHeader("Connection", "close");
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    void koaHandler(req, res);
  };
  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE;
  const options = {
    maxHeaderSize: config.MAX_HEADER_BYTES,
    headersTimeout: config.HEADERS_TIMEOUT_MS,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Node enforces both timeouts only when it sweeps its connections, every 30 s by default: headers then timed
    // out after 23-38 s instead of 10 s (#11 item 9). A sweep a second keeps each promise to within a second.
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 5_000,
  };
  const server: Server = tls
    ? (createHttps(
        { ...options, cert: readFileSync(config.TLS_CERT_FILE!), key: readFileSync(config.TLS_KEY_FILE!) },
        handler,
      ) as unknown as Server)
    : createHttp(options, handler);
  // Expect: 100-continue with an over-limit report body is refused before the client sends it (#11 item 13).
  server.on("checkContinue", continueOrRefuse(config.INGEST_BODY_LIMIT, handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  retention.start();
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.PORT;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  const url = `${tls ? "https" : "http"}://${host}:${port}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    server,
    deps,
    setupUrl,
    stop() {
      stopping ??= (async () => {
        draining = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Only a connection still busy after the grace (a body trickling in) is cut.
          setTimeout(() => server.closeAllConnections(), DRAIN_GRACE_MS).unref();
        });
        await retention.stop();
        await closeDeps(deps);
      })();
      return stopping;
    },
  };
}
