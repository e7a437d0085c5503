// Throwaway PostgreSQL databases for tests: one CREATE DATABASE per call, dropped by its drop(). The server is
// PG_TEST_URL (default: the local cluster over its socket, as .ci/run starts it); when it is not reachable the
// PostgreSQL tests are skipped with the reason printed.
import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN_URL = process.env.PG_TEST_URL ?? "postgresql://root@localhost/postgres?host=/var/run/postgresql";

/** The URL of a database named `name` on the test server. */
function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export async function pgUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (err) {
    return `PostgreSQL not reachable at ${ADMIN_URL}: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Skip reason for a test file, printed once so a skipped run says why. */
export async function skipUnlessPg(file: string): Promise<boolean> {
  const reason = await pgUnavailable();
  if (reason) console.warn(`${file}: skipped: ${reason}`);
  return reason !== null;
}

export type TestPgDb = { url: string; name: string; drop(): Promise<void> };

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Create an empty database; drop() removes it (closing whatever is still connected). */
export async function createPgDb(prefix = "cinch_test"): Promise<TestPgDb> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
