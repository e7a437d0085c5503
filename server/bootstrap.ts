// Wires the dependencies of an app from a config: database (migrated), stores, writer, metrics.
import type { Logger } from "pino";
import { createLogger } from "./http/log.ts";
import { loadSessionSecret } from "./accounts/secrets.ts";
import { UserStore } from "./store/users.ts";
import { SessionStore } from "./store/sessions.ts";
import { SetupStore } from "./store/setup.ts";
import type { Config } from "./config.ts";
import type { AppDeps } from "./deps.ts";
import { healthOf, openDatabase } from "./store/db.ts";
import { StorageHealth } from "./store/health.ts";
import { batchEngineFor } from "./store/engines.ts";
import { ProjectStore } from "./store/projects.ts";
import { limitsOf, ReportWriter, type WriterOptions } from "./store/writer.ts";
import { createMetrics } from "./http/metrics.ts";
import { TokenStore } from "./store/tokens.ts";
import { ScriptStore } from "./store/scripts.ts";
import { ViolationStore } from "./store/violations.ts";
import { listSplit } from "./store/lean-list.ts";
import { TailHub } from "./api/tail.ts";
import { AlertService, alertOptions } from "./alerts/service.ts";

export { createLogger };

export async function createDeps(config: Config, log?: Logger): Promise<AppDeps> {
  const logger = log ?? createLogger(config.LOG_LEVEL);
  const db = await openDatabase(config, {
    onTightened: (path, from, to) =>
      logger.warn({ path }, `tightened ${path} from ${from.toString(8)} to ${to.toString(8)} (owner only)`),
    onIdleError: (err) => logger.warn({ err: err.message }, "a pooled PostgreSQL connection failed"),
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const health = new StorageHealth(healthOf(db));
  health.onChange((failure) => {
    metrics.storageAvailable.set(failure ? 0 : 1);
    if (failure)
      logger.error(failure, `storage unavailable (${failure.reason}, ${failure.code}): answering 503`);
    else logger.info("storage available again");
  });
  const writerOptions: WriterOptions = {
    flushMs: config.WRITE_FLUSH_MS,
    maxQueue: config.WRITE_QUEUE_MAX,
    onCommit: (reports, seconds) => {
      metrics.commitSeconds.observe(seconds);
      metrics.commitReports.observe(reports);
      health.markRecovered();
    },
    onCommitError: (err) => health.markFailure(err),
  };
  const writer = new ReportWriter(batchEngineFor(db, limitsOf(writerOptions)), writerOptions);
  const projects = new ProjectStore(db, logger);
  const alerts = new AlertService(db, projects, logger, alertOptions(config));
  alerts.attach(writer);
  await alerts.start();
  return {
    config,
    db,
    log: logger,
    metrics,
    writer,
    projects,
    tokens: new TokenStore(db),
    violations: new ViolationStore(db, { listSplit: listSplit(config.PG_LIST_PARTS) }),
    scripts: new ScriptStore(db.prisma),
    tail: new TailHub(
      {
        perProject: config.TAIL_MAX_PER_PROJECT,
        total: config.TAIL_MAX_TOTAL,
        bufferBytes: config.TAIL_BUFFER_BYTES,
        stallMs: config.TAIL_STALL_MS,
      },
      // Several nodes on PostgreSQL: a report received by one node reaches the tails open on the others.
      db.engine === "postgres" ? db.feed : undefined,
    ),
    users: new UserStore(db.prisma),
    sessions: new SessionStore(
      db,
      loadSessionSecret({ configured: config.SESSION_SECRET, dataDir: config.DATA_DIR }),
      {
        idleMs: config.SESSION_IDLE_MINUTES * 60_000,
        maxMs: config.SESSION_MAX_HOURS * 3_600_000,
      },
    ),
    setup: new SetupStore(db.prisma),
    health,
    alerts,
  };
}

/** Flush and close everything. */
export async function closeDeps(deps: AppDeps): Promise<void> {
  deps.health.close();
  deps.writer.close();
  // An asynchronous engine (PostgreSQL) may still be committing: let it finish before the pool closes.
  await deps.writer.drain();
  // Commits queued alert evaluations and waits for deliveries in flight (their outcome is recorded).
  await deps.alerts.stop();
  await deps.db.close();
}
