// The storage engine behind the group-commit writer: it turns one batch's aggregate into one transaction and says
// when the requests that made it may be answered (the commit is durable). SQLite: sqlite-batch.ts.
import type { BatchAggregate } from "./aggregate.ts";

/** What one commit changed in one non-noise group (for readers that keep derived state current: GroupWatcher). */
export type GroupChange = {
  id: number;
  directive: string;
  blocked: string;
  /** Reports added by this commit. */
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The group's page list after the commit. */
  pages: readonly string[];
  hours: readonly { hour: number; policyVersion: number; count: number; disposition?: string }[];
  /** The group was created by this commit (alerts: new-group). */
  created?: boolean;
};

/** A request waiting for its commit to be durable. */
export type Waiter = { reports: number; resolve: () => void; reject: (err: unknown) => void };

/**
 * Group changes per project, built only for the projects `watches` asked for; on PostgreSQL with the commit's
 * transaction id (pg_current_xact_id), which tells a reader whether a read of its own already saw this commit
 * (pg-snapshot.ts).
 */
export type CommitChanges = Map<string, GroupChange[]> & { xid?: string };

export interface BatchEngine {
  /**
   * Write an aggregate in one transaction. Throws (or rejects) when it rolled back: nothing of it was stored,
   * and the engine has dropped whatever state it cached about groups.
   */
  commit(
    agg: BatchAggregate,
    watches: (projectId: string) => boolean,
  ): CommitChanges | Promise<CommitChanges>;
  /** Settle these requests once their (committed) transaction is durable. */
  settle(waiters: Waiter[]): void;
  /** Reports committed but not yet durable. */
  readonly pending: number;
  /** Forget cached state about a project's groups (they were deleted). */
  forget(projectId: string): void;
  /** Resolves once the commits already started have finished (at once for a synchronous engine). */
  idle(): Promise<void>;
  /** Make everything committed durable and settle every waiter. */
  close(): void;
}
