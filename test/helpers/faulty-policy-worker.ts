// Test helper: a policy worker entry (server/policy-worker/entry.ts) that fails on purpose. A preview whose policy
// names crash.invalid ends the thread, one naming hang.invalid never answers; everything else is answered as the
// real worker answers it.
import { parentPort } from "node:worker_threads";
import { PolicyWorkerState } from "../../server/policy-worker/handler.ts";
import { READY, type Request } from "../../server/policy-worker/protocol.ts";

const state = new PolicyWorkerState();
parentPort!.on("message", (req: Request) => {
  if (req.job.kind === "preview" && req.job.policy.includes("crash.invalid")) process.exit(3);
  if (req.job.kind === "preview" && req.job.policy.includes("hang.invalid")) for (;;);
  parentPort!.postMessage(state.handle(req));
});
parentPort!.postMessage(READY);
