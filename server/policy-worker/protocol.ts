// Messages between the API and the policy worker thread (pool.ts ⇄ entry.ts). A project's groups are sent once per
// loaded set and then patched: each request carries the set's key, the serial of the load the API holds and a
// sequence number; `upserts` are the rows the writer's commits changed since the previous request. The worker
// answers `resync` when what it holds is not the set the patch applies to (it was restarted, or dropped the set),
// and the API sends the whole set again.
import type { BuildInput, BuildResult } from "../policy/build-types.ts";
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

/** Groups whose samples this request reads whole (hosts the policy names with a path): id → samples. */
export type ExtraSamples = [number, PolicyGroupRow["samples"]][];

export type BuildJob = {
  kind: "build";
  /** The builder's input without its groups (the worker's set is the groups). */
  input: Omit<BuildInput, "groups">;
  /** Groups blocked in production: id → reports blocked and the first enforced version that blocked them. */
  blocked: [number, { reports: number; since: number }][];
  extra: ExtraSamples;
  /** The page of suggestions to answer with (the build's other lists come whole). */
  offset: number;
  limit: number;
};

export type PreviewJob = { kind: "preview"; policy: string; opts: PreviewOptions; extra: ExtraSamples };

export type Job = BuildJob | PreviewJob;

/** A build with only the page's suggestions; `suggestionCount` is how many the build made. */
export type PagedBuild = BuildResult & { suggestionCount: number };

export type JobResult<J extends Job> = J extends BuildJob ? PagedBuild : PreviewResult;

export type Request = { id: number; sync: GroupSync; job: Job };

/** The worker's first message, once its modules are loaded: request timeouts count from it. */
export const READY = "ready";

export type Reply =
  | { id: number; ok: true; result: PagedBuild | PreviewResult }
  | { id: number; ok: false; resync: true }
  | { id: number; ok: false; error: string };
