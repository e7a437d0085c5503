// The policy worker thread (started by pool.ts): answers each request in order, one at a time.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { PolicyWorkerState } from "./handler.ts";
import { READY, type Reply, type Request } from "./protocol.ts";

/** The policy worker thread's nice value (0 is the default; 19 the lowest priority). */
const BUILD_NICE = 10;
lowerPriority();

const state = new PolicyWorkerState();
const port = parentPort!;
port.on("message", (req: Request | ArrayBuffer) => {
  // An answer's memory the API no longer uses, handed back: the next answer is encoded into it.
  if (req instanceof ArrayBuffer) return state.giveBack(req);
  let reply: Reply;
  try {
    reply = state.handle(req);
  } catch (err) {
    // The API logs it and answers a plain error; the message is the engine's, never shown to the client.
    reply = { id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  // A build's JSON bytes are moved, not copied.
  const json = reply.ok && "json" in reply.result ? reply.result.json : null;
  port.postMessage(reply, json ? [json.buffer as ArrayBuffer] : []);
});
port.postMessage(READY);

/**
 * Builds are background work: on Linux this thread gets nice 10 (threads have their own nice value; the thread id
 * is the last part of /proc/thread-self), so ingest, whose reports are lost if it stalls, wins the CPU whenever both
 * want it. On 2 cores a loop of builds took a core from ingest's event loop, the load generator and SQLite: ingest
 * p99 at 500 req/s 34 → 188 ms during builds (2026-12-07, load ~2.5). Elsewhere, or without permission: unchanged.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, BUILD_NICE);
  } catch {
    // Not Linux, or not allowed: builds share the CPU as other threads do.
  }
}
