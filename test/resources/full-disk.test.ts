// A full disk, for real (#11 item 5): DATA_DIR on a small tmpfs, filled up while reports keep arriving. Every
// answer is a 204 (stored) or a 503 storage_unavailable with Retry-After, never a 500; the failure is logged once,
// shows in /healthz and /metrics, and clears by itself once space is freed; every report answered 204 is stored.
// Needs mount(8) as root; elsewhere the test is skipped with the reason printed.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { sqliteRaw, startTestApp, type TestApp } from "../helpers/app.ts";
import { createLogger } from "../../server/http/log.ts";
import { flood } from "../server/flood.ts";

const base = mkdtempSync(join(tmpdir(), "cinch-fulldisk-"));
let mounted = false;
let why = "";
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", base], { stdio: "pipe" });
  mounted = true;
} catch (e) {
  why = String((e as { stderr?: Buffer }).stderr ?? e).trim();
  console.log(`full-disk test skipped: cannot mount a tmpfs here (${why})`);
}

afterAll(() => {
  if (mounted) execFileSync("umount", ["-l", base]);
  rmSync(base, { recursive: true, force: true });
});

/** Fill the file system with one file; returns its path (delete it to free the space). */
function fill(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  return path;
}

describe.skipIf(!mounted)("DATA_DIR on a full tmpfs", () => {
  test(
    "503 storage_unavailable, one log line each way, /healthz and /metrics say so, recovery by itself, no 204 lost",
    { timeout: 60_000 },
    async () => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const l of chunk.toString().split("\n"))
            if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
          cb();
        },
      });
      const dataDir = join(base, "data");
      const t: TestApp = await startTestApp(
        {
          DATA_DIR: dataDir,
          SQLITE_SYNCHRONOUS: "FULL",
          INGEST_RATE_PER_CLIENT: "1000000",
          INGEST_BURST_PER_CLIENT: "1000000",
          INGEST_RATE_PER_PROJECT: "1000000",
          INGEST_BURST_PER_PROJECT: "1000000",
        },
        { log: createLogger("info", sink) },
      );
      try {
        const p = await t.deps.projects.create("full");
        const batch = 10;
        let accepted = 0;
        const bad: string[] = [];
        const onAnswer = (status: number, body: string, headers: Headers) => {
          if (status === 204) accepted++;
          else if (
            status !== 503 ||
            !body.includes('"storage_unavailable"') ||
            headers.get("retry-after") !== "5"
          )
            bad.push(`${status} ${body}`);
        };
        await flood(t.url, p.reportKey, { requests: 20, batch, vary: true, onAnswer });
        expect(accepted).toBe(20);

        const filler = fill(base);
        const during = await flood(t.url, p.reportKey, { requests: 400, batch, vary: true, onAnswer });
        expect(bad).toEqual([]);
        expect(during.get(503) ?? 0, "some requests met the full disk").toBeGreaterThan(0);

        const health = await fetch(`${t.url}/healthz`);
        expect(health.status).toBe(503);
        expect(health.headers.get("retry-after")).toBe("5");
        const h = (await health.json()) as { error: string; message: string };
        expect(h.error).toBe("storage_unavailable");
        expect(h.message).toMatch(/^storage is unavailable since \S+: disk_full \((SQLITE_FULL|ENOSPC)\)$/);
        expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/^cinch_storage_available 0$/m);

        unlinkSync(filler);
        await expect
          .poll(async () => (await fetch(`${t.url}/healthz`)).status, { timeout: 10_000 })
          .toBe(200);
        expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/^cinch_storage_available 1$/m);
        const after = await flood(t.url, p.reportKey, { requests: 20, batch, vary: true, onAnswer });
        expect(after.get(204)).toBe(20);

        const msgs = lines.map((l) => String(l.msg));
        expect(msgs.filter((m) => m.startsWith("storage unavailable"))).toHaveLength(1);
        expect(msgs.filter((m) => m === "storage available again")).toHaveLength(1);
        expect(msgs.filter((m) => m === "unhandled error")).toEqual([]);

        const stored = sqliteRaw(t)
          .prepare("SELECT coalesce(sum(count), 0) AS n FROM ViolationGroup WHERE projectId = ?")
          .get(p.id) as { n: number };
        // Every 204 is stored; a 503 batch was rolled back, so nothing beyond them either.
        expect(stored.n).toBe(accepted * batch);
        console.log(
          `full disk: ${accepted} requests answered 204, ${during.get(503) ?? 0} answered 503, ${stored.n} reports stored`,
        );
      } finally {
        await t.close();
      }
    },
  );
});
