// The first-run setup token on two nodes of one PostgreSQL database (#13): each node prints its own token and
// either works on either node; two setups at once, one on each node with the other's token, create exactly one
// admin (the other answers 409), round after round.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { prepareFirstRun } from "../../server/store/setup.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/setup.test.ts");

let db: TestPgDb;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  if (skip) return;
  db = await createPgDb();
  const env = { DATABASE_URL: db.url, PG_POOL_SIZE: "4", SIGNIN_ATTEMPTS_PER_MINUTE: "1000" };
  a = await startTestApp(env);
  b = await startTestApp(env);
});

afterAll(async () => {
  if (skip) return;
  await a.close();
  await b.close();
  await db.drop();
});

const PASSWORD = "blue-kettle-orbit-47";

const postSetup = (node: TestApp, token: string, email: string) =>
  fetch(`${node.url}/api/setup`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" },
    body: JSON.stringify({ token, email, password: PASSWORD }),
  });

/** A node's start with no admin: it prints a setup token (server.ts). */
async function tokenOf(node: TestApp): Promise<string> {
  const first = await prepareFirstRun(node.deps.users, node.deps.setup, {});
  if (first.kind !== "setup") throw new Error(`expected a setup token, got ${first.kind}`);
  return first.token;
}

test.skipIf(skip)("a token printed by A works on B, though B printed its own since", async () => {
  const fromA = await tokenOf(a);
  await tokenOf(b);
  expect((await postSetup(b, fromA, "first@example.test")).status).toBe(201);
  expect(await a.deps.users.count()).toBe(1);
  await a.deps.users.remove("first@example.test");
});

test.skipIf(skip)(
  "two setups at once on two nodes, each with the other's token: exactly one admin",
  async () => {
    for (let round = 0; round < 5; round++) {
      const [fromA, fromB] = [await tokenOf(a), await tokenOf(b)];
      const answers = await Promise.all([
        postSetup(a, fromB, `a${round}@example.test`),
        postSetup(b, fromA, `b${round}@example.test`),
      ]);
      const statuses = answers.map((r) => r.status).sort();
      expect({ round, statuses }).toEqual({ round, statuses: [201, 409] });
      const users = await a.deps.users.list();
      expect(users).toHaveLength(1);
      await a.deps.users.remove(users[0]!.email);
    }
  },
);
