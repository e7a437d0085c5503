// A node that loses PostgreSQL (#13 "Faults"): ingest answers 503 storage_unavailable with Retry-After (never 500,
// never a 204 for a report it did not commit), /healthz says so, and the node recovers by itself once the
// database is back, with no restart. The database is reached through a proxy on a Unix socket of the test's own,
// so the test cuts and restores the connection without stopping the shared server.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/outage.test.ts");
const SERVER_SOCKET = "/var/run/postgresql/.s.PGSQL.5432";

/** A proxy from `dir`/.s.PGSQL.5432 to the server's socket; stop() cuts every connection and refuses new ones. */
function socketProxy(dir: string) {
  let server: Server | null = null;
  const open = new Set<Socket>();
  return {
    start: () =>
      new Promise<void>((resolve) => {
        if (server) return resolve();
        server = createServer((client) => {
          const up = connect(SERVER_SOCKET);
          for (const s of [client, up]) {
            open.add(s);
            s.on("close", () => open.delete(s));
            s.on("error", () => undefined);
          }
          client.pipe(up).pipe(client);
        });
        server.listen(join(dir, ".s.PGSQL.5432"), resolve);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
}

let dir: string;
let db: TestPgDb;
let proxy: ReturnType<typeof socketProxy>;
let t: TestApp;
let reportKey: string;
let projectId: string;

beforeAll(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "cinch-pgproxy-"));
  db = await createPgDb();
  proxy = socketProxy(dir);
  await proxy.start();
  t = await startTestApp(
    {
      DATABASE_URL: `postgresql://root@localhost/${db.name}?host=${dir}`,
      PG_POOL_SIZE: "4",
    },
    process.env.DEBUG_OUTAGE ? { log: (await import("pino")).default({ level: "error" }) } : {},
  );
  const p = (await (
    await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: '{"name":"outage"}',
    })
  ).json()) as { id: string; reportKey: string };
  reportKey = p.reportKey;
  projectId = p.id;
});

afterAll(async () => {
  if (skip) return;
  await proxy.start().catch(() => undefined);
  await t.close();
  await proxy.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const send = (i: number) =>
  fetch(`${t.url}/r/${reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body: JSON.stringify({
      "csp-report": {
        "document-uri": "https://shop.example/",
        "effective-directive": "img-src",
        "blocked-uri": `https://h${i % 3}.example/x.png`,
      },
    }),
  });

test.skipIf(skip)(
  "PostgreSQL lost: 503 storage_unavailable with Retry-After, /healthz 503; back by itself when it returns",
  async () => {
    let accepted = 0;
    for (let i = 0; i < 5; i++) if ((await send(i)).status === 204) accepted++;
    expect(accepted).toBe(5);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);

    await proxy.stop();
    const statuses = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const res = await send(i);
      statuses.add(res.status);
      if (res.status === 204) accepted++;
      else {
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(((await res.json()) as { error: string }).error).toBe("storage_unavailable");
      }
    }
    expect(statuses.has(503)).toBe(true);
    expect(statuses.has(500)).toBe(false);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(503);
    // The dashboard's reads (Prisma and raw SQL) are 503 too, not 500.
    for (const path of [`/api/projects/${projectId}`, `/api/projects/${projectId}/violations`]) {
      expect((await fetch(`${t.url}${path}`, { headers: t.auth })).status).toBe(503);
    }
    expect(t.deps.health.state?.reason).toBe("connection_lost");

    const cut = Date.now();
    await proxy.start();
    // The probe (every 2 s) finds the database again; /healthz re-checks at once.
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${t.url}/healthz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error("did not recover");
      await new Promise((r) => setTimeout(r, 200));
    }
    if (process.env.DEBUG_OUTAGE) console.log(`recovered ${Date.now() - cut} ms after the database returned`);
    for (let i = 0; i < 5; i++) {
      const res = await send(i);
      expect(res.status).toBe(204);
      accepted++;
    }
    // Every 204 is stored, nothing more: a 503 batch was rolled back.
    const [stored] = await rows<{ n: unknown }>(
      t,
      `SELECT coalesce(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
      projectId,
    );
    expect(Number(stored?.n)).toBe(accepted);
  },
  60_000,
);
