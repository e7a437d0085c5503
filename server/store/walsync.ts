// Deferred WAL fsync for the group-commit writer. With synchronous=FULL in WAL mode SQLite fsyncs the WAL inside
// every COMMIT, and better-sqlite3 runs that on the event loop: measured ~4 ms per commit on the benchmark machine,
// during which no request is served. Instead the writer's connection commits with synchronous=NORMAL (same WAL
// writes, no fsync) and this class fdatasyncs the WAL file on libuv's thread pool, settling a batch's requests
// only once a sync that started after their commit has finished. The promise is unchanged: a 204 only once the
// reports are on disk. SQLite itself still syncs the WAL before every checkpoint (synchronous=NORMAL does).
import { closeSync, existsSync, fdatasync, fdatasyncSync, openSync } from "node:fs";
import type Database from "better-sqlite3";

/** A request waiting for its commit to reach the disk. */
export type SyncWaiter = { reports: number; resolve: () => void; reject: (err: unknown) => void };

export class WalSync {
  private waiting: SyncWaiter[] = [];
  private inFlight = false;
  private fd: number | null;
  /** Reports committed whose sync has not finished yet. */
  pending = 0;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * Take over the commit-time fsync of a connection that has one (file database, WAL, synchronous FULL or EXTRA);
   * null when there is nothing to take over (synchronous NORMAL/OFF, rollback journal, in-memory database).
   */
  static attach(db: Database.Database): WalSync | null {
    if (db.memory) return null;
    const mode = String(db.pragma("journal_mode", { simple: true })).toLowerCase();
    const sync = Number(db.pragma("synchronous", { simple: true }));
    const wal = `${db.name}-wal`;
    if (mode !== "wal" || sync < 2 || !existsSync(wal)) return null;
    // Opened once and kept: the WAL file is rewritten in place (same inode) after checkpoints, and is only
    // deleted when the last connection closes, after close() below.
    const fd = openSync(wal, "r");
    db.pragma("synchronous = NORMAL");
    return new WalSync(fd);
  }

  /** Settle these requests after the next WAL sync (their transaction has committed). */
  add(waiters: SyncWaiter[]): void {
    for (const w of waiters) {
      this.waiting.push(w);
      this.pending += w.reports;
    }
    this.kick();
  }

  /** One sync at a time; whatever commits while it runs waits for the next one (group commit of the fsync). */
  private kick(): void {
    if (this.inFlight || this.waiting.length === 0 || this.fd === null) return;
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    const fd = this.fd;
    fdatasync(fd, (err) => {
      this.inFlight = false;
      this.settle(batch, err);
      if (this.fd === null) closeSync(fd);
      else this.kick();
    });
  }

  private settle(batch: SyncWaiter[], err: unknown): void {
    for (const w of batch) {
      this.pending -= w.reports;
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  /** Sync now, synchronously, settle everyone waiting, and release the file (after a running sync, if any). */
  close(): void {
    const fd = this.fd;
    if (fd === null) return;
    const batch = this.waiting;
    this.waiting = [];
    let err: unknown = null;
    try {
      fdatasyncSync(fd);
    } catch (e) {
      err = e;
    }
    this.settle(batch, err);
    this.fd = null;
    if (!this.inFlight) closeSync(fd);
  }
}
