// Ignore rules reach the past: relabel stored groups as noise "ignore-rule" (and back), in small batches.
//
// A group is relabelled in place: its noise column changes, its id, fingerprint, counts, hours and samples stay.
// The fingerprint still names the reason the group was created with, so new reports keep routing as before: while a
// rule holds, new reports of the host are noise at ingest and land in the host's "ignore-rule" group (created by the
// writer); removing the rule turns every "ignore-rule" group no rule matches any more back into an actionable group.
// Nothing is merged or deleted, so the reports are conserved: a host has at most two groups per directive (the one
// relabelled, the one ingest created), and the builder and the lists sum them. DirectiveHour (the chart's rollup by
// noise) moves with each group, hour by hour.
import type Database from "better-sqlite3";
import type pg from "pg";
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";
import { withPgConnectionCode } from "./sql.ts";
import { COMMIT_CHANNEL } from "./pg-commits.ts";

/** A group as the ignore rules see it: its key and the samples kept for it. */
export type RuleGroup = {
  id: number;
  directive: string;
  blocked: string;
  /** "" (actionable) or "ignore-rule"; other noise reasons are never read or changed. */
  noise: "" | "ignore-rule";
  count: number;
  samples: { blockedUrl: string; sourceFile: string; sample: string }[];
};

/** Groups and reports that changed label. */
export type Moved = { groups: number; reports: number };

/** Up to `limit` of the project's actionable and ignore-rule groups with ids above `afterId`, in id order. */
export async function ruleGroupsPage(
  db: Pick<Db, "sql">,
  projectId: string,
  afterId: number,
  limit: number,
): Promise<RuleGroup[]> {
  const rows = await db.sql.all<{
    id: unknown;
    directive: string;
    blocked: string;
    noise: string;
    count: unknown;
  }>(Prisma.sql`
    SELECT id, directive, blocked, noise, count FROM "ViolationGroup"
    WHERE "projectId" = ${projectId} AND noise IN ('', 'ignore-rule') AND id > ${afterId} ORDER BY id LIMIT ${limit}`);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  const samples = await db.sql.all<RuleGroup["samples"][number] & { groupId: unknown }>(Prisma.sql`
    SELECT "groupId" AS "groupId", "blockedUrl" AS "blockedUrl", "sourceFile" AS "sourceFile", sample
    FROM "Sample" WHERE ${db.sql.dialect.inInts(Prisma.sql`"groupId"`, ids)}`);
  const byGroup = new Map<number, RuleGroup["samples"]>(ids.map((id) => [id, []]));
  for (const s of samples)
    byGroup
      .get(Number(s.groupId))
      ?.push({ blockedUrl: s.blockedUrl, sourceFile: s.sourceFile, sample: s.sample });
  return rows.map((r) => ({
    id: Number(r.id),
    directive: r.directive,
    blocked: r.blocked,
    noise: r.noise === "ignore-rule" ? "ignore-rule" : "",
    count: Number(r.count),
    samples: byGroup.get(Number(r.id)) ?? [],
  }));
}

/** Relabel `groups` to `noise` in one transaction, moving their hourly counts in DirectiveHour with them. */
export function relabelGroups(
  db: Db,
  projectId: string,
  groups: readonly RuleGroup[],
  noise: "" | "ignore-rule",
): Promise<Moved> {
  const todo = groups.filter((g) => g.noise !== noise);
  if (todo.length === 0) return Promise.resolve({ groups: 0, reports: 0 });
  if (db.engine === "postgres") return relabelPg(db.pool, projectId, todo, noise);
  try {
    return Promise.resolve(relabelSqlite(db.raw, projectId, todo, noise));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

// The group's label changes first: that statement locks its row (SQLite: the database), so the hours read next
// are all of its reports, none committed in between by a writer (which upserts the group row first).
const SET_NOISE = `UPDATE "ViolationGroup" SET noise = ? WHERE id = ? AND "projectId" = ? AND noise = ?`;
// By groupId alone (ids are unique across projects): with projectId too, SQLite picks the primary key and
// scans every hour row of the project per group (~2 ms a group at 20,000 groups, measured).
const HOURS = `SELECT hour, SUM(count) AS n FROM "GroupHour" WHERE "groupId" = ? GROUP BY hour`;
const SUB_HOUR = `UPDATE "DirectiveHour" SET count = CASE WHEN count > ? THEN count - ? ELSE 0 END
  WHERE "projectId" = ? AND hour = ? AND directive = ? AND noise = ?`;
const DROP_EMPTY = `DELETE FROM "DirectiveHour" WHERE "projectId" = ? AND hour = ? AND directive = ? AND noise = ? AND count = 0`;
const ADD_HOUR = `INSERT INTO "DirectiveHour" ("projectId", hour, directive, noise, count) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT ("projectId", hour, directive, noise) DO UPDATE SET count = "DirectiveHour".count + excluded.count`;

type Statements = ReturnType<typeof prepare>;
const cache = new WeakMap<Database.Database, Statements>();

function prepare(raw: Database.Database) {
  return {
    setNoise: raw.prepare(SET_NOISE),
    hours: raw.prepare(HOURS),
    subHour: raw.prepare(SUB_HOUR),
    dropEmpty: raw.prepare(DROP_EMPTY),
    addHour: raw.prepare(ADD_HOUR),
  };
}

function relabelSqlite(
  raw: Database.Database,
  projectId: string,
  groups: readonly RuleGroup[],
  noise: "" | "ignore-rule",
): Moved {
  let s = cache.get(raw);
  if (!s) cache.set(raw, (s = prepare(raw)));
  const st = s;
  const moved: Moved = { groups: 0, reports: 0 };
  raw.transaction(() => {
    for (const g of groups) {
      if (st.setNoise.run(noise, g.id, projectId, g.noise).changes === 0) continue;
      moved.groups++;
      moved.reports += g.count;
      for (const h of st.hours.all(g.id) as { hour: number; n: number | bigint }[]) {
        const n = Number(h.n);
        st.subHour.run(n, n, projectId, h.hour, g.directive, g.noise);
        st.dropEmpty.run(projectId, h.hour, g.directive, g.noise);
        st.addHour.run(projectId, h.hour, g.directive, noise, n);
      }
    }
  })();
  return moved;
}

// PostgreSQL: a batch of groups in three statements whatever its size (each statement is a round trip; one per
// group and hour before: about 90 for a group seen over 30 hours). The labels first (row locks on the groups, as the
// per-row order above), then, with a snapshot taken after those locks, the batch's hours moved in DirectiveHour and
// the announcement, then the rows emptied. Parameters: the new label, the moved groups' ids, old labels and
// directives, the project.
const PG_SET_NOISE = `UPDATE "ViolationGroup" g SET noise = $1 FROM unnest($2::int[], $3::text[]) AS v(id, old)
  WHERE g.id = v.id AND g."projectId" = $4 AND g.noise = v.old RETURNING g.id`;
const PG_MOVE_HOURS = `
  WITH hours AS (
    SELECT h.hour, v.directive, v.old, SUM(h.count)::int AS n
    FROM "GroupHour" h JOIN unnest($2::int[], $3::text[], $5::text[]) AS v(id, old, directive) ON h."groupId" = v.id
    GROUP BY h.hour, v.directive, v.old),
  sub AS (
    UPDATE "DirectiveHour" d SET count = CASE WHEN d.count > h.n THEN d.count - h.n ELSE 0 END FROM hours h
    WHERE d."projectId" = $4 AND d.hour = h.hour AND d.directive = h.directive AND d.noise = h.old),
  added AS (
    INSERT INTO "DirectiveHour" ("projectId", hour, directive, noise, count)
    SELECT $4, hour, directive, $1, SUM(n) FROM hours GROUP BY hour, directive
    ON CONFLICT ("projectId", hour, directive, noise) DO UPDATE SET count = "DirectiveHour".count + excluded.count)
  SELECT pg_notify($6, '- ' || $4)`;
const PG_DROP_EMPTY = `DELETE FROM "DirectiveHour" WHERE "projectId" = $1 AND noise = ANY($2::text[]) AND count = 0`;

async function relabelPg(
  pool: pg.Pool,
  projectId: string,
  groups: readonly RuleGroup[],
  noise: "" | "ignore-rule",
): Promise<Moved> {
  const client = await pool.connect().catch((err: unknown) => {
    throw withPgConnectionCode(err);
  });
  let broken = false;
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: number }>(PG_SET_NOISE, [
      noise,
      groups.map((g) => g.id),
      groups.map((g) => g.noise),
      projectId,
    ]);
    const ids = new Set(rows.map((r) => r.id));
    const moved = groups.filter((g) => ids.has(g.id));
    if (moved.length > 0) {
      // The other nodes' policy caches hold these groups with their old labels (pg-commits.ts; "-" is no node's id,
      // so this node counts it too, which only costs it one reload).
      await client.query(PG_MOVE_HOURS, [
        noise,
        moved.map((g) => g.id),
        moved.map((g) => g.noise),
        projectId,
        moved.map((g) => g.directive),
        COMMIT_CHANNEL,
      ]);
      await client.query(PG_DROP_EMPTY, [projectId, [...new Set(moved.map((g) => g.noise))]]);
    }
    await client.query("COMMIT");
    return { groups: moved.length, reports: moved.reduce((n, g) => n + g.count, 0) };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw withPgConnectionCode(err);
  } finally {
    client.release(broken);
  }
}
