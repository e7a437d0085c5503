// Test helper: a policy worker entry (server/policy-worker/entry.ts) that fails on purpose. A preview whose policy
// names crash.invalid ends the thread, one naming hang.invalid never answers, one naming slow.invalid keeps the
// thread busy for 3 s first; everything else is answered as the real worker answers it. It lowers its priority
// and says so as the real one does.
import { parentPort } from "node:worker_threads";
import { PolicyWorkerState } from "../../server/policy-worker/handler.ts";
import { READY, type Hello, type Request } from "../../server/policy-worker/protocol.ts";
import { lowerThisThread } from "../../server/policy-worker/priority.ts";

const priority = lowerThisThread();

const state = new PolicyWorkerState();
parentPort!.on("message", (req: Request) => {
  if (req.job.kind === "preview" && req.job.policy.includes("crash.invalid")) process.exit(3);
  if (req.job.kind === "preview" && req.job.policy.includes("hang.invalid")) for (;;);
  if (req.job.kind === "preview" && req.job.policy.includes("slow.invalid")) {
    const until = performance.now() + 3_000;
    while (performance.now() < until);
  }
  parentPort!.postMessage(state.handle(req));
});
parentPort!.postMessage(READY);
if (priority) parentPort!.postMessage({ hello: true, ...priority } satisfies Hello);
