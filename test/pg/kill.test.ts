// Two Cinch processes on one PostgreSQL database under load from many clients, on groups they share; one is killed
// with SIGKILL during the load (#13): every report either node answered 204 is in the database, nothing beyond
// what was sent, and the surviving node keeps serving (no 500 from either).
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { openDatabase } from "../../server/store/db.ts";
import { ProjectStore } from "../../server/store/projects.ts";
import { startServerProcess } from "../helpers/child.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";
import pg from "pg";

const skip = await skipUnlessPg("test/pg/kill.test.ts");
const dir = mkdtempSync(join(tmpdir(), "cinch-pgkill-"));
const children: ChildProcess[] = [];
let db: TestPgDb | null = null;

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Start a node and remember it, so afterAll kills it. */
async function startNode(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const started = await startServerProcess(env);
  children.push(started.proc);
  return started;
}

test.skipIf(skip)(
  "SIGKILL of one node under load: every 204 of both nodes is stored; the other keeps serving",
  async () => {
    db = await createPgDb();
    const base = { DATABASE_URL: db.url, DATA_DIR: dir };
    const opened = await openDatabase(loadConfig(base));
    const project = await new ProjectStore(opened).create("killed");
    await opened.close();
    const env = {
      ...base,
      PORT: "0",
      LOG_LEVEL: "info",
      INGEST_RATE_PER_CLIENT: "100000",
      INGEST_BURST_PER_CLIENT: "100000",
      SESSION_SECRET: randomBytes(32).toString("hex"),
      CINCH_ADMIN_EMAIL: "",
    };
    const [a, b] = await Promise.all([startNode(env), startNode(env)]);
    let acked = 0;
    let sent = 0;
    let killed = false;
    const statuses = new Map<number, number>();
    const send = async (node: { url: string }, i: number) => {
      sent++;
      try {
        const res = await fetch(`${node.url}/r/${project.reportKey}`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: JSON.stringify({
            "csp-report": {
              "document-uri": `https://shop.example/p${i % 13}`,
              "effective-directive": "img-src",
              "blocked-uri": `https://i${i % 10}.example/x.png`,
            },
          }),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 204) {
          acked++;
          if (acked >= 600 && !killed) {
            killed = true;
            a.proc.kill("SIGKILL");
          }
        }
      } catch {
        // the killed node's connections: not acknowledged, not counted
      }
    };
    for (let w = 0; w < 40; w++) {
      // 60 clients at once, split across both nodes, on 10 shared groups.
      await Promise.all(Array.from({ length: 60 }, (_, i) => send(i % 2 === 0 ? a : b, w * 60 + i)));
    }
    expect(killed).toBe(true);
    expect(statuses.get(500) ?? 0).toBe(0);
    // B still serves after A died.
    const after = await fetch(`${b.url}/healthz`);
    expect(after.status).toBe(200);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      `SELECT coalesce(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = $1`,
      [project.id],
    );
    await client.end();
    const stored = Number(rows[0]!.n);
    expect(stored).toBeGreaterThanOrEqual(acked);
    expect(stored).toBeLessThanOrEqual(sent);
    if (process.env.CINCH_MEASURE) console.log(`sent ${sent}, answered 204 ${acked}, stored ${stored}`);
    b.proc.kill("SIGTERM");
  },
  120_000,
);
