// Child processes of the benchmark: servers under test (each in its own process, so its RSS is its own) and the
// load generator. RSS is read from /proc/<pid>/status (VmRSS), sampled while a run is going.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { isAbsolute, join } from "node:path";
import type { LoadResult, LoadSpec } from "./load.ts";

export const ROOT = new URL("..", import.meta.url).pathname;

/** A free loopback TCP port (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (0 when it is gone or /proc is missing). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; 0 when it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssOf(pid);
  const t = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, rssOf(pid));
    },
  };
}

export type ServerProc = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** stderr so far (for diagnostics). */
  stderr(): string;
  /** Whether the process exited on its own (a crash). */
  exited(): { code: number | null; signal: string | null } | null;
  stop(): Promise<void>;
};

/**
 * Node flags `npm start` runs Cinch with (package.json): a 32 MB young generation instead of 16 MB, so short-lived
 * request objects die young instead of being promoted — measured ~30 MB lower peak RSS under overload and no CPU
 * cost — and the main thread's old space capped at 1 GB, so V8 grows it by at most 1.6 × between full collections
 * instead of up to 4 × (server/heap.ts: overload peak RSS 274–319 → 205–217 MB). Every server of the benchmark gets
 * them, so the comparison is of code, not of flags.
 */
export const SERVER_NODE_ARGS = ["--max-semi-space-size=32", "--max-old-space-size=1024"];

/**
 * Cinch's server as `npm start` runs it, compiled by tsc (`scripts/build.mjs --server-only`) into `.bench-dist/` of
 * its tree (at dist/'s depth, so the compiled modules find prisma/ and package.json alike), once per tree and bench
 * process. Under `--import tsx` the server also carried tsx's loader thread and transform caches: ~50 MB more peak
 * RSS in the overload run (303–309 vs 253–261 MB side by side, 2026-12-07, load 4–5), memory no user's server has.
 * Answers the compiled main.js.
 */
const compiledTrees = new Map<string, Promise<string>>();
export function compiledCinch(tree = ROOT): Promise<string> {
  let p = compiledTrees.get(tree);
  if (!p) {
    p = new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(tree, "scripts/build.mjs"), "--server-only", "--out", ".bench-dist"],
        {
          cwd: tree,
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
      child.once("exit", (code) =>
        code === 0
          ? resolve(join(tree, ".bench-dist/main.js"))
          : reject(new Error(`compiling ${tree}: ${err}`)),
      );
    });
    compiledTrees.set(tree, p);
  }
  return p;
}

/** Start Cinch (`<tree>/server/main.ts`, compiled: compiledCinch) and wait until it answers HTTP on its port. */
export async function startCinch(
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  tree = ROOT,
): Promise<ServerProc> {
  // A tree from before scripts/build.mjs took --server-only (an old --before tree) runs under tsx, as it did then.
  if (!readFileSync(join(tree, "scripts/build.mjs"), "utf8").includes("--server-only"))
    return startServer(join(tree, "server/main.ts"), [], port, env, nodeArgs);
  return startServer(await compiledCinch(tree), [], port, env, nodeArgs);
}

/**
 * Start `node <script> ...args` (`--import tsx` for a .ts script) and wait until it answers HTTP on its port.
 */
export async function startServer(
  script: string,
  args: string[],
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProc> {
  const child = spawn(
    process.execPath,
    [
      ...SERVER_NODE_ARGS,
      ...nodeArgs,
      ...(script.endsWith(".ts") ? ["--import", "tsx"] : []),
      isAbsolute(script) ? script : join(ROOT, script),
      ...args,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  let exit: { code: number | null; signal: string | null } | null = null;
  const exitP = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exit) throw new Error(`${script} exited before listening (${JSON.stringify(exit)}): ${err}`);
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${script} did not listen on ${port} within 30 s: ${err}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    pid: child.pid!,
    child,
    stderr: () => err,
    exited: () => exit,
    async stop() {
      if (exit) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exitP;
      clearTimeout(killer);
    },
  };
}

/** Run the load generator in its own process and return its result. */
export async function runLoadProcess(spec: LoadSpec, tmpDir: string): Promise<LoadResult> {
  const file = join(tmpDir, `load-${process.hrtime.bigint()}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/load.ts"), file], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`load generator exited ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as LoadResult;
}
