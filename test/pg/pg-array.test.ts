// The writer's array literals (server/store/pg-array.ts): PostgreSQL reads from them exactly the values
// node-postgres' own array parameters carry, for hostile strings too, and NUL (which its text cannot hold) as U+FFFD.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { arrayLiteral } from "../../server/store/pg-array.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/pg-array.test.ts");

const STRINGS = [
  "",
  "plain",
  'a "quoted" word',
  "back\\slash\\",
  '\\"',
  "{braces},commas,",
  "NULL",
  "null",
  " spaced ",
  "tab\tnew\nline",
  "é ü 中文 🙂",
  "'single'",
  "https://shop.example/p?q=1&r={x}#frag",
];

describe.skipIf(skip)("arrayLiteral", () => {
  let db: TestPgDb;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createPgDb();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  const read = async (literal: string, type: string) =>
    (await client.query<{ a: unknown[] }>(`SELECT $1::${type}[] AS a`, [literal])).rows[0]!.a;

  test("strings, nulls included, read back as node-postgres sends them", async () => {
    const values = [...STRINGS, null, undefined, "x"];
    const ours = await read(arrayLiteral(values), "text");
    const theirs = (await client.query<{ a: unknown[] }>(`SELECT $1::text[] AS a`, [values])).rows[0]!.a;
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([...STRINGS, null, null, "x"]);
  });

  test("numbers for int, bigint and text columns; empty arrays", async () => {
    expect(await read(arrayLiteral([0, -1, 2147483647, null]), "int")).toEqual([0, -1, 2147483647, null]);
    expect(await read(arrayLiteral([1765090000000, 0]), "bigint")).toEqual(["1765090000000", "0"]);
    expect(await read(arrayLiteral([12, 3]), "text")).toEqual(["12", "3"]);
    expect(await read(arrayLiteral([]), "text")).toEqual([]);
  });

  test("NUL becomes U+FFFD", async () => {
    expect(await read(arrayLiteral(["a\u0000b", "\u0000"]), "text")).toEqual(["a\uFFFDb", "\uFFFD"]);
  });
});
