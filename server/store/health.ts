// Storage health, engine-neutral: whether the database can take writes. An error that says the storage itself
// failed (disk full, I/O error, file gone, connection lost) moves the state to failed; the next successful commit
// or probe moves it back. Listeners hear each change once (to log and set a gauge), never once per request:
// under a full disk every ingest request failed and logged a stack, 20,623 lines in 20 s (#11 item 5).
// While failed, a probe runs every `probeMs`, so the state recovers by itself even with no traffic.

/** Why storage is unavailable. */
export const STORAGE_REASONS = [
  "disk_full",
  "io_error",
  "cannot_open",
  "read_only",
  "connection_lost",
] as const;
export type StorageReason = (typeof STORAGE_REASONS)[number];

export type StorageFailure = {
  reason: StorageReason;
  /** The driver's or system's code, e.g. SQLITE_FULL, ENOSPC. */
  code: string;
  /** When the failure began (ms since the epoch). */
  since: number;
};

/** Recognises an engine's storage errors: the reason and code, or null for any other error. */
export type StorageClassifier = (code: string) => StorageReason | null;

/**
 * SQLite's result codes (extended ones by their prefix, e.g. SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC) and the
 * system errors Node's fs raises for the same conditions (the WAL fsync runs through fs, walsync.ts).
 */
export const classifySqliteOrSystem: StorageClassifier = (code) => {
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT") return "disk_full";
  if (code === "SQLITE_IOERR" || code.startsWith("SQLITE_IOERR_") || code === "EIO") return "io_error";
  if (code === "SQLITE_CANTOPEN" || code.startsWith("SQLITE_CANTOPEN_")) return "cannot_open";
  if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY_") || code === "EROFS")
    return "read_only";
  return null;
};

/** The codes an error carries: its own, `originalCode` (Prisma's driver adapters) and those of its causes. */
function codesOf(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const o = e as { code?: unknown; originalCode?: unknown; cause?: unknown };
    if (typeof o.code === "string") out.push(o.code);
    if (typeof o.originalCode === "string") out.push(o.originalCode);
    e = o.cause;
  }
  return out;
}

export type StorageHealthOptions = {
  /** Proves storage works again (throws when it does not); run every probeMs while failed. */
  probe?: () => void | Promise<void>;
  probeMs?: number;
  /** Engine-specific classifiers, tried after SQLite's and the system's (e.g. PostgreSQL's connection errors). */
  classifiers?: StorageClassifier[];
};

export class StorageHealth {
  private failure: StorageFailure | null = null;
  private readonly listeners: ((failure: StorageFailure | null) => void)[] = [];
  private readonly classifiers: StorageClassifier[];
  private probe: (() => void | Promise<void>) | undefined;
  private readonly probeMs: number;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  constructor(opts: StorageHealthOptions = {}) {
    this.classifiers = [classifySqliteOrSystem, ...(opts.classifiers ?? [])];
    this.probe = opts.probe;
    this.probeMs = opts.probeMs ?? 2_000;
  }

  /** The current failure, or null while storage works. */
  get state(): StorageFailure | null {
    return this.failure;
  }

  /** Add a classifier (an engine other than SQLite). */
  addClassifier(fn: StorageClassifier): void {
    this.classifiers.push(fn);
  }

  /** Set the probe (the engine knows how to prove it can write). */
  setProbe(fn: () => void | Promise<void>): void {
    this.probe = fn;
  }

  /** Hear each change of state: a failure when it begins, null when storage works again. */
  onChange(fn: (failure: StorageFailure | null) => void): void {
    this.listeners.push(fn);
  }

  /** The reason and code of a storage error, or null for any other error. */
  classify(err: unknown): { reason: StorageReason; code: string } | null {
    for (const code of codesOf(err)) {
      for (const c of this.classifiers) {
        const reason = c(code);
        if (reason) return { reason, code };
      }
    }
    return null;
  }

  /** Record an error: true (and failed state) when it is a storage failure, false for any other error. */
  markFailure(err: unknown): boolean {
    const c = this.classify(err);
    if (!c) return false;
    if (this.failure === null) {
      this.failure = { ...c, since: Date.now() };
      this.emit();
      if (this.probe && this.timer === null) {
        this.timer = setInterval(() => void this.check(), this.probeMs);
        this.timer.unref();
      }
    }
    return true;
  }

  /** Storage worked (a commit went through): back to ok. */
  markRecovered(): void {
    if (this.failure === null) return;
    this.failure = null;
    this.stopProbing();
    this.emit();
  }

  /** Run the probe now when failed; resolves with whether storage works. */
  async check(): Promise<boolean> {
    if (this.failure === null) return true;
    if (!this.probe || this.probing) return false;
    this.probing = true;
    try {
      await this.probe();
      this.markRecovered();
      return true;
    } catch {
      return false;
    } finally {
      this.probing = false;
    }
  }

  /** Stop the probe timer (on shutdown). */
  close(): void {
    this.stopProbing();
  }

  private stopProbing(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try {
        fn(this.failure);
      } catch {
        // A listener (log, gauge) cannot change the state or stop the others.
      }
    }
  }
}
