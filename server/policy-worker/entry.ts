// The policy worker thread (started by pool.ts): answers each request in order, one at a time.
import { parentPort } from "node:worker_threads";
import { PolicyWorkerState } from "./handler.ts";
import { READY, type Reply, type Request } from "./protocol.ts";

const state = new PolicyWorkerState();
const port = parentPort!;
port.on("message", (req: Request) => {
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
