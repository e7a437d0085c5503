// The evidence samples of in-process policy answers, kept per cached set of groups (the policy worker keeps its own:
// server/policy-worker/handler.ts). An answer shows the newest samples of the first groups behind each suggestion and
// decision on its page: at 20,000 groups ~1,600 groups', ~60 ms of synchronous index seeks per answer on SQLite when
// all were read for every answer (profile of in-process builds after one new report each, 2026-12-07).
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import { indexOf, type GroupsEntry } from "./policy-cache.ts";

/** A group's newest samples as read, and the count and last report of the group they were read for. */
export type KeptSamples = { count: number; lastSeen: number; samples: PolicyGroupRow["samples"] };

/** Evidence samples kept per set: a few pages' worth. */
const KEPT_MAX = 10_000;

/**
 * The newest samples of `groupIds` for an answer over the set `e`: those read for an earlier answer while the group's
 * count and last report are the same (no report since: the same newest samples), the others read with `read` and kept.
 */
export async function evidenceSamples(
  e: GroupsEntry,
  groupIds: readonly number[],
  read: (ids: readonly number[]) => Promise<ReadonlyMap<number, PolicyGroupRow["samples"]>>,
): Promise<Map<number, PolicyGroupRow["samples"]>> {
  const index = (e.index ??= indexOf(e.rows));
  const rowOf = (id: number) => {
    const i = index.get(id);
    return i === undefined ? undefined : e.rows[i];
  };
  const out = new Map<number, PolicyGroupRow["samples"]>();
  const missing: number[] = [];
  for (const id of groupIds) {
    const row = rowOf(id);
    const k = e.evidence.get(id);
    if (row && k && k.count === row.count && k.lastSeen === row.lastSeen) out.set(id, k.samples);
    else missing.push(id);
  }
  if (missing.length === 0) return out;
  const got = await read(missing);
  if (e.evidence.size + missing.length > KEPT_MAX) e.evidence.clear();
  for (const id of missing) {
    const samples = got.get(id) ?? [];
    out.set(id, samples);
    const row = rowOf(id);
    if (row) e.evidence.set(id, { count: row.count, lastSeen: row.lastSeen, samples });
  }
  return out;
}
