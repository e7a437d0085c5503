// The script inventory's part of a group commit (#18), on either engine, inside the writer's transaction: upsert
// each entry, its hashes, pages (bounded), hours, and record the change log's commit-time events (script-new,
// script-changed, script-no-sri). SQLite: prepared statements row by row (synchronous, like sqlite-batch.ts);
// PostgreSQL: one multi-row statement per step (unnest of parameter arrays, like pg-batch.ts). Entries arrive
// sorted, so PostgreSQL nodes take the Script row locks in one order; the Script upsert holds each entry's row lock
// until the commit, so the hash and page checks after it see what other nodes committed for that entry.
import type Database from "better-sqlite3";
import type pg from "pg";
import type { ScriptDelta } from "./scripts-aggregate.ts";
import { MAX_SCRIPT_PAGES } from "./scripts-aggregate.ts";

/** Pages kept per script beyond MAX_SCRIPT_PAGES when they are payment pages (they carry script-no-sri). */
const MAX_PAYMENT_PAGES = 50;

// An authorized entry becomes "changed" on a new hash, unless its accepted pattern floats.
const NOT_FLOATING = `NOT EXISTS (SELECT 1 FROM "ScriptPattern" p WHERE p."projectId" = "Script"."projectId"
  AND p.pattern = "Script".url AND p."float")`;

function prepare(db: Database.Database) {
  return {
    upsertScript: db.prepare(
      `INSERT INTO "Script" ("projectId", url, origin, "firstSeen", "lastSeen", reports, "noSriFirstSeen", "noSriLastSeen")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("projectId", url) DO UPDATE SET
         "firstSeen" = min("Script"."firstSeen", excluded."firstSeen"),
         "lastSeen" = max("Script"."lastSeen", excluded."lastSeen"),
         reports = "Script".reports + excluded.reports,
         "noSriFirstSeen" = min(coalesce("Script"."noSriFirstSeen", excluded."noSriFirstSeen"),
                                coalesce(excluded."noSriFirstSeen", "Script"."noSriFirstSeen")),
         "noSriLastSeen" = max(coalesce("Script"."noSriLastSeen", excluded."noSriLastSeen"),
                               coalesce(excluded."noSriLastSeen", "Script"."noSriLastSeen")),
         "goneAt" = NULL
       RETURNING id, reports`,
    ),
    upsertHash: db.prepare(
      `INSERT INTO "ScriptHash" ("scriptId", hash, "firstSeen", "lastSeen", count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT ("scriptId", hash) DO UPDATE SET count = "ScriptHash".count + excluded.count,
         "firstSeen" = min("ScriptHash"."firstSeen", excluded."firstSeen"),
         "lastSeen" = max("ScriptHash"."lastSeen", excluded."lastSeen")
       RETURNING count`,
    ),
    countHashes: db.prepare(`SELECT count(*) AS n FROM "ScriptHash" WHERE "scriptId" = ? AND hash <> ''`),
    markChanged: db.prepare(
      `UPDATE "Script" SET status = 'changed' WHERE id = ? AND status = 'authorized' AND ${NOT_FLOATING}`,
    ),
    touchPage: db.prepare(
      `UPDATE "ScriptPage" SET "firstSeen" = min("firstSeen", ?), "lastSeen" = max("lastSeen", ?)
       WHERE "scriptId" = ? AND url = ?`,
    ),
    insertPage: db.prepare(
      `INSERT INTO "ScriptPage" ("scriptId", url, "firstSeen", "lastSeen", payment)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM "ScriptPage" WHERE "scriptId" = ?) < ?
       ON CONFLICT ("scriptId", url) DO NOTHING`,
    ),
    markNoSri: db.prepare(
      `UPDATE "ScriptPage" SET "noSriEventAt" = ? WHERE "scriptId" = ? AND url = ? AND "noSriEventAt" IS NULL
       RETURNING url`,
    ),
    upsertHour: db.prepare(
      `INSERT INTO "ScriptHour" ("projectId", "scriptId", hour, count) VALUES (?, ?, ?, ?)
       ON CONFLICT ("scriptId", hour) DO UPDATE SET count = "ScriptHour".count + excluded.count`,
    ),
    event: db.prepare(
      `INSERT INTO "ScriptEvent" ("projectId", "scriptId", kind, at, detail) VALUES (?, ?, ?, ?, ?)`,
    ),
  };
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();

/** SQLite: write the batch's script deltas; call inside the writer's transaction. */
export function writeScriptsSqlite(db: Database.Database, deltas: readonly ScriptDelta[]): void {
  if (deltas.length === 0) return;
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  for (const d of deltas) {
    const row = s.upsertScript.get(
      d.projectId,
      d.url,
      d.origin,
      d.firstSeen,
      d.lastSeen,
      d.count,
      d.noSri?.firstSeen ?? null,
      d.noSri?.lastSeen ?? null,
    ) as { id: number; reports: number | bigint };
    const id = row.id;
    // A new row starts at 0 reports, an existing one has at least one: equal to this batch's count means created.
    if (Number(row.reports) === d.count) s.event.run(d.projectId, id, "script-new", d.firstSeen, "");
    const newHashes: [string, number][] = [];
    for (const [hash, h] of d.hashes) {
      const r = s.upsertHash.get(id, hash, h.firstSeen, h.lastSeen, h.count) as { count: number | bigint };
      if (hash !== "" && Number(r.count) === h.count) newHashes.push([hash, h.firstSeen]);
    }
    if (newHashes.length > 0) {
      const { n } = s.countHashes.get(id) as { n: number };
      if (n > 1) {
        for (const [hash, at] of newHashes) s.event.run(d.projectId, id, "script-changed", at, hash);
        s.markChanged.run(id);
      }
    }
    for (const [url, p] of d.pages) {
      const touched = s.touchPage.run(p.firstSeen, p.lastSeen, id, url);
      if (touched.changes === 0) {
        const cap = MAX_SCRIPT_PAGES + (p.payment ? MAX_PAYMENT_PAGES : 0);
        s.insertPage.run(id, url, p.firstSeen, p.lastSeen, p.payment ? 1 : 0, id, cap);
      }
      if (p.payment && p.noSri && s.markNoSri.get(p.lastSeen, id, url) !== undefined)
        s.event.run(d.projectId, id, "script-no-sri", p.lastSeen, url);
    }
    for (const [hour, count] of d.hours) s.upsertHour.run(d.projectId, id, hour, count);
  }
}

// A stored entry's id is proposed as its own, so the id sequence only moves for a new entry: with the column's
// default, INSERT … ON CONFLICT takes a sequence value for every proposed row, and every batch upserts its entries
// (the 32-bit id would run out; as pg-batch.ts does for groups).
const PG_UPSERT_SCRIPTS = `
  INSERT INTO "Script" (id, "projectId", url, origin, "firstSeen", "lastSeen", reports, "noSriFirstSeen",
    "noSriLastSeen")
  SELECT coalesce((SELECT s.id FROM "Script" s WHERE s."projectId" = v.p AND s.url = v.u),
      nextval(pg_get_serial_sequence('"Script"', 'id'))), v.*
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
    $8::bigint[]) AS v(p, u, origin, f, l, reports, nf, nl)
  ON CONFLICT ("projectId", url) DO UPDATE SET
    "firstSeen" = LEAST("Script"."firstSeen", excluded."firstSeen"),
    "lastSeen" = GREATEST("Script"."lastSeen", excluded."lastSeen"),
    reports = "Script".reports + excluded.reports,
    "noSriFirstSeen" = LEAST("Script"."noSriFirstSeen", excluded."noSriFirstSeen"),
    "noSriLastSeen" = GREATEST("Script"."noSriLastSeen", excluded."noSriLastSeen"),
    "goneAt" = NULL
  RETURNING id, "projectId", url, reports`;

const PG_UPSERT_HASHES = `
  INSERT INTO "ScriptHash" ("scriptId", hash, "firstSeen", "lastSeen", count)
  SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
  ON CONFLICT ("scriptId", hash) DO UPDATE SET count = "ScriptHash".count + excluded.count,
    "firstSeen" = LEAST("ScriptHash"."firstSeen", excluded."firstSeen"),
    "lastSeen" = GREATEST("ScriptHash"."lastSeen", excluded."lastSeen")
  RETURNING "scriptId", hash, count`;

const PG_COUNT_HASHES = `
  SELECT "scriptId", count(*)::int AS n FROM "ScriptHash" WHERE "scriptId" = ANY($1::int[]) AND hash <> ''
  GROUP BY "scriptId"`;

const PG_MARK_CHANGED = `
  UPDATE "Script" SET status = 'changed' WHERE id = ANY($1::int[]) AND status = 'authorized' AND ${NOT_FLOATING}`;

const PG_TOUCH_PAGES = `
  UPDATE "ScriptPage" p SET "firstSeen" = LEAST(p."firstSeen", v.f), "lastSeen" = GREATEST(p."lastSeen", v.l)
  FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[]) AS v(s, u, f, l)
  WHERE p."scriptId" = v.s AND p.url = v.u`;

// New pages within the bound: the n-th new page of a script goes in while stored + n <= its cap.
const PG_INSERT_PAGES = `
  INSERT INTO "ScriptPage" ("scriptId", url, "firstSeen", "lastSeen", payment)
  SELECT v.s, v.u, v.f, v.l, v.p FROM (
    SELECT s, u, f, l, p, c, row_number() OVER (PARTITION BY s ORDER BY u) AS n
    FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[]) AS w(s, u, f, l, p, c)
    WHERE NOT EXISTS (SELECT 1 FROM "ScriptPage" q WHERE q."scriptId" = w.s AND q.url = w.u)
  ) v
  WHERE (SELECT count(*) FROM "ScriptPage" q WHERE q."scriptId" = v.s) + v.n <= v.c
  ON CONFLICT ("scriptId", url) DO NOTHING`;

const PG_MARK_NO_SRI = `
  UPDATE "ScriptPage" p SET "noSriEventAt" = v.t
  FROM unnest($1::int[], $2::text[], $3::bigint[]) AS v(s, u, t)
  WHERE p."scriptId" = v.s AND p.url = v.u AND p."noSriEventAt" IS NULL
  RETURNING p."scriptId", p.url, v.t`;

const PG_UPSERT_HOURS = `
  INSERT INTO "ScriptHour" ("projectId", "scriptId", hour, count)
  SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[])
  ON CONFLICT ("scriptId", hour) DO UPDATE SET count = "ScriptHour".count + excluded.count`;

const PG_EVENTS = `
  INSERT INTO "ScriptEvent" ("projectId", "scriptId", kind, at, detail)
  SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::text[])`;

type Event = { projectId: string; scriptId: number; kind: string; at: number; detail: string };

/** PostgreSQL's text cannot hold NUL; URLs here are canonical (no NUL survives the URL parser), hashes are base64. */
const col = <T>(rows: readonly T[], f: (r: T) => unknown): unknown[] => rows.map(f);

/** PostgreSQL: write the batch's script deltas on the writer's transaction's client. */
export async function writeScriptsPg(client: pg.PoolClient, deltas: readonly ScriptDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const { rows } = await client.query<{ id: number; projectId: string; url: string; reports: string }>(
    PG_UPSERT_SCRIPTS,
    [
      col(deltas, (d) => d.projectId),
      col(deltas, (d) => d.url),
      col(deltas, (d) => d.origin),
      col(deltas, (d) => d.firstSeen),
      col(deltas, (d) => d.lastSeen),
      col(deltas, (d) => d.count),
      col(deltas, (d) => d.noSri?.firstSeen ?? null),
      col(deltas, (d) => d.noSri?.lastSeen ?? null),
    ],
  );
  const byKey = new Map(rows.map((r) => [`${r.projectId}\n${r.url}`, r]));
  const events: Event[] = [];
  const hashes: { id: number; hash: string; f: number; l: number; c: number }[] = [];
  const pages: { id: number; url: string; f: number; l: number; payment: boolean; noSri: boolean }[] = [];
  const hours: { projectId: string; id: number; hour: number; count: number }[] = [];
  const idOf = new Map<number, ScriptDelta>();
  for (const d of deltas) {
    const row = byKey.get(`${d.projectId}\n${d.url}`);
    if (!row) throw new Error(`script upsert returned no row for ${d.projectId}/${d.url}`);
    idOf.set(row.id, d);
    if (Number(row.reports) === d.count)
      events.push({
        projectId: d.projectId,
        scriptId: row.id,
        kind: "script-new",
        at: d.firstSeen,
        detail: "",
      });
    for (const [hash, h] of d.hashes)
      hashes.push({ id: row.id, hash, f: h.firstSeen, l: h.lastSeen, c: h.count });
    for (const [url, p] of d.pages)
      pages.push({ id: row.id, url, f: p.firstSeen, l: p.lastSeen, payment: p.payment, noSri: p.noSri });
    for (const [hour, count] of d.hours) hours.push({ projectId: d.projectId, id: row.id, hour, count });
  }
  if (hashes.length > 0) {
    const res = await client.query<{ scriptId: number; hash: string; count: string }>(PG_UPSERT_HASHES, [
      col(hashes, (h) => h.id),
      col(hashes, (h) => h.hash),
      col(hashes, (h) => h.f),
      col(hashes, (h) => h.l),
      col(hashes, (h) => h.c),
    ]);
    const batchCount = new Map(hashes.map((h) => [`${h.id}\n${h.hash}`, h]));
    const created = res.rows.filter(
      (r) => r.hash !== "" && Number(r.count) === batchCount.get(`${r.scriptId}\n${r.hash}`)?.c,
    );
    if (created.length > 0) {
      const ids = [...new Set(created.map((r) => r.scriptId))];
      const counts = await client.query<{ scriptId: number; n: number }>(PG_COUNT_HASHES, [ids]);
      const changed = new Set(counts.rows.filter((r) => r.n > 1).map((r) => r.scriptId));
      for (const r of created) {
        if (!changed.has(r.scriptId)) continue;
        const at = batchCount.get(`${r.scriptId}\n${r.hash}`)!.f;
        events.push({
          projectId: idOf.get(r.scriptId)!.projectId,
          scriptId: r.scriptId,
          kind: "script-changed",
          at,
          detail: r.hash,
        });
      }
      if (changed.size > 0) await client.query(PG_MARK_CHANGED, [[...changed]]);
    }
  }
  if (pages.length > 0) {
    await client.query(PG_TOUCH_PAGES, [
      col(pages, (p) => p.id),
      col(pages, (p) => p.url),
      col(pages, (p) => p.f),
      col(pages, (p) => p.l),
    ]);
    await client.query(PG_INSERT_PAGES, [
      col(pages, (p) => p.id),
      col(pages, (p) => p.url),
      col(pages, (p) => p.f),
      col(pages, (p) => p.l),
      col(pages, (p) => (p.payment ? 1 : 0)),
      col(pages, (p) => MAX_SCRIPT_PAGES + (p.payment ? MAX_PAYMENT_PAGES : 0)),
    ]);
    const noSri = pages.filter((p) => p.payment && p.noSri);
    if (noSri.length > 0) {
      const marked = await client.query<{ scriptId: number; url: string; t: string }>(PG_MARK_NO_SRI, [
        col(noSri, (p) => p.id),
        col(noSri, (p) => p.url),
        col(noSri, (p) => p.l),
      ]);
      for (const m of marked.rows)
        events.push({
          projectId: idOf.get(m.scriptId)!.projectId,
          scriptId: m.scriptId,
          kind: "script-no-sri",
          at: Number(m.t),
          detail: m.url,
        });
    }
  }
  await client.query(PG_UPSERT_HOURS, [
    col(hours, (h) => h.projectId),
    col(hours, (h) => h.id),
    col(hours, (h) => h.hour),
    col(hours, (h) => h.count),
  ]);
  if (events.length > 0) {
    await client.query(PG_EVENTS, [
      col(events, (e) => e.projectId),
      col(events, (e) => e.scriptId),
      col(events, (e) => e.kind),
      col(events, (e) => e.at),
      col(events, (e) => e.detail),
    ]);
  }
}
