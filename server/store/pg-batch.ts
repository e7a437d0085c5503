// PostgreSQL engine of the group-commit writer: one transaction per flush in two round trips on a pipeline-mode
// connection (BEGIN with the group upsert; then one statement for everything else, the breakdown and COMMIT; ten
// at first, one per table), multi-row statements over unnest of parameter arrays (constant text, prepared once per
// connection, never one statement per row), synchronous_commit on, so a request is answered only once its commit
// is durable. Commits run one at a time; the next batch gathers meanwhile.
// Several nodes may write the same groups at once. Every batch first upserts its groups (sorted, so two nodes
// lock them in one order), which row-locks each group until the commit; everything keyed by a group (hours,
// running totals, samples) is then written by one node at a time. Counts are added in SQL, first/last seen are
// LEAST/GREATEST, pages and browsers are merged in SQL within their bound (cinch_merge_list), and sample slots
// are reserved by adding to sampleSeq in the same upsert. The node's cache only skips work (pages it knows are
// stored, samples it wrote); ids always come from the upsert, never from the cache.
import type pg from "pg";
import {
  groupKey,
  newSamples,
  parseList,
  perHour,
  type AggregateLimits,
  type BatchAggregate,
  type GroupDelta,
  type HourDelta,
  type RecentReport,
  type SlotState,
} from "./aggregate.ts";
import type { BatchEngine, CommitChanges, Waiter } from "./engine.ts";
import { withPgConnectionCode } from "./sql.ts";
import { COMMIT_CHANNEL } from "./pg-commits.ts";
import { writeScriptsPg } from "./scripts-write.ts";
import { writePgBreakdowns } from "./breakdown-write.ts";
import { arrayLiteral } from "./pg-array.ts";

type GroupCache = { pages: string[]; browsers: string[]; slots: SlotState[] };

const CACHE_MAX = 100_000;

// The id of a group already stored is proposed as its own id, so the id sequence is only advanced for a new group:
// with the column's default, INSERT … ON CONFLICT takes a sequence value for every proposed row, conflicting or not,
// and the writer upserts every group of every batch: 50 groups at 90 commits/s used 4,500 ids a second, which
// would exhaust the 32-bit id in under 6 days (a group that another node creates or deletes meanwhile still
// resolves on the (projectId, fingerprint) conflict). Rows are proposed in the caller's order, sorted, so nodes
// lock the groups in one order.
// cinch_merge_list only when the batch adds values the node does not know to be stored (after warm-up, almost
// never): a call is a SQL function run per row, and the two calls per group were 2.5 ms of a 7 ms commit of 138
// reports over 50 groups (writer only, scratch A/B: 18 µs of database CPU per report).
const UPSERT_GROUPS = `
  INSERT INTO "ViolationGroup" (id, "projectId", fingerprint, directive, blocked, noise, count, "firstSeen",
    "lastSeen", pages, browsers, "sampleSeq")
  SELECT coalesce((SELECT g.id FROM "ViolationGroup" g WHERE g."projectId" = v.p AND g.fingerprint = v.fp),
      nextval(pg_get_serial_sequence('"ViolationGroup"', 'id'))), v.*
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
    $8::bigint[], $9::text[], $10::text[], $11::int[]) AS v(p, fp, directive, blocked, noise, count, fs, ls, pages,
    browsers, seq)
  ON CONFLICT ("projectId", fingerprint) DO UPDATE SET
    count = "ViolationGroup".count + excluded.count,
    "firstSeen" = LEAST("ViolationGroup"."firstSeen", excluded."firstSeen"),
    "lastSeen" = GREATEST("ViolationGroup"."lastSeen", excluded."lastSeen"),
    pages = CASE WHEN excluded.pages = '[]' THEN "ViolationGroup".pages
      ELSE cinch_merge_list("ViolationGroup".pages, excluded.pages, $12) END,
    browsers = CASE WHEN excluded.browsers = '[]' THEN "ViolationGroup".browsers
      ELSE cinch_merge_list("ViolationGroup".browsers, excluded.browsers, $13) END,
    "sampleSeq" = "ViolationGroup"."sampleSeq" + excluded."sampleSeq"
  RETURNING id, "projectId", fingerprint, pages, browsers, "sampleSeq"`;

// Everything keyed by the groups the first statement returned, the shared rollups and the announcement, in one
// statement (one round trip; data-modifying CTEs). It runs after the group upsert, so its snapshot sees every
// commit of another node to these groups (their row locks are ours until COMMIT): the running-total rows read here
// are current. Parameters: hours $1-$7, running totals $8-$10, samples $11-$24, directive hours $25-$29, counters
// $30-$33, announcement $34-$36.
//
// Running totals in one upsert: each (group, hour) of the batch and each stored row of the group at or after the
// batch's earliest hour for it grows by the batch's reports up to its hour; a new row also starts from the latest
// earlier row (the total before it). Same result as SQLite's row-by-row upsert, out-of-order hours included.
//
// Directive hours and counters are rows many groups add to, so two nodes may both want them: directive hours go
// first (the counters' scalar subquery waits for them), each sorted by key, for one lock order across nodes.
const WRITE_REST = `
  WITH hours AS (
    INSERT INTO "GroupHour" ("projectId", hour, "groupId", disposition, "policyVersion", env, count)
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::int[], $6::text[], $7::int[])
    ON CONFLICT ("projectId", hour, "groupId", disposition, "policyVersion", env)
    DO UPDATE SET count = "GroupHour".count + excluded.count),
  batch AS (SELECT * FROM unnest($8::int[], $9::int[], $10::bigint[]) AS v(g, h, c)),
  targets AS (
    SELECT r."groupId" AS g, r.hour AS h, true AS stored FROM "GroupRunning" r
    JOIN (SELECT g, min(h) AS h FROM batch GROUP BY g) m ON r."groupId" = m.g AND r.hour >= m.h
    UNION ALL
    SELECT b.g, b.h, false FROM batch b
    WHERE NOT EXISTS (SELECT 1 FROM "GroupRunning" r WHERE r."groupId" = b.g AND r.hour = b.h)),
  running AS (
    INSERT INTO "GroupRunning" ("groupId", hour, total)
    SELECT t.g, t.h, SUM(b.c) + CASE WHEN t.stored THEN 0 ELSE coalesce((SELECT r.total FROM "GroupRunning" r
      WHERE r."groupId" = t.g AND r.hour < t.h ORDER BY r.hour DESC LIMIT 1), 0) END
    FROM targets t JOIN batch b ON b.g = t.g AND b.h <= t.h
    GROUP BY t.g, t.h, t.stored
    ON CONFLICT ("groupId", hour) DO UPDATE SET total = "GroupRunning".total + excluded.total),
  samples AS (
    INSERT INTO "Sample" ("groupId", slot, "receivedAt", "documentUrl", "blockedUrl", "sourceFile", line,
      "column", sample, "statusCode", browser, disposition, "policyVersion", env)
    SELECT * FROM unnest($11::int[], $12::int[], $13::bigint[], $14::text[], $15::text[], $16::text[],
      $17::int[], $18::int[], $19::text[], $20::int[], $21::text[], $22::text[], $23::int[], $24::text[])
    ON CONFLICT ("groupId", slot) DO UPDATE SET "receivedAt" = excluded."receivedAt",
      "documentUrl" = excluded."documentUrl", "blockedUrl" = excluded."blockedUrl",
      "sourceFile" = excluded."sourceFile", line = excluded.line, "column" = excluded."column",
      sample = excluded.sample, "statusCode" = excluded."statusCode", browser = excluded.browser,
      disposition = excluded.disposition, "policyVersion" = excluded."policyVersion", env = excluded.env),
  directives AS (
    INSERT INTO "DirectiveHour" ("projectId", hour, directive, noise, count)
    SELECT * FROM unnest($25::text[], $26::int[], $27::text[], $28::text[], $29::int[])
    ON CONFLICT ("projectId", hour, directive, noise) DO UPDATE SET count = "DirectiveHour".count + excluded.count
    RETURNING 1),
  counters AS (
    INSERT INTO "ProjectHour" ("projectId", hour, kind, count)
    SELECT * FROM unnest($30::text[], $31::int[], $32::text[], $33::int[])
    WHERE (SELECT count(*) FROM directives) >= 0
    ON CONFLICT ("projectId", hour, kind) DO UPDATE SET count = "ProjectHour".count + excluded.count)
  SELECT pg_notify($34, $35 || ' ' || p) FROM unnest($36::text[]) AS p`;

/** Parameter arrays for a multi-row statement: one array literal per column (pg-array.ts). */
function columns<T>(rows: readonly T[], cols: ((r: T) => unknown)[]): string[] {
  return cols.map((c) => arrayLiteral(rows.map(c)));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** New values of a batch not already known to be stored (the list only grows, so the cache is a lower bound). */
function unknownValues(known: readonly string[] | undefined, added: Set<string>, max: number): string[] {
  if (known && known.length >= max) return [];
  return [...added].filter((x) => !known?.includes(x));
}

type GroupRow = {
  id: number;
  projectId: string;
  fingerprint: string;
  pages: string;
  browsers: string;
  sampleSeq: number;
};

type Planned = { key: string; d: GroupDelta; samples: (RecentReport & { key: string })[] };

/** The writer's engine on a PostgreSQL pool; one per node. */
export class PgBatchEngine implements BatchEngine {
  private cache = new Map<string, GroupCache>();
  /** Commits run one at a time per node: the next batch gathers while one commits (group commit). */
  private tail: Promise<unknown> = Promise.resolve();
  /** Reports (and script sightings) of the commits started and not yet answered. */
  private inFlight = 0;

  constructor(
    /** The writer's connection pool, in pipeline mode (pg-db.ts writePool); one connection at a time is used. */
    private readonly pool: pg.Pool,
    private readonly limits: AggregateLimits,
    /** This node's id in the commit notifications to the other nodes (pg-commits.ts); none when unset. */
    private readonly nodeId?: string,
  ) {}

  /** Reports whose commit has started and is not answered yet (not yet durable). */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Resolves once the batch's COMMIT is answered (synchronous_commit on: durable), and only then does the next
   * batch start: what arrives meanwhile, the WAL flush included, goes in it. Starting the next batch on a second
   * connection as soon as this one's statements had run (so it ran during the flush) made smaller batches and no
   * earlier commits: its group upsert waited in PostgreSQL for the row locks this one held until its COMMIT. Five
   * pairs of runs, alternating, PostgreSQL only (npx tsx bench/engines.ts --only postgres --connections 128, load
   * average 4.7-5.9): 3,382-6,048 → 5,335-8,947 reports/s, 125-129 → 140-143 reports per commit, database CPU
   * 15-20 → 11-15 µs per report. A COMMIT that fails fails its batch (503) before any watcher hears of it.
   */
  commit(agg: BatchAggregate, watches: (projectId: string) => boolean): Promise<CommitChanges> {
    const n = agg.reports + agg.scripts.reduce((sum, d) => sum + d.count, 0);
    this.inFlight += n;
    const run = this.tail.then(() => this.write(agg, watches)).finally(() => (this.inFlight -= n));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write(agg: BatchAggregate, watches: (projectId: string) => boolean): Promise<CommitChanges> {
    // A lost server fails here or in the statements; such errors get a code storage health recognises.
    const client = await this.pool.connect().catch((err: unknown) => {
      throw withPgConnectionCode(err);
    });
    try {
      const written = await this.statements(client, agg, watches);
      await written.commit;
      client.release();
      return written.changes;
    } catch (err) {
      // Nothing of this batch was stored: cached state about its groups may be wrong. (A COMMIT written behind a
      // statement that failed ends the aborted transaction as a rollback; this ROLLBACK is then a no-op.)
      this.cache.clear();
      await this.rollback(client);
      throw withPgConnectionCode(err);
    }
  }

  /** End a failed transaction and give the connection back (closed if even that failed). */
  private async rollback(client: pg.PoolClient): Promise<void> {
    let broken = false;
    await client.query("ROLLBACK").catch(() => (broken = true));
    client.release(broken);
  }

  /**
   * The commit in two round trips on a pipeline-mode connection (node-postgres writes queued statements without
   * waiting for each answer): BEGIN and the group upsert (row locks, ids, sample slots), then everything else
   * (WRITE_REST) and COMMIT. Each round trip cost 3 to 8 ms on 2 busy cores (the backend and the node each wait for
   * a core), so the round trips, not the SQL, were most of a commit's time: ten of them at first.
   */
  private async statements(
    client: pg.PoolClient,
    agg: BatchAggregate,
    watches: (projectId: string) => boolean,
  ): Promise<{ changes: CommitChanges; commit: Promise<unknown> }> {
    const { ring, perFlush, maxPages, maxBrowsers } = this.limits;
    const changes: CommitChanges = new Map();
    const hours: { projectId: string; groupId: number; h: HourDelta }[] = [];
    const running: { groupId: number; hour: number; count: number }[] = [];
    const samples: { groupId: number; slot: number; r: RecentReport }[] = [];
    const cacheAdds: [string, GroupCache][] = [];
    // Round trip 1. The transaction opens in the same round trip as the upsert: what was queued first runs first.
    // Its id goes to the writer's watchers with the changes: the policy cache compares it with the snapshot of its
    // own reads (pg-snapshot.ts), so it patches a read with this commit only if the read did not already see it.
    const begin = client
      .query("BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_current_xact_id()::text AS xid")
      .then((r) => {
        changes.xid = (r as unknown as pg.QueryResult<{ xid: string }>[])[2]!.rows[0]!.xid;
      });
    let byKey = new Map<string, GroupRow>();
    if (agg.groups.size === 0) await begin;
    else {
      // Sorted by (project, fingerprint): concurrent nodes take the group row locks in one order (no deadlock).
      const planned: Planned[] = [...agg.groups]
        .sort(([a], [b]) => compare(a, b))
        .map(([key, d]) => ({
          key,
          d,
          samples: newSamples(this.cache.get(key)?.slots ?? [], d.recent, perFlush),
        }));
      const upsert = client.query<GroupRow>({
        name: "cinch_upsert_groups",
        text: UPSERT_GROUPS,
        values: [
          ...columns(planned, [
            (p) => p.d.projectId,
            (p) => p.d.fp,
            (p) => p.d.first.directive,
            (p) => p.d.first.blockedKey,
            (p) => p.d.first.noise ?? "",
            (p) => p.d.count,
            (p) => p.d.firstSeen,
            (p) => p.d.lastSeen,
            (p) => JSON.stringify(unknownValues(this.cache.get(p.key)?.pages, p.d.pages, maxPages)),
            (p) => JSON.stringify(unknownValues(this.cache.get(p.key)?.browsers, p.d.browsers, maxBrowsers)),
            (p) => p.samples.length,
          ]),
          maxPages,
          maxBrowsers,
        ],
      });
      const [, { rows }] = await Promise.all([begin, upsert]);
      byKey = new Map(rows.map((r) => [groupKey(r.projectId, r.fingerprint), r]));
      for (const p of planned) {
        const row = byKey.get(p.key);
        if (!row) throw new Error(`group upsert returned no row for ${p.d.projectId}/${p.d.fp}`);
        for (const h of p.d.hours.values()) hours.push({ projectId: p.d.projectId, groupId: row.id, h });
        for (const [hour, count] of perHour(p.d)) running.push({ groupId: row.id, hour, count });
        // The upsert added this batch's samples to sampleSeq under the row lock: the slots just before it are ours.
        const base = row.sampleSeq - p.samples.length;
        const slots = [...(this.cache.get(p.key)?.slots ?? [])];
        p.samples.forEach((r, i) => {
          const slot = (base + i) % ring;
          slots[slot] = { key: r.key, at: r.at };
          samples.push({ groupId: row.id, slot, r });
        });
        const pages = parseList(row.pages);
        cacheAdds.push([p.key, { pages, browsers: parseList(row.browsers), slots }]);
        if (p.d.first.noise === null && watches(p.d.projectId)) {
          let list = changes.get(p.d.projectId);
          if (!list) changes.set(p.d.projectId, (list = []));
          list.push({
            id: row.id,
            directive: p.d.first.directive,
            blocked: p.d.first.blockedKey,
            count: p.d.count,
            firstSeen: p.d.firstSeen,
            lastSeen: p.d.lastSeen,
            pages,
            hours: [...p.d.hours.values()],
            // A new group starts at sampleSeq 0 and always gets a sample; an existing one already had one.
            created: row.sampleSeq === p.samples.length,
          });
        }
      }
    }
    // Shared rows (many groups add to one): sorted too, for one lock order across nodes.
    const dh = [...agg.directiveHours].sort(
      (a, b) =>
        compare(a.projectId, b.projectId) ||
        a.hour - b.hour ||
        compare(a.directive, b.directive) ||
        compare(a.noise, b.noise),
    );
    const counters = [...agg.counters].sort(
      (a, b) => compare(a.projectId, b.projectId) || a.hour - b.hour || compare(a.kind, b.kind),
    );
    // Statements of other features that need answers before their next statement (ids of their own rows) go here,
    // awaited: each of their round trips is inside the transaction, before round trip 2 is written.
    await writeScriptsPg(client, agg.scripts); // the script inventory (#18): round trips only when a batch has scripts
    // Round trip 2: everything else and COMMIT, written together. A statement that fails aborts the transaction, so
    // the COMMIT behind it rolls back (and its rejection fails this commit).
    const rest = client.query({
      name: "cinch_write_rest",
      text: WRITE_REST,
      values: [
        ...columns(hours, [
          (x) => x.projectId,
          (x) => x.h.hour,
          (x) => x.groupId,
          (x) => x.h.disposition,
          (x) => x.h.policyVersion,
          (x) => x.h.env,
          (x) => x.h.count,
        ]),
        ...columns(running, [(x) => x.groupId, (x) => x.hour, (x) => x.count]),
        ...columns(samples, [
          (x) => x.groupId,
          (x) => x.slot,
          (x) => x.r.at,
          (x) => x.r.v.documentUrl,
          (x) => x.r.v.blocked,
          (x) => x.r.v.sourceFile,
          (x) => x.r.v.line,
          (x) => x.r.v.column,
          (x) => x.r.v.sample,
          (x) => x.r.v.statusCode,
          (x) => x.r.v.browser,
          (x) => x.r.v.disposition ?? "",
          (x) => x.r.tags.policyVersion,
          (x) => x.r.tags.env,
        ]),
        ...columns(dh, [
          (x) => x.projectId,
          (x) => x.hour,
          (x) => x.directive,
          (x) => x.noise,
          (x) => x.count,
        ]),
        ...columns(counters, [(x) => x.projectId, (x) => x.hour, (x) => x.kind, (x) => x.count]),
        // Delivered to the other nodes once this transaction commits, never for one that rolls back.
        COMMIT_CHANNEL,
        this.nodeId ?? "",
        this.nodeId === undefined ? [] : [...agg.touched],
      ],
    });
    // Single statements of other features (needing only the group ids of byKey) join round trip 2 here: queued
    // before the COMMIT below, they run inside the transaction and cost no round trip of their own.
    const breakdowns = writePgBreakdowns(client, agg, byKey); // per page and browser (#16), under the group locks
    const commit = client.query("COMMIT");
    // Handled by write() once the statements before it are answered; a rejection before then is theirs too.
    commit.catch(() => undefined);
    await Promise.all([rest, breakdowns]);
    // Applied only after the commit (write() clears the cache on failure).
    if (this.cache.size + cacheAdds.length > CACHE_MAX) this.cache.clear();
    for (const [key, g] of cacheAdds) this.cache.set(key, g);
    return { changes, commit };
  }

  settle(waiters: Waiter[]): void {
    // Called after commit() resolved: the COMMIT is answered, so the batch is durable.
    for (const w of waiters) w.resolve();
  }

  forget(projectId: string): void {
    const prefix = groupKey(projectId, "");
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
    // The project's groups changed outside a commit (re-classified, deleted by retention or a purge): the other
    // nodes hear it as a commit of this node and read them again. Their caches patch only their own commits, so
    // without it they would keep the old groups until a report reached another node.
    if (this.nodeId !== undefined) {
      this.pool
        .query("SELECT pg_notify($1, $2)", [COMMIT_CHANNEL, `${this.nodeId} ${projectId}`])
        .catch(() => {
          // Best effort, like every notification. It fails when the database went away, and then so does every
          // node's listening connection: on reconnecting each reads every project again (CommitFeed's epoch).
        });
    }
  }

  /** Resolves once the commits already started have finished (their COMMITs answered). */
  async idle(): Promise<void> {
    await this.tail;
  }

  close(): void {
    // The pool belongs to the caller; commits in flight finish on their own (see idle()).
  }
}
