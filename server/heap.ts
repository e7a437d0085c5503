// The main thread's heap cap and the policy worker. `npm start` and `cinch serve` run the server with
// --max-old-space-size=1024 (package.json, bin/cinch.mjs). V8 lets the old space grow between full collections by a
// factor it picks from the heap's limit: up to 4 × what survived the last one when the limit is 2 GB or more (the
// default on this 24 GiB machine is 4 GB), at most 1.6 × at 1 GB. Under 3 × overload, ingest's request objects that
// outlive two scavenges (they wait in pipelines for their commit) grew the old space from ~65 to ~125 MB between full
// collections: peak RSS 274–319 MB uncapped against 205–217 MB capped (five runs each, two sittings), same CPU per
// request within the noise (scratch A/B of bench/ingest.ts's overload run, 12,000 req/s asked, 2026-12-07, load 1–2).
//
// V8 reads the flag for every isolate it creates while the flag is set, and it wins over a Worker's resourceLimits.
// The policy worker must not inherit it: a 20,000-group project's build holds a heap several times the main
// thread's, and collecting it that much more often slowed builds under ingest (p95 117–288 → 350–437 ms with a
// 1.5 × growth for every isolate, --heap-growing-percent=50, same A/B) and took more of the cores ingest shares. The
// main isolate keeps the limit it was created with; clearing the flag gives later isolates V8's default again.
import { setFlagsFromString } from "node:v8";

/** Let isolates created from now on (the policy worker) size their heaps as V8 does by default. */
export function releaseOldSpaceCapForWorkers(): void {
  setFlagsFromString("--max-old-space-size=0");
}
