// A database with the node's writer on it, for the policy cache's tests, on the engine CINCH_TEST_ENGINE selects:
// a SQLite file in a temp dir, or a new PostgreSQL database (dropped by close) with the writer a node would have
// (PgBatchEngine on its own pipeline pool, announcing its commits as this node).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Prisma } from "../../server/generated/prisma/client.ts";
import { openDb, type Db } from "../../server/store/db.ts";
import { isPgReader, isSqliteReader, type PgReader, type SqlReader } from "../../server/store/sql.ts";
import { openPgDb } from "../../server/store/pg-db.ts";
import { PgBatchEngine } from "../../server/store/pg-batch.ts";
import { limitsOf, ReportWriter, type WriterOptions } from "../../server/store/writer.ts";
import { createPgDb } from "../pg/db.ts";
import { rows, TEST_ENGINE } from "./app.ts";

export type PolicyDb = { db: Db; writer: ReportWriter; close(): Promise<void> };

/**
 * Open a database on `engine` with the given projects and a writer on it. `engineFor` wraps PostgreSQL's writer
 * pool (tests that hold a commit at a chosen moment).
 */
export async function policyDb(
  projects: readonly string[],
  opts: WriterOptions = { flushMs: 1000, maxQueue: 1_000_000 },
  engine: "sqlite" | "postgres" = TEST_ENGINE,
  wrapPool: <P>(pool: P) => P = (p) => p,
): Promise<PolicyDb> {
  const pgDb = engine === "postgres" ? await createPgDb("cinch_pcache") : null;
  const db: Db = pgDb
    ? await openPgDb(pgDb.url, { poolSize: 4 })
    : await openDb(join(mkdtempSync(join(tmpdir(), "cinch-pcache-")), "cinch.db"), { synchronous: "NORMAL" });
  for (const id of projects) {
    await rows(
      db,
      `INSERT INTO "Project" (id, name, "reportKey", "policyKey") VALUES (?, ?, ?, ?) RETURNING id`,
      id,
      id,
      `rk-${id}`,
      `pk-${id}`,
    );
  }
  const writer =
    db.engine === "sqlite"
      ? new ReportWriter(db.raw, opts)
      : new ReportWriter(new PgBatchEngine(wrapPool(db.writePool), limitsOf(opts), db.feed.nodeId), opts);
  return {
    db,
    writer,
    async close() {
      await writer.drain();
      writer.close();
      await db.close();
      await pgDb?.drop();
    },
  };
}

/** A reader that counts its statements whose text `match`es (inside PostgreSQL's snapshot reads too). */
export function countReads(
  sql: SqlReader,
  match: (text: string) => boolean,
): { sql: SqlReader; reads(): number } {
  let n = 0;
  const counted = (r: SqlReader): SqlReader => ({
    ...r,
    all: <T>(q: Prisma.Sql): Promise<T[]> => {
      if (match(q.sql)) n++;
      return r.all<T>(q);
    },
    // SQLite's synchronous reads (loops of seeks, the enforce counts' slices) count too.
    ...(isSqliteReader(r)
      ? {
          allSync: <T>(q: Prisma.Sql): T[] => {
            if (match(q.sql)) n++;
            return r.allSync<T>(q);
          },
        }
      : {}),
  });
  if (!isPgReader(sql)) return { sql: counted(sql), reads: () => n };
  const pg: PgReader = { ...counted(sql), inSnapshot: (fn) => sql.inSnapshot((s) => fn(counted(s))) };
  return { sql: pg, reads: () => n };
}
