// The policy worker's work, apart from its thread plumbing (entry.ts): the group sets it holds, patched from the
// API's sync messages, and the builds and previews over them. A build keeps a BuildMemo per set, so a build after a
// commit reuses what the unchanged groups gave the previous one (policy/build-memo.ts).
import { buildPolicy } from "../policy/build.ts";
import { BuildMemo } from "../policy/build-memo.ts";
import { previewImpact } from "../policy/preview.ts";
import { markBlocked, withSamples } from "../projects/group-extras.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import type { GroupSync, Job, PagedBuild, Reply, Request } from "./protocol.ts";

type GroupSet = {
  serial: number;
  seq: number;
  rows: PolicyGroupRow[];
  index: Map<number, number>;
  memo: BuildMemo;
};

/** Sets held at once (the API's cache holds 4 projects' worth in each of its two kinds). */
const MAX_SETS = 8;

export class PolicyWorkerState {
  private sets = new Map<string, GroupSet>();

  /** The set a request's sync leaves, or null when the worker cannot apply it (the API then resends it whole). */
  private sync(s: GroupSync): GroupSet | null {
    let set = this.sets.get(s.key);
    if (s.rows) {
      set = {
        serial: s.serial,
        seq: s.seq,
        rows: s.rows,
        index: new Map(s.rows.map((r, i) => [r.id, i])),
        memo: new BuildMemo(),
      };
    } else {
      if (!set || set.serial !== s.serial || set.seq !== s.seq - 1) return null;
      for (const row of s.upserts ?? []) {
        const i = set.index.get(row.id);
        if (i === undefined) {
          set.index.set(row.id, set.rows.length);
          set.rows.push(row);
        } else set.rows[i] = row;
      }
      set.seq = s.seq;
    }
    // Most recently used last; the oldest set goes first.
    this.sets.delete(s.key);
    this.sets.set(s.key, set);
    while (this.sets.size > MAX_SETS) this.sets.delete(this.sets.keys().next().value!);
    return set;
  }

  handle(req: Request): Reply {
    const set = this.sync(req.sync);
    if (!set) return { id: req.id, ok: false, resync: true };
    return { id: req.id, ok: true, result: run(req.job, set) };
  }
}

function run(job: Job, set: GroupSet): PagedBuild | ReturnType<typeof previewImpact> {
  const rows = withSamples(set.rows, new Map(job.extra));
  if (job.kind === "preview") return previewImpact(job.policy, rows, job.opts);
  const groups = markBlocked(rows, new Map(job.blocked));
  const built = buildPolicy({ ...job.input, groups }, set.memo);
  return {
    ...built,
    suggestions: built.suggestions.slice(job.offset, job.offset + job.limit),
    suggestionCount: built.suggestions.length,
  };
}
