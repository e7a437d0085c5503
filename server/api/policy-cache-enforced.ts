// What each group blocked in production (reports with disposition `enforce` tagged with a policy version), as the
// policy cache keeps it for the builder (PolicyCache.blockedReports): read once per project, then kept current by the
// node's own commits like the cached groups (policy-cache.ts's header says how a read is told which commits it holds).
// On SQLite the read gives the event loop back between slices of hours (enforcedByVersion).
import type { BlockedReports } from "../projects/group-extras.ts";
import { addBlocked } from "../store/policies.ts";
import type { Snapshot } from "../store/pg-snapshot.ts";
import { isSqliteReader, type SqlReader } from "../store/sql.ts";
import type { GroupChange } from "../store/writer.ts";
import {
  addEnforced,
  catchUp,
  enforcedByVersion,
  Lru,
  saw,
  type EnforcedCounts,
  type Generation,
  type Heard,
} from "./policy-cache-rows.ts";

type Kept = Generation & { snapshot: Snapshot | null; byGroup: EnforcedCounts };

export class EnforcedCache {
  /** Per project: the counts, and what they were read at. */
  private kept = new Lru<Kept>(16);
  /** Counts being read in slices (SQLite): how far, what commits meanwhile wrote behind it, how many. */
  private slicing = new Map<string, { readTo: number; missed: EnforcedCounts; commits: number }>();

  constructor(
    private readonly sql: SqlReader,
    /** The project's generation now (PolicyCache's). */
    private readonly generation: (projectId: string) => Generation,
    /** A read in one snapshot, with the own commits heard while it ran (PolicyCache's). */
    private readonly read: <T>(
      projectId: string,
      fn: (sql: SqlReader) => Promise<T>,
    ) => Promise<{ value: T; snapshot: Snapshot | null; heard: readonly Heard[] }>,
  ) {}

  /** Whether the writer should build its changes for this project (counts kept or being read). */
  wants(projectId: string): boolean {
    return this.slicing.has(projectId) || this.kept.get(projectId) !== undefined;
  }

  /** One of the node's own commits: added to counts read before it, or to a sliced read behind its progress. */
  committed(
    projectId: string,
    changes: readonly GroupChange[],
    generation: number,
    xid: string | null,
  ): void {
    const slicing = this.slicing.get(projectId);
    if (slicing) {
      // A sliced read (SQLite) reads the hours it has not reached yet; the commit's rows before them are added.
      addEnforced(slicing.missed, changes, slicing.readTo);
      slicing.commits++;
    }
    const kept = this.kept.get(projectId);
    if (kept && kept.own === generation - 1) {
      const seen = saw(kept.snapshot, xid);
      if (seen !== null) {
        if (!seen) addEnforced(kept.byGroup, changes);
        kept.own = generation;
      }
    }
  }

  /**
   * Per group, the reports with disposition `enforce` tagged with one of `versions` (what those versions blocked on
   * real pages) and the first of them that blocked it: PolicyStore.enforcedReports, kept current. That query scans
   * every hourly row of the project (0.5–0.75 s at 2 M reports; on SQLite read in slices: sliced) and ran for every
   * build after a new report; now it runs once per project and the node's commits are added to it, as to the
   * groups (it runs again after another node's commit, or any generation step not seen as a commit).
   */
  async blockedReports(projectId: string, versions: readonly number[]): Promise<BlockedReports> {
    const out = new Map<number, { reports: number; since: number }>();
    if (versions.length === 0) return out;
    const generation = this.generation(projectId);
    let kept = this.kept.get(projectId);
    if (!kept || kept.own !== generation.own || kept.others !== generation.others) {
      if (isSqliteReader(this.sql)) kept = await this.sliced(projectId, generation);
      else {
        const {
          value: byGroup,
          snapshot,
          heard,
        } = await this.read(projectId, (sql) => enforcedByVersion(sql, projectId));
        const own = catchUp(generation.own, snapshot, heard, (c) => addEnforced(byGroup, c));
        kept = { own, others: generation.others, snapshot, byGroup };
        this.kept.set(projectId, kept);
      }
    }
    const wanted = new Set(versions);
    for (const [groupId, byVersion] of kept.byGroup) {
      for (const [version, n] of byVersion) if (wanted.has(version)) addBlocked(out, groupId, version, n);
    }
    return out;
  }

  /**
   * SQLite: the enforce counts read in slices, so that ingest runs between them (enforcedByVersion), with the node's
   * commits that landed meanwhile counted once. Kept as current only if every generation step since the start was
   * such a commit (a re-classification meanwhile makes the next call read again).
   */
  private async sliced(
    projectId: string,
    start: Generation,
  ): Promise<Generation & { snapshot: null; byGroup: EnforcedCounts }> {
    const slicing = { readTo: -Infinity, missed: new Map() as EnforcedCounts, commits: 0 };
    this.slicing.set(projectId, slicing);
    let byGroup: EnforcedCounts;
    try {
      byGroup = await enforcedByVersion(this.sql, projectId, slicing);
    } finally {
      this.slicing.delete(projectId);
    }
    for (const [g, byVersion] of slicing.missed) {
      let into = byGroup.get(g);
      if (!into) byGroup.set(g, (into = new Map()));
      for (const [v, n] of byVersion) into.set(v, (into.get(v) ?? 0) + n);
    }
    const now = this.generation(projectId);
    const exact = now.own === start.own + slicing.commits && now.others === start.others;
    const kept = { own: exact ? now.own : -1, others: now.others, snapshot: null, byGroup };
    this.kept.set(projectId, kept);
    return kept;
  }
}
