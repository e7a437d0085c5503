// Group-commit writer for the ingest path: reports from many requests are aggregated in memory and written in
// one SQLite transaction every few milliseconds; each request's promise resolves only after its commit.
// Uses prepared better-sqlite3 statements on the same file as Prisma: measured ~30x faster than Prisma's
// createMany for this path (docs/architecture.md "Database writes"), and the transaction must be synchronous.
// With synchronous=FULL the WAL fsync runs off the event loop (walsync.ts); requests settle after it.
import type Database from "better-sqlite3";
import { WalSync } from "./walsync.ts";
import type { Violation } from "../reports/types.ts";
import { fingerprint } from "../reports/fingerprint.ts";

export const HOUR_MS = 3_600_000;

export type ReportTags = { policyVersion: number | null; env: string };

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

type Pending = {
  projectId: string;
  violations: readonly Violation[];
  tags: ReportTags;
  receivedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
};

type GroupState = {
  id: number;
  pages: string[];
  browsers: string[];
  seq: number;
  /** What each ring slot holds (sample key and when it was written), as far as this process wrote it. */
  slots: ({ key: string; at: number } | undefined)[];
};

/**
 * A sample already in the ring is not written again for SAMPLE_REFRESH_MS: a busy group repeating the same few
 * violations would otherwise rewrite its ring every commit (up to 4 rows per group every 5 ms, the largest part
 * of the write work in the benchmark) and fill it with copies. The key leaves out the page and browser (the group
 * keeps those lists itself) but keeps the policy version, so hash verification still sees a sample reported again
 * under a newer version.
 */
export const SAMPLE_REFRESH_MS = 60_000;

const sampleKey = (v: Violation, tags: ReportTags): string =>
  `${v.blocked}\n${v.sample}\n${v.sourceFile}\n${v.line ?? ""}\n${v.disposition ?? ""}\n${tags.policyVersion ?? ""}`;

/** What one commit changed in one non-noise group (for readers that keep derived state current: GroupWatcher). */
export type GroupChange = {
  id: number;
  directive: string;
  blocked: string;
  /** Reports added by this commit. */
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The group's page list after the commit. */
  pages: readonly string[];
  hours: readonly { hour: number; policyVersion: number; count: number }[];
};

/**
 * Told, right after a commit, what it changed in a project's non-noise groups and the project's new generation.
 * `wants` keeps the writer from building the changes of projects nobody follows.
 */
export type GroupWatcher = {
  wants(projectId: string): boolean;
  committed(projectId: string, changes: readonly GroupChange[], generation: number): void;
};

type GroupDelta = {
  projectId: string;
  fp: string;
  first: Violation;
  count: number;
  firstSeen: number;
  lastSeen: number;
  pages: Set<string>;
  browsers: Set<string>;
  recent: { v: Violation; at: number; tags: ReportTags }[];
  hours: Map<
    string,
    { hour: number; disposition: string; policyVersion: number; env: string; count: number }
  >;
};

const CACHE_MAX = 100_000;

/**
 * fingerprint() memoized on its input: a SHA-256 per report was ~3 µs, about 4% of the ingest CPU in the benchmark
 * (bench/results/latest.md), while a busy project repeats the same few hundred groups. Bounded like the cache.
 */
const fingerprints = new Map<string, string>();
function fingerprintOf(v: Violation): string {
  const key = `${v.directive}\n${v.blockedKey}\n${v.noise ?? ""}`;
  let fp = fingerprints.get(key);
  if (fp === undefined) {
    fp = fingerprint(v);
    if (fingerprints.size >= CACHE_MAX) fingerprints.clear();
    fingerprints.set(key, fp);
  }
  return fp;
}

/** Aggregating writer; one per database. */
export class ReportWriter {
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private cache = new Map<string, GroupState>();
  private counters = new Map<string, number>(); // `${projectId}\n${hour}\n${kind}` -> n
  private generations = new Map<string, number>();
  private watcher: GroupWatcher | null = null;
  private readonly ring: number;
  private readonly perFlush: number;
  private readonly maxPages: number;
  private readonly maxBrowsers: number;
  private readonly stmt: ReturnType<ReportWriter["prepare"]>;
  private readonly wal: WalSync | null;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: WriterOptions,
  ) {
    this.ring = opts.ringSize ?? 20;
    this.perFlush = Math.min(opts.samplesPerFlush ?? 4, this.ring);
    this.maxPages = opts.maxPages ?? 50;
    this.maxBrowsers = opts.maxBrowsers ?? 20;
    this.stmt = this.prepare();
    this.wal = WalSync.attach(db);
  }

  private prepare() {
    const db = this.db;
    return {
      findGroup: db.prepare(
        `SELECT id, pages, browsers, sampleSeq FROM ViolationGroup WHERE projectId = ? AND fingerprint = ?`,
      ),
      insertGroup: db.prepare(
        `INSERT INTO ViolationGroup (projectId, fingerprint, directive, blocked, noise, count, firstSeen, lastSeen,
           pages, browsers, sampleSeq) VALUES (?, ?, ?, ?, ?, 0, ?, ?, '[]', '[]', 0) RETURNING id`,
      ),
      updateGroup: db.prepare(
        `UPDATE ViolationGroup SET count = count + ?, firstSeen = min(firstSeen, ?), lastSeen = max(lastSeen, ?),
           pages = coalesce(?, pages), browsers = coalesce(?, browsers), sampleSeq = ? WHERE id = ?`,
      ),
      upsertHour: db.prepare(
        `INSERT INTO GroupHour (projectId, hour, groupId, disposition, policyVersion, env, count)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (projectId, hour, groupId, disposition, policyVersion, env) DO UPDATE SET count = count + excluded.count`,
      ),
      putSample: db.prepare(
        `INSERT OR REPLACE INTO Sample (groupId, slot, receivedAt, documentUrl, blockedUrl, sourceFile, line, "column",
           sample, statusCode, browser, disposition, policyVersion, env) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Rollups for the dashboard's long windows, exact because they commit with the GroupHour rows they sum.
      upsertDirectiveHour: db.prepare(
        `INSERT INTO DirectiveHour (projectId, hour, directive, noise, count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (projectId, hour, directive, noise) DO UPDATE SET count = count + excluded.count`,
      ),
      // Running total at (group, hour): the total before that hour plus this hour's reports; rows of later hours
      // (only when reports arrive out of order) grow by the same amount.
      upsertRunning: db.prepare(
        `INSERT INTO GroupRunning (groupId, hour, total)
         VALUES (@groupId, @hour, @count + coalesce((SELECT total FROM GroupRunning
           WHERE groupId = @groupId AND hour < @hour ORDER BY hour DESC LIMIT 1), 0))
         ON CONFLICT (groupId, hour) DO UPDATE SET total = total + @count`,
      ),
      addRunningLater: db.prepare(
        `UPDATE GroupRunning SET total = total + @count WHERE groupId = @groupId AND hour > @hour`,
      ),
      upsertCounter: db.prepare(
        `INSERT INTO ProjectHour (projectId, hour, kind, count) VALUES (?, ?, ?, ?)
         ON CONFLICT (projectId, hour, kind) DO UPDATE SET count = count + excluded.count`,
      ),
    };
  }

  /** Reports waiting for their commit (or for the disk sync after it). */
  get depth(): number {
    return this.queued + (this.wal?.pending ?? 0);
  }

  /** Queue a request's violations; resolves once they are committed. Throws QueueFullError when full. */
  enqueue(
    projectId: string,
    violations: readonly Violation[],
    tags: ReportTags,
    receivedAt = Date.now(),
  ): Promise<void> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    if (violations.length === 0) return Promise.resolve();
    if (this.depth + violations.length > this.opts.maxQueue) throw new QueueFullError();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ projectId, violations, tags, receivedAt, resolve, reject });
      this.queued += violations.length;
      this.schedule();
    });
  }

  /** Count a project event (accepted/noise/sampled/rejected:<reason>) in its hour; written with the next commit. */
  count(projectId: string, kind: string, n = 1, at = Date.now()): void {
    const key = `${projectId}\n${Math.floor(at / HOUR_MS)}\n${kind}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
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

  /** Follow commits (one watcher: the policy API's cache). */
  watch(watcher: GroupWatcher): void {
    this.watcher = watcher;
  }

  /** Forget cached group state of a project (after its groups were deleted). */
  invalidateProject(projectId: string): void {
    this.bump(projectId);
    for (const key of this.cache.keys()) if (key.startsWith(`${projectId}\n`)) this.cache.delete(key);
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushNow();
    }, this.opts.flushMs);
  }

  /** Commit everything queued now (synchronously), then settle the waiting requests (after the WAL sync, if any). */
  flushNow(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue;
    const counters = this.counters;
    if (batch.length === 0 && counters.size === 0) return;
    this.queue = [];
    this.queued = 0;
    this.counters = new Map();
    const started = performance.now();
    let committed: ReturnType<ReportWriter["commit"]>;
    try {
      committed = this.commit(batch, counters);
    } catch (err) {
      // The transaction rolled back: nothing of this batch was stored, so cached group state may be stale.
      this.cache.clear();
      for (const p of batch) p.reject(err);
      return;
    }
    const { touched, changes } = committed;
    for (const projectId of touched) {
      const generation = this.bump(projectId);
      const list = changes.get(projectId);
      try {
        if (list) this.watcher?.committed(projectId, list, generation);
      } catch {
        // The batch is committed and must still be acknowledged. A watcher that failed half-way keeps its old
        // generation, so its readers see a mismatch and reload from the database.
      }
    }
    const reports = batch.reduce((n, p) => n + p.violations.length, 0);
    this.opts.onCommit?.(reports, (performance.now() - started) / 1000);
    if (this.wal) {
      this.wal.add(
        batch.map((p) => ({ reports: p.violations.length, resolve: p.resolve, reject: p.reject })),
      );
    } else {
      for (const p of batch) p.resolve();
    }
  }

  /**
   * Commit a batch in one transaction; returns the projects whose non-noise groups changed and, for watched
   * projects, what changed.
   */
  private commit(
    batch: Pending[],
    counters: Map<string, number>,
  ): { touched: Set<string>; changes: Map<string, GroupChange[]> } {
    const deltas = new Map<string, GroupDelta>();
    const touched = new Set<string>();
    const directiveHours = new Map<string, number>(); // `${projectId}\n${hour}\n${directive}\n${noise}` -> n
    for (const p of batch) {
      const hour = Math.floor(p.receivedAt / HOUR_MS);
      let noise = 0;
      for (const v of p.violations) {
        if (v.noise !== null) noise++;
        // directive and noise are part of the fingerprint: they are the group's own directive and noise.
        const dk = `${p.projectId}\n${hour}\n${v.directive}\n${v.noise ?? ""}`;
        directiveHours.set(dk, (directiveHours.get(dk) ?? 0) + 1);
        const fp = fingerprintOf(v);
        const key = `${p.projectId}\n${fp}`;
        let d = deltas.get(key);
        if (!d) {
          d = {
            projectId: p.projectId,
            fp,
            first: v,
            count: 0,
            firstSeen: p.receivedAt,
            lastSeen: p.receivedAt,
            pages: new Set(),
            browsers: new Set(),
            recent: [],
            hours: new Map(),
          };
          deltas.set(key, d);
        }
        d.count++;
        if (p.receivedAt < d.firstSeen) d.firstSeen = p.receivedAt;
        if (p.receivedAt > d.lastSeen) d.lastSeen = p.receivedAt;
        if (v.documentUrl && d.pages.size < this.maxPages) d.pages.add(v.documentUrl);
        if (v.browser && d.browsers.size < this.maxBrowsers) d.browsers.add(v.browser);
        d.recent.push({ v, at: p.receivedAt, tags: p.tags });
        if (d.recent.length > this.perFlush * 4) d.recent.splice(0, d.recent.length - this.perFlush);
        const disposition = v.disposition ?? "";
        const pv = p.tags.policyVersion ?? 0;
        const hk = `${hour}\n${disposition}\n${pv}\n${p.tags.env}`;
        const h = d.hours.get(hk);
        if (h) h.count++;
        else d.hours.set(hk, { hour, disposition, policyVersion: pv, env: p.tags.env, count: 1 });
      }
      // Accepted/noise counters commit in the same transaction as the reports they count.
      const base = `${p.projectId}\n${hour}\n`;
      const accepted = p.violations.length - noise;
      if (accepted > 0) {
        counters.set(`${base}accepted`, (counters.get(`${base}accepted`) ?? 0) + accepted);
        touched.add(p.projectId);
      }
      if (noise > 0) counters.set(`${base}noise`, (counters.get(`${base}noise`) ?? 0) + noise);
    }
    const s = this.stmt;
    const cacheAdds: [string, GroupState][] = [];
    const changes = new Map<string, GroupChange[]>();
    const watched = new Map<string, boolean>();
    const watches = (projectId: string): boolean => {
      let w = watched.get(projectId);
      if (w === undefined) watched.set(projectId, (w = this.watcher?.wants(projectId) ?? false));
      return w;
    };
    this.db.transaction(() => {
      for (const [key, d] of deltas) {
        let g = this.cache.get(key);
        if (!g) {
          const row = s.findGroup.get(d.projectId, d.fp) as
            { id: number; pages: string; browsers: string; sampleSeq: number } | undefined;
          if (row) {
            g = {
              id: row.id,
              pages: parseList(row.pages),
              browsers: parseList(row.browsers),
              seq: row.sampleSeq,
              slots: [],
            };
          } else {
            const v = d.first;
            const ins = s.insertGroup.get(
              d.projectId,
              d.fp,
              v.directive,
              v.blockedKey,
              v.noise ?? "",
              d.firstSeen,
              d.lastSeen,
            ) as { id: number };
            g = { id: ins.id, pages: [], browsers: [], seq: 0, slots: [] };
          }
        }
        // Work on a copy: the cache only learns the new state once the transaction commits.
        const next: GroupState = { ...g };
        const pagesJson = mergeBounded(g.pages, d.pages, this.maxPages, (list) => (next.pages = list));
        const browsersJson = mergeBounded(
          g.browsers,
          d.browsers,
          this.maxBrowsers,
          (list) => (next.browsers = list),
        );
        const recent = this.newSamples(g, d.recent);
        next.seq = g.seq + recent.length;
        if (recent.length > 0) next.slots = [...g.slots];
        s.updateGroup.run(d.count, d.firstSeen, d.lastSeen, pagesJson, browsersJson, next.seq, g.id);
        const perHour = new Map<number, number>();
        for (const h of d.hours.values()) {
          s.upsertHour.run(d.projectId, h.hour, g.id, h.disposition, h.policyVersion, h.env, h.count);
          perHour.set(h.hour, (perHour.get(h.hour) ?? 0) + h.count);
        }
        for (const [hour, count] of perHour) {
          const args = { groupId: g.id, hour, count };
          s.upsertRunning.run(args);
          s.addRunningLater.run(args);
        }
        recent.forEach((r, i) => {
          const v = r.v;
          const slot = (g.seq + i) % this.ring;
          next.slots[slot] = { key: r.key, at: r.at };
          s.putSample.run(
            g.id,
            slot,
            r.at,
            v.documentUrl,
            v.blocked,
            v.sourceFile,
            v.line,
            v.column,
            v.sample,
            v.statusCode,
            v.browser,
            v.disposition ?? "",
            r.tags.policyVersion,
            r.tags.env,
          );
        });
        cacheAdds.push([key, next]);
        if (d.first.noise === null && watches(d.projectId)) {
          let list = changes.get(d.projectId);
          if (!list) changes.set(d.projectId, (list = []));
          list.push({
            id: g.id,
            directive: d.first.directive,
            blocked: d.first.blockedKey,
            count: d.count,
            firstSeen: d.firstSeen,
            lastSeen: d.lastSeen,
            pages: next.pages,
            hours: [...d.hours.values()],
          });
        }
      }
      for (const [key, n] of directiveHours) {
        const [projectId, hour, directive, noise] = key.split("\n");
        s.upsertDirectiveHour.run(projectId, Number(hour), directive, noise, n);
      }
      for (const [key, n] of counters) {
        const [projectId, hour, kind] = key.split("\n");
        s.upsertCounter.run(projectId, Number(hour), kind, n);
      }
    })();
    if (this.cache.size + cacheAdds.length > CACHE_MAX) this.cache.clear();
    for (const [key, g] of cacheAdds) this.cache.set(key, g);
    return { touched, changes };
  }

  /** The newest of this commit's violations worth a ring slot (at most perFlush, oldest first; see SAMPLE_REFRESH_MS). */
  private newSamples(
    g: GroupState,
    recent: GroupDelta["recent"],
  ): (GroupDelta["recent"][number] & { key: string })[] {
    const out: (GroupDelta["recent"][number] & { key: string })[] = [];
    const seen = new Set<string>();
    for (let i = recent.length - 1; i >= 0 && out.length < this.perFlush; i--) {
      const r = recent[i]!;
      const key = sampleKey(r.v, r.tags);
      if (seen.has(key)) continue;
      seen.add(key);
      if (g.slots.some((x) => x !== undefined && x.key === key && r.at - x.at < SAMPLE_REFRESH_MS)) continue;
      out.push({ ...r, key });
    }
    return out.reverse();
  }

  /** Stop accepting, commit what is queued and sync it to disk. */
  close(): void {
    this.closed = true;
    this.flushNow();
    this.wal?.close();
  }
}

function parseList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Add new values to a bounded list; returns the JSON to write, or null when nothing changed. */
function mergeBounded(
  current: string[],
  added: Set<string>,
  max: number,
  set: (list: string[]) => void,
): string | null {
  if (current.length >= max) return null;
  let list: string[] | null = null;
  for (const x of added) {
    if ((list ?? current).length >= max) break;
    if (!current.includes(x)) {
      list ??= [...current];
      if (!list.includes(x)) list.push(x);
    }
  }
  if (!list) return null;
  set(list);
  return JSON.stringify(list);
}
