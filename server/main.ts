// Entry point of `npm start`: parse config (exit non-zero listing every problem), serve, stop cleanly on signals.
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { startServer, VERSION } from "./server.ts";
import { releaseOldSpaceCapForWorkers } from "./heap.ts";

/** The database for the start line: the SQLite file, or the PostgreSQL URL without its password. */
function databaseLabel(config: Config): string {
  if (config.databaseEngine === "sqlite") return config.databaseFile;
  try {
    const u = new URL(config.databaseUrl);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres";
  }
}

export async function main(): Promise<void> {
  // The heap cap npm start sets is the main thread's (server/heap.ts); the policy worker starts later, without it.
  releaseOldSpaceCapForWorkers();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cinch: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let running;
  try {
    running = await startServer(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cinch: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const database = databaseLabel(config);
  running.deps.log.info(
    { url: running.url, publicUrl: config.publicUrl, database, version: VERSION },
    `Cinch ${VERSION} listening on ${running.url} (database ${database})`,
  );
  if (running.setupUrl) {
    // Printed once, outside the structured log: the token in it is a credential (single use, one hour).
    process.stdout.write(`Setup: ${running.setupUrl}\n`);
    running.deps.log.info("no admin yet: open the setup URL printed above within an hour to create one");
  }
  let signalled = false;
  const stop = (signal: string) => {
    if (signalled) return;
    signalled = true;
    running.deps.log.info({ signal }, "stopping: no new requests, flushing queued reports");
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        running.deps.log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

await main();
