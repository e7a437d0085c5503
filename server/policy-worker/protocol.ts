// Messages between the API and the policy worker thread (pool.ts ⇄ entry.ts). A project's groups are sent once per
// loaded set and then patched: each request carries the set's key, the serial of the load the API holds and a
// sequence number; `upserts` are the rows the writer's commits changed since the previous request. The worker
// answers `resync` when what it holds is not the set the patch applies to (it was restarted, or dropped the set),
// and the API sends the whole set again.
// A build is answered as the API sends it, JSON bytes (build-answer.ts). Its evidence shows the newest samples of
// groups the build read none for; the worker keeps those it was given while the group's count and last report stay
// the same, and asks the API for the others (`needs`, answered by a `samples` request).
import type { AnswerContext } from "../api/build-answer.ts";
import type { BuildInput } from "../policy/build-types.ts";
import type { PreviewOptions, PreviewResult } from "../policy/preview.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";

export type GroupSync = {
  key: string;
  /** Which load of the set (a reload in the API starts a new serial). */
  serial: number;
  /** 1 for the whole set, then one more per patch. */
  seq: number;
  /** The whole set (seq 1), in the API's order. */
  rows?: PolicyGroupRow[];
  /** Rows changed since seq - 1: replaced by id, new ids appended in this order. */
  upserts?: PolicyGroupRow[];
};

/** Groups' samples: id → samples (newest first). */
export type SampleList = [number, PolicyGroupRow["samples"]][];

export type BuildJob = {
  kind: "build";
  /** The builder's input without its groups (the worker's set is the groups). */
  input: Omit<BuildInput, "groups">;
  /** Groups blocked in production: id → reports blocked and the first enforced version that blocked them. */
  blocked: [number, { reports: number; since: number }][];
  /** The whole sample ring of the groups whose hosts the base names with a path (the engine reads them all). */
  extra: SampleList;
  /** The answer's base, version and pages. */
  answer: AnswerContext;
};

export type PreviewJob = { kind: "preview"; policy: string; opts: PreviewOptions; extra: SampleList };

/** The second half of a build that asked for samples: the newest samples of the groups it named. */
export type SamplesJob = { kind: "samples"; build: number; samples: SampleList };

export type Job = BuildJob | PreviewJob | SamplesJob;

/** A build's answer: the JSON bytes, or the groups whose samples it still needs (then send a SamplesJob). */
export type BuildReply = { json: Uint8Array } | { needs: number[]; build: number };

export type JobResult<J extends Job> = J extends PreviewJob ? PreviewResult : BuildReply;

/**
 * `sync` is absent on a samples request: it continues a build over the set it was made on (answered `resync` when
 * the worker no longer holds that build: the API asks for the build again).
 */
export type Request = { id: number; sync?: GroupSync; job: Job };

/** The worker's first message, once its modules are loaded: request timeouts count from it. */
export const READY = "ready";

/** Sent after READY on Linux: the worker thread's id, and whether it runs under SCHED_IDLE (priority.ts). */
export type Hello = { hello: true; tid: number; idle: boolean };

export type Reply =
  | { id: number; ok: true; result: BuildReply | PreviewResult }
  | { id: number; ok: false; resync: true }
  | { id: number; ok: false; error: string };
