// The node's PostgreSQL sessions: the settings pg-db.ts gives them reach the server (JIT off: compiling the
// 30-day listing cost more than running it at 10 M reports; statement timeout as configured).
import { afterAll, describe, expect, test } from "vitest";
import { Prisma } from "../../server/generated/prisma/client.ts";
import { openPgDb } from "../../server/store/pg-db.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/session.test.ts");

describe.skipIf(skip)("PostgreSQL sessions", () => {
  let d: TestPgDb | undefined;
  afterAll(async () => {
    await d?.drop();
  });

  test("the reads' and Prisma's connections run without JIT, with the configured statement timeout", async () => {
    d = await createPgDb();
    const db = await openPgDb(d.url, { statementTimeoutMs: 12_345 });
    try {
      const settings = Prisma.sql`SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS st`;
      expect(await db.sql.all(settings)).toEqual([{ jit: "off", st: "12345ms" }]);
      expect(
        await db.prisma
          .$queryRaw`SELECT current_setting('jit') AS jit, current_setting('statement_timeout') AS st`,
      ).toEqual([{ jit: "off", st: "12345ms" }]);
    } finally {
      await db.close();
    }
  });
});
