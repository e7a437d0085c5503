// PostgreSQL engine of the group-commit writer: one transaction per flush, one multi-row statement per table
// (unnest of parameter arrays: a fixed number of parameters whatever the batch size, never one statement per
// row), synchronous_commit on, so a request is answered only once its commit is durable.
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
import { writePgBreakdowns } from "./breakdown-write.ts";
import { withPgConnectionCode } from "./sql.ts";
import { COMMIT_CHANNEL } from "./pg-commits.ts";
import { writeScriptsPg } from "./scripts-write.ts";

type GroupCache = { pages: string[]; browsers: string[]; slots: SlotState[] };

const CACHE_MAX = 100_000;

const UPSERT_GROUPS = `
  INSERT INTO "ViolationGroup" ("projectId", fingerprint, directive, blocked, noise, count, "firstSeen", "lastSeen",
    pages, browsers, "sampleSeq")
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
    $8::bigint[], $9::text[], $10::text[], $11::int[])
  ON CONFLICT ("projectId", fingerprint) DO UPDATE SET
    count = "ViolationGroup".count + excluded.count,
    "firstSeen" = LEAST("ViolationGroup"."firstSeen", excluded."firstSeen"),
    "lastSeen" = GREATEST("ViolationGroup"."lastSeen", excluded."lastSeen"),
    pages = cinch_merge_list("ViolationGroup".pages, excluded.pages, $12),
    browsers = cinch_merge_list("ViolationGroup".browsers, excluded.browsers, $13),
    "sampleSeq" = "ViolationGroup"."sampleSeq" + excluded."sampleSeq"
  RETURNING id, "projectId", fingerprint, pages, browsers, "sampleSeq"`;

const UPSERT_HOURS = `
  INSERT INTO "GroupHour" ("projectId", hour, "groupId", disposition, "policyVersion", env, count)
  SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::int[], $6::text[], $7::int[])
  ON CONFLICT ("projectId", hour, "groupId", disposition, "policyVersion", env)
  DO UPDATE SET count = "GroupHour".count + excluded.count`;

// Running totals in two set statements: first every (group, hour) of the batch gets a row holding the total
// before the batch (a new row copies the latest earlier one), then every row at or after a batch hour grows by
// the batch's reports up to its hour. Same result as SQLite's row-by-row upsert, out-of-order hours included.
const RUNNING_ROWS = `
  INSERT INTO "GroupRunning" ("groupId", hour, total)
  SELECT v.g, v.h, coalesce((SELECT r.total FROM "GroupRunning" r WHERE r."groupId" = v.g AND r.hour < v.h
    ORDER BY r.hour DESC LIMIT 1), 0)
  FROM unnest($1::int[], $2::int[]) AS v(g, h)
  ON CONFLICT ("groupId", hour) DO NOTHING`;
const RUNNING_ADD = `
  UPDATE "GroupRunning" r SET total = r.total + s.add
  FROM (SELECT r2."groupId" AS g, r2.hour AS h, SUM(v.c) AS add
        FROM unnest($1::int[], $2::int[], $3::bigint[]) AS v(g, h, c)
        JOIN "GroupRunning" r2 ON r2."groupId" = v.g AND r2.hour >= v.h
        GROUP BY r2."groupId", r2.hour) s
  WHERE r."groupId" = s.g AND r.hour = s.h`;

const PUT_SAMPLES = `
  INSERT INTO "Sample" ("groupId", slot, "receivedAt", "documentUrl", "blockedUrl", "sourceFile", line, "column",
    sample, "statusCode", browser, disposition, "policyVersion", env)
  SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[],
    $8::int[], $9::text[], $10::int[], $11::text[], $12::text[], $13::int[], $14::text[])
  ON CONFLICT ("groupId", slot) DO UPDATE SET "receivedAt" = excluded."receivedAt",
    "documentUrl" = excluded."documentUrl", "blockedUrl" = excluded."blockedUrl",
    "sourceFile" = excluded."sourceFile", line = excluded.line, "column" = excluded."column",
    sample = excluded.sample, "statusCode" = excluded."statusCode", browser = excluded.browser,
    disposition = excluded.disposition, "policyVersion" = excluded."policyVersion", env = excluded.env`;

const UPSERT_DIRECTIVE_HOURS = `
  INSERT INTO "DirectiveHour" ("projectId", hour, directive, noise, count)
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[])
  ON CONFLICT ("projectId", hour, directive, noise) DO UPDATE SET count = "DirectiveHour".count + excluded.count`;

const UPSERT_COUNTERS = `
  INSERT INTO "ProjectHour" ("projectId", hour, kind, count)
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[])
  ON CONFLICT ("projectId", hour, kind) DO UPDATE SET count = "ProjectHour".count + excluded.count`;

/**
 * PostgreSQL's text cannot hold NUL (SQLite's can): one report carrying it would fail its whole batch. Reports are
 * attacker-controlled, so NUL is stored as U+FFFD, as a browser shows an undecodable character.
 */
const noNul = (v: unknown): unknown =>
  typeof v === "string" && v.includes("\u0000") ? v.replaceAll("\u0000", "\uFFFD") : v;

/** Parameter arrays for a multi-row statement: one array per column. */
function columns<T>(rows: readonly T[], cols: ((r: T) => unknown)[]): unknown[][] {
  return cols.map((c) => rows.map((r) => noNul(c(r))));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** New values of a batch not already known to be stored (the list only grows, so the cache is a lower bound). */
function unknownValues(known: readonly string[] | undefined, added: Set<string>, max: number): string[] {
  if (known && known.length >= max) return [];
  return [...added].filter((x) => !known?.includes(x));
}

type Planned = { key: string; d: GroupDelta; samples: (RecentReport & { key: string })[] };

/** The writer's engine on a PostgreSQL pool; one per node. */
export class PgBatchEngine implements BatchEngine {
  private cache = new Map<string, GroupCache>();
  /** Commits run one at a time per node: the next batch gathers while one commits (group commit). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: AggregateLimits,
    /** This node's id in the commit notifications to the other nodes (pg-commits.ts); none when unset. */
    private readonly nodeId?: string,
  ) {}

  get pending(): number {
    return 0;
  }

  commit(agg: BatchAggregate, watches: (projectId: string) => boolean): Promise<CommitChanges> {
    const run = this.tail.then(() => this.write(agg, watches));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write(agg: BatchAggregate, watches: (projectId: string) => boolean): Promise<CommitChanges> {
    // A lost server fails here or in the statements; such errors get a code storage health recognises.
    const client = await this.pool.connect().catch((err: unknown) => {
      throw withPgConnectionCode(err);
    });
    let broken = false;
    try {
      // One round trip for both (a simple query may hold several statements): a commit waits on each one.
      await client.query("BEGIN; SET LOCAL synchronous_commit = on");
      const changes = await this.statements(client, agg, watches);
      await client.query("COMMIT");
      return changes;
    } catch (err) {
      // Nothing of this batch was stored: cached state about its groups may be wrong.
      this.cache.clear();
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw withPgConnectionCode(err);
    } finally {
      client.release(broken);
    }
  }

  private async statements(
    client: pg.PoolClient,
    agg: BatchAggregate,
    watches: (projectId: string) => boolean,
  ): Promise<CommitChanges> {
    const { ring, perFlush, maxPages, maxBrowsers } = this.limits;
    const changes: CommitChanges = new Map();
    if (agg.groups.size > 0) {
      // Sorted by (project, fingerprint): concurrent nodes take the group row locks in one order (no deadlock).
      const planned: Planned[] = [...agg.groups]
        .sort(([a], [b]) => compare(a, b))
        .map(([key, d]) => ({
          key,
          d,
          samples: newSamples(this.cache.get(key)?.slots ?? [], d.recent, perFlush),
        }));
      const { rows } = await client.query<{
        id: number;
        projectId: string;
        fingerprint: string;
        pages: string;
        browsers: string;
        sampleSeq: number;
      }>(UPSERT_GROUPS, [
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
      ]);
      const byKey = new Map(rows.map((r) => [groupKey(r.projectId, r.fingerprint), r]));
      await writePgBreakdowns(client, agg, byKey); // per page and browser, under the group locks (#16)
      const hours: { projectId: string; groupId: number; h: HourDelta }[] = [];
      const running: { groupId: number; hour: number; count: number }[] = [];
      const samples: { groupId: number; slot: number; r: RecentReport }[] = [];
      const cacheAdds: [string, GroupCache][] = [];
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
      await client.query(
        UPSERT_HOURS,
        columns(hours, [
          (x) => x.projectId,
          (x) => x.h.hour,
          (x) => x.groupId,
          (x) => x.h.disposition,
          (x) => x.h.policyVersion,
          (x) => x.h.env,
          (x) => x.h.count,
        ]),
      );
      await client.query(RUNNING_ROWS, columns(running, [(x) => x.groupId, (x) => x.hour]));
      await client.query(RUNNING_ADD, columns(running, [(x) => x.groupId, (x) => x.hour, (x) => x.count]));
      if (samples.length > 0) {
        await client.query(
          PUT_SAMPLES,
          columns(samples, [
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
        );
      }
      // Applied only after the commit (write() clears the cache on failure).
      if (this.cache.size + cacheAdds.length > CACHE_MAX) this.cache.clear();
      for (const [key, g] of cacheAdds) this.cache.set(key, g);
    }
    // Shared rows (many groups add to one): sorted too, for one lock order across nodes.
    const dh = [...agg.directiveHours].sort(
      (a, b) =>
        compare(a.projectId, b.projectId) ||
        a.hour - b.hour ||
        compare(a.directive, b.directive) ||
        compare(a.noise, b.noise),
    );
    if (dh.length > 0) {
      await client.query(
        UPSERT_DIRECTIVE_HOURS,
        columns(dh, [(x) => x.projectId, (x) => x.hour, (x) => x.directive, (x) => x.noise, (x) => x.count]),
      );
    }
    const counters = [...agg.counters].sort(
      (a, b) => compare(a.projectId, b.projectId) || a.hour - b.hour || compare(a.kind, b.kind),
    );
    if (counters.length > 0) {
      await client.query(
        UPSERT_COUNTERS,
        columns(counters, [(x) => x.projectId, (x) => x.hour, (x) => x.kind, (x) => x.count]),
      );
    }
    if (this.nodeId !== undefined && agg.touched.size > 0) {
      // Delivered to the other nodes once this transaction commits, never for one that rolls back.
      await client.query(`SELECT pg_notify($1, $2 || ' ' || p) FROM unnest($3::text[]) AS p`, [
        COMMIT_CHANNEL,
        this.nodeId,
        [...agg.touched],
      ]);
    }
    await writeScriptsPg(client, agg.scripts); // the script inventory (#18): round trips only when a batch has scripts
    return changes;
  }

  settle(waiters: Waiter[]): void {
    // synchronous_commit = on: COMMIT returned after the WAL flush, so the commit is already durable.
    for (const w of waiters) w.resolve();
  }

  forget(projectId: string): void {
    const prefix = groupKey(projectId, "");
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  /** Resolves once the commits already started have finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  close(): void {
    // The pool belongs to the caller; commits in flight finish on their own (see idle()).
  }
}
