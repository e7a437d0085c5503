// Wires the dependencies of an app from a config: database (migrated), stores, writer, metrics.
import type { Logger } from "pino";
import { createLogger } from "./http/log.ts";
import { loadSessionSecret } from "./accounts/secrets.ts";
import { UserStore } from "./store/users.ts";
import { SessionStore } from "./store/sessions.ts";
import { SetupStore } from "./store/setup.ts";
import type { Config } from "./config.ts";
import type { AppDeps } from "./deps.ts";
import { openDb, sqliteProbe } from "./store/db.ts";
import { StorageHealth } from "./store/health.ts";
import { requireSqlite } from "./store/engines.ts";
import { ProjectStore } from "./store/projects.ts";
import { ReportWriter } from "./store/writer.ts";
import { createMetrics } from "./http/metrics.ts";
import { TokenStore } from "./store/tokens.ts";
import { ViolationStore } from "./store/violations.ts";
import { TailHub } from "./api/tail.ts";

export { createLogger };

export async function createDeps(config: Config, log?: Logger): Promise<AppDeps> {
  const logger = log ?? createLogger(config.LOG_LEVEL);
  requireSqlite(config);
  const db = await openDb(config.databaseFile, {
    synchronous: config.SQLITE_SYNCHRONOUS,
    dataDir: config.DATA_DIR,
    onTightened: (path, from, to) =>
      logger.warn({ path }, `tightened ${path} from ${from.toString(8)} to ${to.toString(8)} (owner only)`),
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const health = new StorageHealth({ probe: sqliteProbe(db) });
  health.onChange((failure) => {
    metrics.storageAvailable.set(failure ? 0 : 1);
    if (failure)
      logger.error(failure, `storage unavailable (${failure.reason}, ${failure.code}): answering 503`);
    else logger.info("storage available again");
  });
  const writer = new ReportWriter(db.raw, {
    flushMs: config.WRITE_FLUSH_MS,
    maxQueue: config.WRITE_QUEUE_MAX,
    onCommit: (reports, seconds) => {
      metrics.commitSeconds.observe(seconds);
      metrics.commitReports.observe(reports);
      health.markRecovered();
    },
    onCommitError: (err) => health.markFailure(err),
  });
  return {
    config,
    db,
    log: logger,
    metrics,
    writer,
    projects: new ProjectStore(db.prisma, logger),
    tokens: new TokenStore(db.prisma),
    violations: new ViolationStore(db.prisma),
    tail: new TailHub({
      perProject: config.TAIL_MAX_PER_PROJECT,
      total: config.TAIL_MAX_TOTAL,
      bufferBytes: config.TAIL_BUFFER_BYTES,
      stallMs: config.TAIL_STALL_MS,
    }),
    users: new UserStore(db.prisma),
    sessions: new SessionStore(
      db.prisma,
      loadSessionSecret({ configured: config.SESSION_SECRET, dataDir: config.DATA_DIR }),
      {
        idleMs: config.SESSION_IDLE_MINUTES * 60_000,
        maxMs: config.SESSION_MAX_HOURS * 3_600_000,
      },
    ),
    setup: new SetupStore(db.prisma),
    health,
  };
}

/** Flush and close everything. */
export async function closeDeps(deps: AppDeps): Promise<void> {
  deps.health.close();
  deps.writer.close();
  await deps.db.close();
}
