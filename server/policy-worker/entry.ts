// The policy worker thread (started by pool.ts): answers each request in order, one at a time.
import { parentPort } from "node:worker_threads";
import { PolicyWorkerState } from "./handler.ts";
import { READY, type Hello, type Reply, type Request } from "./protocol.ts";
import { lowerThisThread } from "./priority.ts";

// Builds are background work: SCHED_IDLE (priority.ts); the pool is told the thread's id to lift long builds.
const priority = lowerThisThread();

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
if (priority) port.postMessage({ hello: true, ...priority } satisfies Hello);
