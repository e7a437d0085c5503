// Exhausted resources (#11, "Resource tests"): slow and idle sockets and live tails that never read, held open while
// ingest keeps going. The server runs in its own process; its memory is read there with process.memoryUsage().
// Asserted: every report is answered 204 and stored exactly once, and the heap and RSS stay bounded. Rates are
// printed, not asserted (timing belongs to `npm run bench`).
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { ProjectStore } from "../../server/store/projects.ts";
import { TokenStore } from "../../server/store/tokens.ts";
import { flood, openTail, type RawTail } from "../server/flood.ts";

const dir = mkdtempSync(join(tmpdir(), "cinch-sockets-"));
let child: ChildProcess | null = null;
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

type Mem = NodeJS.MemoryUsage;

function start(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = fork(new URL("./server-child.ts", import.meta.url).pathname, [], {
      env: { ...process.env, ...env },
      execArgv: ["--import", "tsx", "--expose-gc"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    proc.once("message", (m) => resolve({ proc, url: (m as { url: string }).url }));
    proc.once("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

function mem(proc: ChildProcess): Promise<Mem> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (m && typeof m === "object" && "mem" in m) {
        proc.off("message", on);
        resolve((m as { mem: Mem }).mem);
      }
    };
    proc.on("message", on);
    proc.send("mem");
  });
}

/** A client that sends part of its headers and then a byte now and then (slowloris), or nothing at all (idle). */
function holdSocket(url: string, kind: "slow" | "idle"): Socket {
  const { port } = new URL(url);
  const s = connect(Number(port), "127.0.0.1", () => {
    if (kind === "slow") s.write("POST /r/x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  });
  s.on("error", () => {});
  if (kind === "slow") {
    const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write("X-a: b\r\n")), 500);
    t.unref();
  }
  sockets.push(s);
  return s;
}

const MB = 1024 * 1024;

test(
  "slow and idle sockets and stuck tails: ingest keeps answering, counts exact, memory bounded",
  { timeout: 120_000 },
  async () => {
    const file = join(dir, "cinch.db");
    const db = await openDb(file);
    const project = await new ProjectStore(db).create("resources");
    const { token } = await new TokenStore(db).create("tails", "read");
    await db.close();
    const s = await start({
      DATA_DIR: dir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      CINCH_ADMIN_EMAIL: "",
      INGEST_RATE_PER_CLIENT: "1000000",
      INGEST_BURST_PER_CLIENT: "1000000",
      INGEST_RATE_PER_PROJECT: "1000000",
      INGEST_BURST_PER_PROJECT: "1000000",
      TAIL_MAX_PER_PROJECT: "50",
      TAIL_STALL_MS: "600000",
    });
    child = s.proc;

    // Baseline: the same flood with nothing else open.
    const t0 = Date.now();
    const first = await flood(s.url, project.reportKey, { requests: 300, batch: 10, pad: 500 });
    const baselineMs = Date.now() - t0;
    const before = await mem(s.proc);

    // 150 slowloris sockets, 150 idle ones, and 40 tails that never read a byte.
    for (let i = 0; i < 150; i++) holdSocket(s.url, "slow");
    for (let i = 0; i < 150; i++) holdSocket(s.url, "idle");
    const tails: RawTail[] = Array.from({ length: 40 }, () =>
      openTail(s.url, project.id, token, { paused: true }),
    );
    for (const t of tails) sockets.push(t.socket);
    expect(new Set(await Promise.all(tails.map((t) => t.status)))).toEqual(new Set([200]));

    let peak = before;
    const t1 = Date.now();
    const rounds: Map<number, number>[] = [];
    for (let r = 0; r < 4; r++) {
      rounds.push(await flood(s.url, project.reportKey, { requests: 300, batch: 10, pad: 500 }));
      const m = await mem(s.proc);
      if (m.rss > peak.rss) peak = m;
    }
    const loadedMs = (Date.now() - t1) / 4;
    console.log(
      `resources: 300 requests (3,000 reports) in ${baselineMs} ms alone, ${Math.round(loadedMs)} ms beside 150 slow + ` +
        `150 idle sockets + 40 stuck tails; heap ${Math.round(before.heapUsed / MB)} → ${Math.round(peak.heapUsed / MB)} MB, ` +
        `rss ${Math.round(before.rss / MB)} → ${Math.round(peak.rss / MB)} MB`,
    );

    for (const st of [first, ...rounds]) expect([...st.entries()]).toEqual([[204, 300]]);
    // 40 stuck tails each hold at most their budget (256 KiB) plus one fan-out chunk: ~15 MB. Unbounded buffering
    // grew by ~100 MB per 10 s of this load before the fix.
    expect(peak.heapUsed - before.heapUsed).toBeLessThan(64 * MB);
    expect(peak.rss - before.rss).toBeLessThan(128 * MB);

    s.proc.send("stop");
    await new Promise((r) => s.proc.once("exit", r));
    const raw = new Database(file, { readonly: true });
    const { n } = raw.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM GroupHour").get() as { n: number };
    raw.close();
    expect(n).toBe(5 * 300 * 10);
  },
);
