// The policy worker's work, apart from its thread plumbing (entry.ts): the group sets it holds, patched from the
// API's sync messages, and the builds and previews over them. A build keeps a BuildMemo per set, so a build after a
// commit reuses what the unchanged groups gave the previous one (policy/build-memo.ts). Builds are answered as JSON
// (api/build-answer.ts) with evidence samples the worker keeps per set key: after one new report only the groups
// that changed are read again (at 20,000 groups an answer shows ~1,600 groups' samples: ~250 ms of index seeks on
// the API's event loop when every answer read them all).
import { answerJson, sampleNeeds, type AnswerContext } from "../api/build-answer.ts";
import { buildPolicy } from "../policy/build.ts";
import { BuildMemo } from "../policy/build-memo.ts";
import type { BuildResult } from "../policy/build-types.ts";
import { previewImpact } from "../policy/preview.ts";
import { markBlocked, withSamples } from "../projects/group-extras.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import type { BuildJob, BuildReply, GroupSync, Reply, Request, SamplesJob } from "./protocol.ts";

type GroupSet = {
  serial: number;
  seq: number;
  rows: PolicyGroupRow[];
  index: Map<number, number>;
  memo: BuildMemo;
};

/** A group's samples as given, and the count and last report of the group they were read for. */
type KeptSamples = { count: number; lastSeen: number; samples: PolicyGroupRow["samples"] };

/** A build waiting for samples: what it made, and the groups as they were when it asked. */
type PendingBuild = {
  built: BuildResult;
  answer: AnswerContext;
  key: string;
  needs: number[];
  asked: Map<number, { count: number; lastSeen: number }>;
};

/** Sets held at once (the API's cache holds 4 projects' worth in each of its two kinds). */
const MAX_SETS = 8;
/** Builds waiting for samples at once (one per request the API has in flight). */
const MAX_PENDING = 8;

export class PolicyWorkerState {
  /** Memory of answers the API handed back (giveBack). */
  private spare: ArrayBuffer[] = [];
  private sets = new Map<string, GroupSet>();
  /** Samples per set key: they outlive a reload of the set (they are checked against each group's count). */
  private samples = new Map<string, Map<number, KeptSamples>>();
  private pending = new Map<number, PendingBuild>();

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
    while (this.sets.size > MAX_SETS) {
      const oldest = this.sets.keys().next().value!;
      this.sets.delete(oldest);
      this.samples.delete(oldest);
    }
    return set;
  }

  handle(req: Request): Reply {
    if (req.job.kind === "samples") return this.finish(req.id, req.job);
    const set = req.sync ? this.sync(req.sync) : null;
    if (!set || !req.sync) return { id: req.id, ok: false, resync: true };
    const job = req.job;
    if (job.kind === "preview") {
      const rows = withSamples(set.rows, new Map(job.extra));
      return { id: req.id, ok: true, result: previewImpact(job.policy, rows, job.opts) };
    }
    return { id: req.id, ok: true, result: this.build(req.id, req.sync.key, set, job) };
  }

  /** Build, then answer at once when every sample the answer shows is kept, else ask for the missing ones. */
  private build(id: number, key: string, set: GroupSet, job: BuildJob): BuildReply {
    const rows = withSamples(set.rows, new Map(job.extra));
    const groups = markBlocked(rows, new Map(job.blocked));
    const built = buildPolicy({ ...job.input, groups }, set.memo);
    const needs = sampleNeeds(built, job.answer);
    const kept = this.keptFor(key);
    const asked = new Map<number, { count: number; lastSeen: number }>();
    for (const gid of needs) {
      const i = set.index.get(gid);
      const row = i === undefined ? undefined : set.rows[i];
      const k = kept.get(gid);
      if (row && k && k.count === row.count && k.lastSeen === row.lastSeen) continue;
      asked.set(gid, { count: row?.count ?? -1, lastSeen: row?.lastSeen ?? -1 });
    }
    if (asked.size === 0) return { json: this.json(built, job.answer, needs, kept) };
    this.pending.set(id, { built, answer: job.answer, key, needs, asked });
    while (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    return { needs: [...asked.keys()], build: id };
  }

  /** The second half of a build: keep the samples given, answer with the JSON. */
  private finish(id: number, job: SamplesJob): Reply {
    const p = this.pending.get(job.build);
    // Dropped (more builds waited for samples at once than are held): the API builds again.
    if (!p) return { id, ok: false, resync: true };
    this.pending.delete(job.build);
    const kept = this.keptFor(p.key);
    const given = new Map(job.samples);
    for (const [gid, at] of p.asked) kept.set(gid, { ...at, samples: given.get(gid) ?? [] });
    return { id, ok: true, result: { json: this.json(p.built, p.answer, p.needs, kept) } };
  }

  private keptFor(key: string): Map<number, KeptSamples> {
    let kept = this.samples.get(key);
    if (!kept) this.samples.set(key, (kept = new Map()));
    return kept;
  }

  private json(
    built: BuildResult,
    answer: AnswerContext,
    needs: readonly number[],
    kept: Map<number, KeptSamples>,
  ): Uint8Array {
    const rings = new Map(needs.map((gid) => [gid, kept.get(gid)?.samples ?? []]));
    const text = answerJson(built, answer, rings);
    // Into memory an earlier answer came back in, when it holds it (api/answer-bytes.ts): no new megabytes of
    // external memory per build, which this thread's collector would have to find.
    const i = this.spare.findIndex((b) => b.byteLength >= text.length);
    if (i >= 0) {
      const into = new Uint8Array(this.spare[i]!);
      const { read, written } = ENCODER.encodeInto(text, into);
      if (read === text.length) {
        this.spare.splice(i, 1);
        return into.subarray(0, written);
      }
    }
    return ENCODER.encode(text);
  }

  /** An answer's memory the API no longer uses: kept to encode a later answer into (a few at most). */
  giveBack(memory: ArrayBuffer): void {
    if (this.spare.length < SPARE_MAX) this.spare.push(memory);
  }
}

const ENCODER = new TextEncoder();
/** Answers' memory kept for reuse: the API holds one answer per cached project and any it is still sending. */
const SPARE_MAX = 4;
