// Writing a batch's per-group page and browser counts (GroupBreakdown, #16) inside the writer's transaction, counts
// added in SQL. The bound (BREAKDOWN_LIMITS named values per group, day and kind, the rest in OTHER) is placeCounts'
// rule (breakdown.ts): a value already stored keeps its row; new values, most reports first, get rows while the
// stored values plus their rank stay within the limit; the rest add to OTHER. SQLite runs it in JS between a read
// and prepared upserts; PostgreSQL runs it as one statement per batch (unnest of parameter arrays).
// Why that statement holds the bound with several nodes: the writer upserts a batch's groups first, which row-locks
// each group until the commit (pg-batch.ts), so one transaction at a time writes a group's rows and the statement's
// snapshot holds every stored value of that group.
import type Database from "better-sqlite3";
import type pg from "pg";
import { groupKey, type BatchAggregate } from "./aggregate.ts";
import { BREAKDOWN_LIMITS, OTHER, placeCounts } from "./breakdown.ts";
import { arrayLiteral } from "./pg-array.ts";

type Row = { projectId: string; groupId: number; day: number; kind: string; value: string; count: number };

/** The batch's rows with their group ids, sorted by (group, day, kind, value): one lock order across nodes. */
function rowsOf(agg: BatchAggregate, ids: ReadonlyMap<string, { id: number }>): Row[] {
  const out: Row[] = [];
  for (const [key, d] of agg.groups) {
    const id = ids.get(key)?.id ?? ids.get(groupKey(d.projectId, d.fp))?.id;
    if (id === undefined) throw new Error(`no group id for ${d.projectId}/${d.fp}`);
    for (const b of d.breakdown.entries()) out.push({ projectId: d.projectId, groupId: id, ...b });
  }
  return out.sort(
    (a, b) =>
      a.groupId - b.groupId ||
      a.day - b.day ||
      (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
      (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
  );
}

/**
 * PostgreSQL's statement: placeCounts in SQL. Values already stored (after a day's first commits, nearly all) are
 * updated in place by primary key first; only the rest (new values and OTHER, which is never updated there so that
 * no row is touched twice in one statement) go through the rule: the stored rows of their (group, day, kind) are
 * read once (s), counted once (u) and joined, not looked up per input row. Ties sort by value in byte order
 * (COLLATE "C"), as placeCounts does. Running every row through the rule, as before, was about 24 µs of database CPU
 * per report (3.5 ms of a 7 ms commit of 138 reports over 50 groups, writer only); updating stored values first
 * took a third of that. Prepared once per connection (named).
 */
const PG_UPSERT = `
  WITH v AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::int[]) AS v(p, g, d, k, val, c)),
  stored AS (
    UPDATE "GroupBreakdown" b SET count = b.count + v.c FROM v
    WHERE b."groupId" = v.g AND b.day = v.d AND b.kind = v.k AND b.value = v.val AND v.val <> '${OTHER}'
    RETURNING b."groupId" AS g, b.day AS d, b.kind AS k, b.value AS val),
  n AS (
    SELECT v.* FROM v WHERE NOT EXISTS (
      SELECT 1 FROM stored x WHERE x.g = v.g AND x.d = v.d AND x.k = v.k AND x.val = v.val)),
  s AS (
    SELECT b."groupId" AS g, b.day AS d, b.kind AS k, b.value AS val FROM "GroupBreakdown" b
    JOIN (SELECT DISTINCT n.g, n.d, n.k FROM n) q ON b."groupId" = q.g AND b.day = q.d AND b.kind = q.k),
  u AS (SELECT s.g, s.d, s.k, count(*) FILTER (WHERE s.val <> '${OTHER}') AS used FROM s GROUP BY s.g, s.d, s.k),
  r AS (
    SELECT n.p, n.g, n.d, n.k, n.val, n.c, n.val = '${OTHER}' AS kept, coalesce(u.used, 0) AS used,
      row_number() OVER (PARTITION BY n.g, n.d, n.k, n.val = '${OTHER}' ORDER BY n.c DESC, n.val COLLATE "C") AS rk
    FROM n LEFT JOIN u ON u.g = n.g AND u.d = n.d AND u.k = n.k)
  INSERT INTO "GroupBreakdown" ("projectId", "groupId", day, kind, value, count)
  SELECT r.p, r.g, r.d, r.k,
    CASE WHEN r.kept OR r.used + r.rk <= (CASE WHEN r.k = 'page' THEN $7::int ELSE $8::int END)
      THEN r.val ELSE '${OTHER}' END,
    SUM(r.c)
  FROM r
  GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT ("groupId", day, kind, value) DO UPDATE SET count = "GroupBreakdown".count + excluded.count`;

// SQLite: one writer owns the file, so the rule runs in JS (placeCounts) between a read of the stored values and
// prepared upserts. PostgreSQL's single statement took 127 ms per commit of 1,000 reports over 100 groups on
// SQLite (window function and correlated subqueries over JSON input); this takes 28-39 ms there, less than as many
// GroupHour upserts (37 ms for the same ~1,600 rows, interleaved; 2 cores at load average 14).
const sqliteStatements = new WeakMap<
  Database.Database,
  { stored: Database.Statement; upsert: Database.Statement }
>();

/**
 * Add a batch's page and browser counts on SQLite, inside the writer's transaction. `ids`: the batch's groups by
 * groupKey, as the writer resolved them.
 */
export function writeSqliteBreakdowns(
  db: Database.Database,
  agg: BatchAggregate,
  ids: ReadonlyMap<string, { id: number }>,
): void {
  const rows = rowsOf(agg, ids);
  if (rows.length === 0) return;
  let st = sqliteStatements.get(db);
  if (!st) {
    st = {
      stored: db
        .prepare(`SELECT value FROM "GroupBreakdown" WHERE "groupId" = ? AND day = ? AND kind = ?`)
        .pluck(),
      upsert: db.prepare(
        `INSERT INTO "GroupBreakdown" ("projectId", "groupId", day, kind, value, count) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT ("groupId", day, kind, value) DO UPDATE SET count = count + excluded.count`,
      ),
    };
    sqliteStatements.set(db, st);
  }
  // rows are sorted by (group, day, kind, value): one run per (group, day, kind).
  for (let i = 0; i < rows.length;) {
    const first = rows[i]!;
    let j = i;
    while (
      j < rows.length &&
      rows[j]!.groupId === first.groupId &&
      rows[j]!.day === first.day &&
      rows[j]!.kind === first.kind
    )
      j++;
    const stored = new Set(st.stored.all(first.groupId, first.day, first.kind) as string[]);
    const limit = first.kind === "page" ? BREAKDOWN_LIMITS.page : BREAKDOWN_LIMITS.browser;
    for (const [value, count] of placeCounts(stored, rows.slice(i, j), limit)) {
      st.upsert.run(first.projectId, first.groupId, first.day, first.kind, value, count);
    }
    i = j;
  }
}

/** Add a batch's page and browser counts on PostgreSQL, inside the writer's transaction (after the group upsert). */
export async function writePgBreakdowns(
  client: pg.ClientBase,
  agg: BatchAggregate,
  ids: ReadonlyMap<string, { id: number }>,
): Promise<void> {
  const rows = rowsOf(agg, ids);
  if (rows.length === 0) return;
  await client.query({
    name: "cinch_breakdown",
    text: PG_UPSERT,
    values: [
      arrayLiteral(rows.map((r) => r.projectId)),
      arrayLiteral(rows.map((r) => r.groupId)),
      arrayLiteral(rows.map((r) => r.day)),
      arrayLiteral(rows.map((r) => r.kind)),
      arrayLiteral(rows.map((r) => r.value)), // NUL replaced there (PostgreSQL's text cannot hold it)
      arrayLiteral(rows.map((r) => r.count)),
      BREAKDOWN_LIMITS.page,
      BREAKDOWN_LIMITS.browser,
    ],
  });
}
