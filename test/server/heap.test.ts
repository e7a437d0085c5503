// The main thread's old-space cap that `npm start` and `cinch serve` set (server/heap.ts): the server keeps it, the
// policy worker, started after the server released the flag, gets V8's default heap limit.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const ROOT = new URL("../../", import.meta.url);

/** Run `node --max-old-space-size=256` with this module's code; answers the heap limits (MB) it printed. */
function limitsUnderCap(release: boolean): { main: number; before: number; after: number } {
  const heap = new URL("server/heap.ts", ROOT).href;
  const code = `
    import { Worker } from "node:worker_threads";
    import { getHeapStatistics } from "node:v8";
    const mb = (n) => Math.round(n / 2 ** 20);
    const worker = () => new Promise((resolve, reject) => {
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true, execArgv: [] });
      w.once("message", (m) => { w.terminate(); resolve(mb(m)); });
      w.once("error", reject);
    });
    const before = await worker();
    ${release ? `(await import(${JSON.stringify(heap)})).releaseOldSpaceCapForWorkers();` : ""}
    const after = await worker();
    console.log(JSON.stringify({ main: mb(getHeapStatistics().heap_size_limit), before, after }));
  `;
  const out = execFileSync(
    process.execPath,
    ["--max-old-space-size=256", "--import", "tsx", "--input-type=module", "-e", code],
    { cwd: ROOT, encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as { main: number; before: number; after: number };
}

test("the policy worker does not inherit the main thread's heap cap", () => {
  // heap_size_limit is the old space's cap plus the young generation's (Node 20: 256 → ~300 MB, Node 24: 448 MB).
  const capped = limitsUnderCap(false);
  expect(capped.main).toBeLessThan(600);
  // Without the release, a worker inherits the flag (it wins over a Worker's resourceLimits): why main() clears it.
  expect(capped.after).toBe(capped.main);
  const released = limitsUnderCap(true);
  expect(released.main).toBe(capped.main); // the main isolate keeps the limit it was created with
  expect(released.before).toBe(released.main);
  expect(released.after).toBeGreaterThan(2 * released.main); // V8's default, sized from the machine's memory
});

test("npm start and cinch serve run the server under the same node flags", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as {
    scripts: Record<string, string>;
  };
  const flags = /^node ((?:--\S+ )+)scripts\/start\.mjs$/.exec(pkg.scripts["start"]!)![1]!.trim().split(" ");
  expect(flags).toContain("--max-old-space-size=1024");
  const bin = readFileSync(new URL("bin/cinch.mjs", ROOT), "utf8");
  const binFlags = JSON.parse(/const SERVER_NODE_FLAGS = (\[[^\]]*\]);/.exec(bin)![1]!) as string[];
  expect(binFlags).toEqual(flags);
});
