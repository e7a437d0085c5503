// Group-commit writer for the ingest path: reports from many requests are aggregated in memory (aggregate.ts) and
// written by the storage engine in one transaction every few milliseconds; each request's promise resolves only
// after its commit is durable. The engine (SQLite: sqlite-batch.ts) turns the aggregate into SQL.
import type Database from "better-sqlite3";
import type { Violation } from "../reports/types.ts";
import type { ScriptSighting } from "../scripts/sighting.ts";
import {
  aggregateBatch,
  Counters,
  type AggregateLimits,
  type BatchItem,
  type ReportTags,
} from "./aggregate.ts";
import type { BatchEngine, CommitChanges, GroupChange } from "./engine.ts";
import { SqliteBatchEngine } from "./sqlite-batch.ts";

export { HOUR_MS, SAMPLE_REFRESH_MS, type ReportTags } from "./aggregate.ts";
export type { GroupChange } from "./engine.ts";

export type WriterOptions = {
  /** Milliseconds to wait to gather a batch (0 = next tick). */
  flushMs: number;
  /** Maximum reports waiting for a commit; beyond it enqueue throws QueueFullError. */
  maxQueue: number;
  /** Samples kept per group (ring buffer). */
  ringSize?: number;
  /** Samples written per group per commit (the most recent ones). */
  samplesPerFlush?: number;
  maxPages?: number;
  maxBrowsers?: number;
  /** Called after each commit with its size and duration, for metrics. */
  onCommit?: (reports: number, seconds: number) => void;
  /** Called when a commit failed and nothing of it was stored (storage health sees a full disk here first). */
  onCommitError?: (err: unknown) => void;
};

export class QueueFullError extends Error {
  constructor() {
    super("write queue full");
  }
}
export class WriterClosedError extends Error {
  constructor() {
    super("writer closed");
  }
}

/**
 * The requests of one batch wait on one promise, settled once the batch is durable. A promise, its two functions
 * and a record per request, each kept until the commit's fsync, were what overload promoted to old space (#17).
 */
class BatchWaiter {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  /** Reports (and script sightings) of the batch: the engines count what waits for the disk. */
  reports = 0;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * Told, right after a commit, what it changed in a project's non-noise groups, the project's new generation and
 * (PostgreSQL) the commit's transaction id, null on SQLite. `wants` keeps the writer from building the changes of
 * projects nobody follows.
 */
export type GroupWatcher = {
  wants(projectId: string): boolean;
  committed(projectId: string, changes: readonly GroupChange[], generation: number, xid: string | null): void;
};

/** The bounds a writer's options select (defaults: ring 20, 4 samples per commit, 50 pages, 20 browsers). */
export function limitsOf(opts: WriterOptions): AggregateLimits {
  const ring = opts.ringSize ?? 20;
  return {
    ring,
    perFlush: Math.min(opts.samplesPerFlush ?? 4, ring),
    maxPages: opts.maxPages ?? 50,
    maxBrowsers: opts.maxBrowsers ?? 20,
  };
}

const isEngine = (x: Database.Database | BatchEngine): x is BatchEngine =>
  typeof (x as Partial<BatchEngine>).commit === "function";

/** Aggregating writer; one per database. */
export class ReportWriter {
  private queue: BatchItem[] = [];
  /** What the queued requests wait on (null while nothing is queued). */
  private waiter: BatchWaiter | null = null;
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  /** An asynchronous engine's commit is running: what arrives meanwhile waits for it, to go as one batch. */
  private busy = false;
  private closed = false;
  private counters = new Counters();
  private generations = new Map<string, number>();
  private watchers: GroupWatcher[] = [];
  private readonly limits: AggregateLimits;
  private readonly engine: BatchEngine;

  /** On a raw SQLite handle (its own engine) or on an engine. */
  constructor(
    db: Database.Database | BatchEngine,
    private readonly opts: WriterOptions,
  ) {
    this.limits = limitsOf(opts);
    this.engine = isEngine(db) ? db : new SqliteBatchEngine(db, this.limits);
  }

  /** Reports waiting for their commit (or for the disk sync after it). */
  get depth(): number {
    return this.queued + this.engine.pending;
  }

  /**
   * Queue a request's violations (and script sightings, #18); resolves once they are committed. Throws
   * QueueFullError when full.
   */
  enqueue(
    projectId: string,
    violations: readonly Violation[],
    tags: ReportTags,
    receivedAt = Date.now(),
    scripts: readonly ScriptSighting[] = [],
  ): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    const n = violations.length + scripts.length;
    if (n === 0) return Promise.resolve();
    if (this.depth + n > this.opts.maxQueue) throw new QueueFullError();
    this.queue.push({ projectId, violations, tags, receivedAt, scripts });
    this.queued += n;
    const waiter = (this.waiter ??= new BatchWaiter());
    waiter.reports += n;
    this.schedule();
    return waiter.promise;
  }

  /** Count a project event (accepted/noise/sampled/rejected:<reason>) in its hour; written with the next commit. */
  count(projectId: string, kind: string, n = 1, at = Date.now()): void {
    this.counters.add(projectId, kind, n, at);
    this.schedule();
  }

  /**
   * A number that changes whenever a commit changed the project's non-noise groups (or they were deleted): readers
   * that cache what they derive from the groups (the policy builder's input) compare it to know they are current.
   */
  generation(projectId: string): number {
    return this.generations.get(projectId) ?? 0;
  }

  private bump(projectId: string): number {
    const next = this.generation(projectId) + 1;
    this.generations.set(projectId, next);
    return next;
  }

  /** Follow commits (the policy API's cache, the alert engine). */
  watch(watcher: GroupWatcher): void {
    this.watchers.push(watcher);
  }

  /** Forget cached group state of a project (after its groups were deleted). */
  invalidateProject(projectId: string): void {
    this.bump(projectId);
    this.engine.forget(projectId);
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushNow();
    }, this.opts.flushMs);
  }

  /**
   * Commit everything queued now (synchronously on SQLite), then settle the waiting requests once the commit is
   * durable (after the WAL sync, if any).
   */
  flushNow(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Group commit on an asynchronous engine (PostgreSQL): while one commit runs, the next batch gathers and goes
    // when it ends. Committing every flush interval instead queued many small commits behind each other, each
    // paying every statement's round trip: 578 reports/s at 32 connections, 1,254 with one batch per commit
    // (npx tsx bench/engines.ts, same run beside SQLite's 2,477).
    if (this.busy) return;
    const batch = this.queue;
    const waiter = this.waiter;
    const counters = this.counters;
    if (batch.length === 0 && counters.size === 0) return;
    this.queue = [];
    this.waiter = null;
    this.queued = 0;
    this.counters = new Counters();
    const started = performance.now();
    const agg = aggregateBatch(batch, counters, this.limits);
    const watched = new Map<string, boolean>();
    const watches = (projectId: string): boolean => {
      let w = watched.get(projectId);
      if (w === undefined) watched.set(projectId, (w = this.watchers.some((x) => x.wants(projectId))));
      return w;
    };
    const fail = (err: unknown) => {
      this.opts.onCommitError?.(err);
      waiter?.reject(err);
    };
    let result: CommitChanges | Promise<CommitChanges>;
    try {
      result = this.engine.commit(agg, watches);
    } catch (err) {
      fail(err);
      return;
    }
    if (result instanceof Promise) {
      this.busy = true;
      const next = () => {
        this.busy = false;
        if (this.queue.length > 0 || this.counters.size > 0) this.flushNow();
      };
      result.then(
        (changes) => {
          this.committed(waiter, agg.touched, changes, agg.reports, started);
          next();
        },
        (err: unknown) => {
          fail(err);
          next();
        },
      );
    } else {
      this.committed(waiter, agg.touched, result, agg.reports, started);
    }
  }

  private committed(
    waiter: BatchWaiter | null,
    touched: ReadonlySet<string>,
    changes: CommitChanges,
    reports: number,
    started: number,
  ): void {
    for (const projectId of touched) {
      const generation = this.bump(projectId);
      const list = changes.get(projectId);
      if (!list) continue;
      for (const w of this.watchers) {
        try {
          // Each watcher is told only what it asked for (a change list built for another watcher's project).
          if (w.wants(projectId)) w.committed(projectId, list, generation, changes.xid ?? null);
        } catch {
          // The batch is committed and must still be acknowledged. A watcher that failed half-way keeps its old
          // generation, so its readers see a mismatch and reload from the database.
        }
      }
    }
    this.opts.onCommit?.(reports, (performance.now() - started) / 1000);
    this.engine.settle(waiter === null ? [] : [waiter]);
  }

  /** Commit what is queued and wait until every commit started so far has finished (asynchronous engines). */
  async drain(): Promise<void> {
    for (;;) {
      this.flushNow();
      await this.engine.idle();
      if (!this.busy && this.queue.length === 0 && this.counters.size === 0) return;
    }
  }

  /** Stop accepting, commit what is queued and make it durable. */
  close(): void {
    this.closed = true;
    this.flushNow();
    this.engine.close();
  }
}
