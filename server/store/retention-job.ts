// The scheduled data lifecycle, started with the app and stopped on close: every hour, retention (retention.ts),
// then what removed projects still own (project-purge.ts). A pass never overlaps the previous one, and on several
// nodes (PostgreSQL) one node at a time runs it: a node whose hour comes while another's pass runs skips its turn
// (an advisory lock: sql-runner.ts exclusive). Each step is idempotent anyway.
import type { Logger } from "pino";
import { RetentionStopped, runRetention, type RetentionResult } from "./retention.ts";
import { purgeProject, removedProjects } from "./project-purge.ts";
import type { SqlRunner } from "./sql-runner.ts";

export const RETENTION_INTERVAL_MS = 3_600_000;

/** The lock a retention pass holds on PostgreSQL (the second key of Cinch's advisory locks). */
const RETENTION_LOCK = 1;

export type RetentionJobOptions = {
  days: number;
  log: Pick<Logger, "info" | "error">;
  /** Groups were deleted: the writer forgets what it cached about these projects' groups. */
  onGroupsDeleted: (projectIds: readonly string[]) => void;
  intervalMs?: number;
  /** Delay of the first pass after start (default: one minute, off the start's own work). */
  firstDelayMs?: number;
};

export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: SqlRunner,
    private readonly opts: RetentionJobOptions,
  ) {}

  start(): void {
    this.schedule(this.opts.firstDelayMs ?? 60_000);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => {
          if (!(err instanceof RetentionStopped))
            this.opts.log.error({ err }, "retention pass failed; the next pass is in an hour");
        })
        .finally(() => {
          this.running = null;
          this.schedule(this.opts.intervalMs ?? RETENTION_INTERVAL_MS);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass now: retention, then the leftovers of removed projects; null when another node's pass is running. */
  runOnce(now = Date.now()): Promise<(RetentionResult & { purged: string[] }) | null> {
    return this.db.exclusive(RETENTION_LOCK, () => this.pass(now));
  }

  private async pass(now: number): Promise<RetentionResult & { purged: string[] }> {
    const r = await runRetention(this.db, now, {
      days: this.opts.days,
      stopping: () => this.stopped,
      onGroupsDeleted: this.opts.onGroupsDeleted,
    });
    const purged = await removedProjects(this.db);
    for (const id of purged) {
      if (this.stopped) throw new RetentionStopped();
      await purgeProject(this.db, id);
    }
    const deleted = Object.values(r.deleted).reduce((a, b) => a + b, 0);
    const rolled = Object.values(r.rolledUp).reduce((a, b) => a + b, 0);
    if (deleted + rolled + purged.length > 0) {
      this.opts.log.info(
        { rolledUp: r.rolledUp, deleted: r.deleted, purged, longestBatchMs: Math.round(r.longestBatchMs) },
        `retention: ${rolled} hourly rows rolled up, ${deleted} rows deleted in ${r.batches} batches (longest ${Math.round(r.longestBatchMs)} ms)`,
      );
    }
    return { ...r, purged };
  }

  /** Stop scheduling and wait for a pass under way (it stops after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
