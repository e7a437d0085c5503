// The group-commit writer's engine for a database: SQLite's synchronous transaction on the raw handle
// (sqlite-batch.ts), or PostgreSQL's multi-row upserts on the node's writer connection (pg-batch.ts).
import type { AggregateLimits } from "./aggregate.ts";
import type { Db } from "./db.ts";
import type { BatchEngine } from "./engine.ts";
import { PgBatchEngine } from "./pg-batch.ts";
import { SqliteBatchEngine } from "./sqlite-batch.ts";

/** The writer's engine on `db`, keeping the writer's bounds (writer.ts limitsOf). */
export function batchEngineFor(db: Db, limits: AggregateLimits): BatchEngine {
  return db.engine === "sqlite"
    ? new SqliteBatchEngine(db.raw, limits)
    : new PgBatchEngine(db.writePool, limits, db.feed.nodeId);
}
