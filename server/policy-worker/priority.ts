// The policy worker thread's CPU priority on Linux (threads have their own scheduling policy and nice value; a
// thread's id is the last part of /proc/thread-self). Builds are background work: the worker runs under SCHED_IDLE,
// so a thread of any other policy that wakes (ingest's event loop, the WAL sync's thread pool) takes the core at
// once. Node has no call for a thread's policy: util-linux's `chrt` sets it, on a thread id, from any thread.
//
// Measured (2026-12-08, 4 interleaved rounds of bench/build-load.ts at 20,000 groups): ingest p99 at 500 req/s while
// suggestions are built back to back, alone + 2.0–4.0 ms at nice 10 against + 0.6–1.8 ms under SCHED_IDLE, the
// builds as many and as fast. At nice 10 a waking thread may still wait for the build's time slice to end.
//
// Under SCHED_IDLE a build gets only a sliver of a core while every core is busy (weight 3, against 1,024 at nice 0):
// the pool (pool.ts) lifts a build that has run for BOOST_MS to SCHED_OTHER at nice 10, where it gets about a tenth
// of a busy core, and lowers the thread again once nothing is pending.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** The worker thread's nice value when it is not under SCHED_IDLE (0 is the default; 19 the lowest priority). */
export const BUILD_NICE = 10;

/** How long a build runs under SCHED_IDLE before the pool lifts it to nice 10. */
export const BOOST_MS = 1_000;

/** The calling thread's id, or null (not Linux). */
function threadId(): number | null {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * In the worker thread, once: SCHED_IDLE, or nice 10 where `chrt` is missing. Returns the thread's id and whether it
 * runs under SCHED_IDLE (null: not Linux, or nothing could be changed).
 */
export function lowerThisThread(): { tid: number; idle: boolean } | null {
  const tid = threadId();
  if (tid === null) return null;
  const idle = spawnSync("chrt", ["--idle", "--pid", "0", String(tid)], { stdio: "ignore", timeout: 5_000 });
  if (idle.status === 0) return { tid, idle: true };
  try {
    setPriority(tid, BUILD_NICE);
    return { tid, idle: false };
  } catch {
    return null; // not allowed: builds share the CPU as other threads do
  }
}

const chrt = (args: string[]): Promise<boolean> =>
  new Promise((resolve) => execFile("chrt", args, { timeout: 5_000 }, (err) => resolve(err === null)));

/**
 * From another thread: a SCHED_IDLE thread to SCHED_OTHER at nice 10 (`up`), or back to SCHED_IDLE. Only a thread
 * of this process: a worker that ended meanwhile leaves its id free for the system to give to another.
 */
export async function setBuildPriority(tid: number, up: boolean): Promise<void> {
  if (!existsSync(`/proc/self/task/${tid}`)) return;
  if (!up) {
    await chrt(["--idle", "--pid", "0", String(tid)]);
    return;
  }
  if (!(await chrt(["--other", "--pid", "0", String(tid)]))) return;
  try {
    setPriority(tid, BUILD_NICE);
  } catch {
    // The thread ended meanwhile, or not allowed: it runs at the nice value it had.
  }
}
