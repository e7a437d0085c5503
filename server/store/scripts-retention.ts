// Retention of the script inventory (#18), in the hourly retention pass (retention.ts): per project, hours and
// change-log entries before the horizon go, pages last seen before it go, and scripts unseen since the horizon go
// with their hashes. Rows reached through a script (ScriptHash, ScriptPage) are deleted before the scripts.
const HOUR_MS = 3_600_000;

/** Delete in batches: the retention pass's own `drop` (counted, paced). */
type Drop = (table: string, where: string, params: unknown[]) => Promise<void>;

/** One project's inventory rows older than `keepHour` (hours since the epoch). */
export async function retainScripts(drop: Drop, projectId: string, keepHour: number): Promise<void> {
  const before = keepHour * HOUR_MS;
  const ofProject = `"scriptId" IN (SELECT s."id" FROM "Script" s WHERE s."projectId" = ?)`;
  const ofGone = `"scriptId" IN (SELECT s."id" FROM "Script" s WHERE s."projectId" = ? AND s."lastSeen" < ?)`;
  await drop("ScriptHour", `"projectId" = ? AND "hour" < ?`, [projectId, keepHour]);
  await drop("ScriptEvent", `"projectId" = ? AND "at" < ?`, [projectId, before]);
  await drop("ScriptPage", `${ofProject} AND "lastSeen" < ?`, [projectId, before]);
  await drop("ScriptHash", ofGone, [projectId, before]);
  await drop("Script", `"projectId" = ? AND "lastSeen" < ?`, [projectId, before]);
}
