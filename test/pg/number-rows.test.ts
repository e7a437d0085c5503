// eachNumberRow (server/store/sql.ts): a statement's rows of numbers reach the visitor as the same values in column
// order on both engines, whichever way each reads them (PostgreSQL packed into one JSON value, SQLite as arrays),
// BIGINT sums and no rows included.
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Prisma } from "../../server/generated/prisma/client.ts";
import { eachNumberRow, pgReader, sqliteReader, type SqlReader } from "../../server/store/sql.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/number-rows.test.ts");

// Group 7 sums past 2^32 (a BIGINT sum: text from node-postgres as rows, a number inside JSON).
const ROWS: [number, number, number][] = [
  [7, 10, 3_000_000_000],
  [7, 10, 2_000_000_000],
  [7, 11, 5],
  [2, 10, 1],
  [2, 12, 0],
];

const collect = async (sql: SqlReader, q: Prisma.Sql, columns: string[]) => {
  const seen: number[][] = [];
  await eachNumberRow(sql, q, columns, (values) => seen.push([...values]));
  return seen.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
};

// Aliases in another order than the columns asked: the visitor gets the asked order.
const summed = (minHour: number) => Prisma.sql`
  SELECT SUM(t.n) AS "cnt", t.g AS "groupId", t.h AS "hour" FROM t WHERE t.h >= ${minHour} GROUP BY t.g, t.h`;
const EXPECTED = [
  [2, 10, 1],
  [2, 12, 0],
  [7, 10, 5_000_000_000],
  [7, 11, 5],
];

describe.skipIf(skip)("eachNumberRow", () => {
  let db: TestPgDb;
  let pool: pg.Pool;
  let lite: Database.Database;
  beforeAll(async () => {
    db = await createPgDb();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query(`CREATE TABLE t (g int, h int, n bigint)`);
    lite = new Database(":memory:");
    lite.exec(`CREATE TABLE t (g INTEGER, h INTEGER, n INTEGER)`);
    for (const [g, h, n] of ROWS) {
      await pool.query(`INSERT INTO t VALUES ($1, $2, $3)`, [g, h, n]);
      lite.prepare(`INSERT INTO t VALUES (?, ?, ?)`).run(g, h, n);
    }
  });
  afterAll(async () => {
    lite.close();
    await pool.end();
    await db.drop();
  });

  test.each(["postgres", "sqlite"])("%s: every row, in the asked column order", async (engine) => {
    const sql = engine === "postgres" ? pgReader(pool) : sqliteReader(lite);
    if (engine === "postgres") expect(sql.dialect.packNumbers(summed(0), ["groupId"])).not.toBeNull();
    expect(await collect(sql, summed(0), ["groupId", "hour", "cnt"])).toEqual(EXPECTED);
    expect(await collect(sql, summed(99), ["groupId", "hour", "cnt"])).toEqual([]);
    await expect(collect(sql, summed(0), ["groupId", "day"])).rejects.toThrow(/day/);
  });
});
