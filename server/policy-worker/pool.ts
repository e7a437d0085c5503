// The policy worker thread, as the API uses it: builds and previews of large projects run there, off the event loop
// that serves ingest (a 20,000-group build held it ~350 ms). One worker: the machine Cinch targets has 2 cores, and
// the other belongs to ingest and the writer. Requests queue in the worker and run one at a time.
// A worker that crashes, or that does not answer within the timeout (it is then terminated), fails the requests it
// had with PolicyWorkerUnavailable; the next request starts a new one. An idle worker is ended after IDLE_MS (its
// groups, ~1 KB each, are sent again when it is next needed).
// The entry is found next to this file: entry.ts from the sources (under tsx or Vitest, which load TypeScript in
// the worker through tsx's loader), entry.js in the build (dist/, compiled by tsc with the same layout).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import { BOOST_MS, setBuildPriority } from "./priority.ts";
import {
  READY,
  type Hello,
  type BuildJob,
  type BuildReply,
  type GroupSync,
  type Job,
  type JobResult,
  type PreviewJob,
  type Reply,
  type Request,
} from "./protocol.ts";
import type { PreviewResult } from "../policy/preview.ts";

/** Thrown when the worker crashed or timed out; the API answers 503 policy_worker_unavailable. */
export class PolicyWorkerUnavailable extends Error {}

/** A set of groups as the API's cache holds it, and what the worker was last sent of it. */
export type SyncSource = {
  key: string;
  /** Which load of the set: a reload is a new serial. */
  serial: number;
  rows: readonly PolicyGroupRow[];
  /** Rows changed since the last sync (id → row, first change first). */
  changed: Map<number, PolicyGroupRow>;
  /** The worker instance and sequence number the set was last synced to. */
  synced: { instance: number; seq: number } | null;
};

export type PolicyWorkerOptions = {
  /** A request not answered within this is failed and the worker terminated. */
  timeoutMs: number;
  /** The worker's module (tests start one that fails on purpose). */
  entry?: URL;
  /** An idle worker is ended after this. */
  idleMs?: number;
};

const IDLE_MS = 5 * 60_000;

/** The worker's module next to this one, and the loader it needs when that is TypeScript. */
function defaultEntry(): URL {
  return new URL(`./entry${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
}

/**
 * tsx's ESM API (its `import` export; the eval'd bootstrap resolves nothing itself, and tsx's CommonJS build of the
 * API registers a loader path that does not exist when required).
 */
function tsxEsmApi(): URL {
  const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
  const exports = (
    JSON.parse(readFileSync(pkg, "utf8")) as { exports: Record<string, { import: { default: string } }> }
  ).exports;
  return new URL(exports["./esm/api"]!.import.default, pathToFileURL(pkg));
}

function startWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry);
  // Node 20 does not pass --import hooks on to worker threads: the worker registers tsx itself, then loads the entry.
  const code =
    `import(${JSON.stringify(tsxEsmApi().href)})` +
    `.then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(code, { eval: true });
}

/** A reply's result, or PolicyWorkerUnavailable. */
function resultOf(reply: Reply): BuildReply | PreviewResult {
  if (!reply.ok) {
    throw new PolicyWorkerUnavailable(
      "resync" in reply ? "the policy worker lost the project's groups" : reply.error,
    );
  }
  return reply.result;
}

type Pending = {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
};

/** The longest a worker may take to load its modules (tsx compiling them on a busy machine: seconds). */
const STARTUP_MS = 60_000;

export class PolicyWorker {
  private worker: Worker | null = null;
  /** Which worker is running (sync state is per worker). */
  private instance = 0;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private idle: NodeJS.Timeout | null = null;
  /** Whether the worker said it is ready (request timeouts start then), and the bound on its start until it is. */
  private ready = false;
  private starting: NodeJS.Timeout | null = null;
  /** The running worker's thread when it runs under SCHED_IDLE (priority.ts), and whether a long build lifted it. */
  private idleThread: number | null = null;
  private lifted = false;
  private lift: NodeJS.Timeout | null = null;
  /** Priority changes run one after another (each is a `chrt` process). */
  private priorityChange: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PolicyWorkerOptions) {}

  /** Run a job over a set of groups in the worker, sending what it lacks of the set first. */
  async run<J extends BuildJob | PreviewJob>(set: SyncSource, job: J): Promise<JobResult<J>> {
    let reply = await this.send(this.syncOf(set, false), job);
    // The worker does not hold the set the patch applies to (it restarted, or dropped it): send it whole.
    if (!reply.ok && "resync" in reply) reply = await this.send(this.syncOf(set, true), job);
    return resultOf(reply) as JobResult<J>;
  }

  /**
   * A build's answer as JSON bytes: built in the worker, which asks for the samples it does not keep
   * (`samplesOf` reads them) and answers once it has them.
   */
  async build(
    set: SyncSource,
    job: BuildJob,
    samplesOf: (ids: number[]) => Promise<Map<number, PolicyGroupRow["samples"]>>,
  ): Promise<Uint8Array> {
    // Twice at most: a build whose samples came after the worker dropped it (too many waiting) is made again.
    for (let attempt = 0; ; attempt++) {
      const first = await this.run(set, job);
      if ("json" in first) return first.json;
      const samples = await samplesOf(first.needs);
      const reply = await this.send(undefined, {
        kind: "samples",
        build: first.build,
        samples: [...samples],
      });
      if (!reply.ok && "resync" in reply && attempt === 0) continue;
      const done = resultOf(reply);
      if (!("json" in done)) throw new PolicyWorkerUnavailable("the policy worker asked for samples twice");
      return done.json;
    }
  }

  /**
   * Hand an answer's memory back to the running worker, which encodes a later answer into it (see
   * api/answer-bytes.ts): false when no worker runs.
   */
  giveBack(bytes: ArrayBuffer): boolean {
    if (!this.worker) return false;
    this.worker.postMessage(bytes, [bytes]);
    return true;
  }

  /** End the worker (pending requests fail). */
  close(): void {
    this.stop(new PolicyWorkerUnavailable("the policy worker was stopped"));
  }

  private syncOf(set: SyncSource, whole: boolean): GroupSync {
    this.ensure();
    const s = set.synced;
    let sync: GroupSync;
    if (!whole && s !== null && s.instance === this.instance) {
      sync = { key: set.key, serial: set.serial, seq: s.seq + 1, upserts: [...set.changed.values()] };
    } else sync = { key: set.key, serial: set.serial, seq: 1, rows: [...set.rows] };
    set.changed.clear();
    set.synced = { instance: this.instance, seq: sync.seq };
    return sync;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(this.opts.entry ?? defaultEntry());
    this.instance++;
    this.ready = false;
    this.starting = setTimeout(
      () => this.stop(new PolicyWorkerUnavailable(`the policy worker did not start within ${STARTUP_MS} ms`)),
      Math.max(STARTUP_MS, this.opts.timeoutMs),
    );
    w.on("message", (r: Reply | Hello | typeof READY) => {
      if (typeof r === "object" && "hello" in r) {
        if (this.worker === w && r.idle) this.idleThread = r.tid;
        this.armLift();
        return;
      }
      if (r === READY) {
        this.ready = true;
        if (this.starting) clearTimeout(this.starting);
        this.starting = null;
        for (const p of this.pending.values()) p.timer ??= this.timeout();
        return;
      }
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (p.timer) clearTimeout(p.timer);
      p.resolve(r);
      this.armIdle();
      // The next request's time under SCHED_IDLE counts from now; none pending: back under it, if lifted.
      this.cancelLift();
      if (this.pending.size === 0) this.lower();
      else this.armLift();
    });
    w.on("error", (err) => {
      if (this.worker === w)
        this.stop(new PolicyWorkerUnavailable(`the policy worker failed: ${err.message}`));
    });
    w.on("exit", (code) => {
      if (this.worker === w)
        this.stop(new PolicyWorkerUnavailable(`the policy worker exited (code ${code})`));
    });
    // After the listeners (adding one refs it again): an idle worker does not keep the process alive.
    w.unref();
    this.worker = w;
    return w;
  }

  private send(sync: GroupSync | undefined, job: Job): Promise<Reply> {
    const w = this.ensure();
    if (this.idle) clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, timer: this.ready ? this.timeout() : null });
      const req: Request = sync ? { id, sync, job } : { id, job };
      w.postMessage(req);
      this.armLift();
    });
  }

  /**
   * A request still unanswered BOOST_MS after it was sent (or after the previous answer) goes on at nice 10 instead
   * of SCHED_IDLE: while every core is busy (ingest at its limit, or other programs) a SCHED_IDLE thread gets almost
   * nothing, and the build would end in the request timeout. A 20,000-group build takes 50–300 ms on an idle core.
   */
  private armLift(): void {
    if (this.idleThread === null || this.lifted || this.lift !== null || this.pending.size === 0) return;
    this.lift = setTimeout(() => {
      this.lift = null;
      const tid = this.idleThread;
      if (tid === null || this.pending.size === 0) return;
      this.lifted = true;
      this.priorityChange = this.priorityChange.then(() => setBuildPriority(tid, true));
    }, BOOST_MS);
    this.lift.unref();
  }

  private cancelLift(): void {
    if (this.lift) clearTimeout(this.lift);
    this.lift = null;
  }

  /** Nothing pending: the thread back under SCHED_IDLE (if a long build lifted it). */
  private lower(): void {
    const tid = this.idleThread;
    if (!this.lifted || tid === null) return;
    this.lifted = false;
    this.priorityChange = this.priorityChange.then(() => setBuildPriority(tid, false));
  }

  /** Priority changes asked for so far have been made (tests). */
  settled(): Promise<void> {
    return this.priorityChange;
  }

  /** A request's timeout (from when it was sent, or from when the worker became ready). */
  private timeout(): NodeJS.Timeout {
    return setTimeout(() => {
      this.stop(
        new PolicyWorkerUnavailable(`the policy worker did not answer within ${this.opts.timeoutMs} ms`),
      );
    }, this.opts.timeoutMs);
  }

  private armIdle(): void {
    if (this.pending.size > 0) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), this.opts.idleMs ?? IDLE_MS);
    this.idle.unref();
  }

  /** Fail every pending request with `err` and end the worker; the next request starts another. */
  private stop(err: Error): void {
    const w = this.worker;
    this.worker = null;
    this.cancelLift();
    this.idleThread = null;
    this.lifted = false;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (this.starting) clearTimeout(this.starting);
    this.starting = null;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    if (w) void w.terminate();
  }
}
