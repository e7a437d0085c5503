// Deleting a project's rows in batches, after ProjectStore.remove has retired its key and deleted its row. Which
// tables hold a project's rows is read from the database's columns (a projectId column, or a groupId or ruleId
// column reaching the project's groups or alert rules), so a table added by a later migration is not forgotten. One transaction per
// batch, yielding between batches: ingest for other projects never waits long behind a large project.
import { batchDelete, tableColumns, type SqlRunner } from "./sql-runner.ts";

export type PurgeOptions = {
  batchRows?: number;
  /** Between batches, given the batch's duration (default: as long again, so ingest gets half the time). */
  pause?: (batchMs: number) => Promise<void>;
};

export type PurgeResult = { deleted: Record<string, number>; batches: number; longestBatchMs: number };

/** Tables never purged by project: the project itself (deleted first) and its retired keys (kept: 410 forever). */
const KEPT = new Set(["Project", "RetiredReportKey"]);

const sameAgain = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, ms)));

/** Delete every row a (removed) project owns, in batches; rows deleted per table. Safe to run again. */
export async function purgeProject(
  db: SqlRunner,
  projectId: string,
  opts: PurgeOptions = {},
): Promise<PurgeResult> {
  const n = opts.batchRows ?? 250;
  const pause = opts.pause ?? sameAgain;
  const cols = await tableColumns(db);
  const deleted: Record<string, number> = {};
  let batches = 0;
  let longest = 0;
  const drain = async (table: string, where: string) => {
    for (;;) {
      const t0 = performance.now();
      const [k = 0] = await db.tx([[batchDelete(db.engine, table, where, n), [projectId]]]);
      const ms = performance.now() - t0;
      longest = Math.max(longest, ms);
      batches++;
      deleted[table] = (deleted[table] ?? 0) + k;
      await pause(ms);
      if (k < n) return;
    }
  };
  const byGroup = [...cols]
    .filter(([t, c]) => !KEPT.has(t) && c.includes("groupId") && !c.includes("projectId"))
    .map(([t]) => t);
  // Rows reached through the project's alert rules (the quiet-period keys), before the rules go.
  const byRule = [...cols]
    .filter(([t, c]) => !KEPT.has(t) && c.includes("ruleId") && !c.includes("projectId"))
    .map(([t]) => t);
  const byProject = [...cols]
    .filter(([t, c]) => !KEPT.has(t) && t !== "ViolationGroup" && c.includes("projectId"))
    .map(([t]) => t);
  // Rows reached through the project's groups first, while the groups still say whose they are; the groups last.
  for (const t of byGroup) {
    await drain(t, `"groupId" IN (SELECT g."id" FROM "ViolationGroup" g WHERE g."projectId" = ?)`);
  }
  if (cols.has("AlertRule")) {
    for (const t of byRule) {
      await drain(t, `"ruleId" IN (SELECT r."id" FROM "AlertRule" r WHERE r."projectId" = ?)`);
    }
  }
  // The script inventory's rows reached through the project's scripts (#18), while the scripts still say whose.
  const byScript = [...cols]
    .filter(([t, c]) => !KEPT.has(t) && c.includes("scriptId") && !c.includes("projectId"))
    .map(([t]) => t);
  if (cols.has("Script")) {
    for (const t of byScript) {
      await drain(t, `"scriptId" IN (SELECT s."id" FROM "Script" s WHERE s."projectId" = ?)`);
    }
  }
  for (const t of byProject) await drain(t, `"projectId" = ?`);
  if (cols.has("ViolationGroup")) await drain("ViolationGroup", `"projectId" = ?`);
  return { deleted, batches, longestBatchMs: longest };
}

/**
 * Projects removed (a retired key and no project row) that still own rows: a crash mid-purge, or counters of reports
 * that were queued when the project went.
 */
export async function removedProjects(db: SqlRunner): Promise<string[]> {
  const rows = await db.all<{ projectId: string }>(
    `SELECT DISTINCT r."projectId" FROM "RetiredReportKey" r
     WHERE NOT EXISTS (SELECT 1 FROM "Project" p WHERE p."id" = r."projectId")
       AND (EXISTS (SELECT 1 FROM "ViolationGroup" g WHERE g."projectId" = r."projectId")
         OR EXISTS (SELECT 1 FROM "ProjectHour" h WHERE h."projectId" = r."projectId"))`,
  );
  return rows.map((r) => r.projectId);
}
