// Entry point of `npm start`: parse config (exit non-zero listing every problem), serve, stop cleanly on signals.
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { startServer, VERSION } from "./server.ts";

export async function main(): Promise<void> {
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
  const running = await startServer(config);
  running.deps.log.info(
    { url: running.url, publicUrl: config.publicUrl, database: config.databaseFile, version: VERSION },
    `Cinch ${VERSION} listening on ${running.url} (database ${config.databaseFile})`,
  );
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
