// Which transactions a PostgreSQL read saw. A read run in one REPEATABLE READ transaction sees one snapshot, and
// pg_current_snapshot() names it: `xmin:xmax:xip,…` (every transaction id below xmin had ended, none from xmax on
// had begun, the listed ones were running). A committed transaction is in the snapshot exactly when it had ended
// before it was taken. The node's writer learns each commit's id (pg_current_xact_id, pg-batch.ts), so a reader
// that kept the snapshot of its read knows which of the node's own commits that read already holds.

/** A snapshot as pg_current_snapshot() gives it (transaction ids are 64-bit: xid8). */
export type Snapshot = { xmin: bigint; xmax: bigint; running: ReadonlySet<bigint> };

/** Parse pg_current_snapshot()'s text form, `xmin:xmax:xip1,xip2,…`. */
export function parseSnapshot(text: string): Snapshot {
  const m = /^(\d+):(\d+):((?:\d+(?:,\d+)*)?)$/.exec(text);
  if (!m) throw new Error(`not a PostgreSQL snapshot: ${JSON.stringify(text)}`);
  const running = m[3] === "" ? [] : m[3]!.split(",").map((x) => BigInt(x));
  return { xmin: BigInt(m[1]!), xmax: BigInt(m[2]!), running: new Set(running) };
}

/**
 * Whether a transaction that committed (`xid`, pg_current_xact_id's text) is visible in the snapshot: it had ended
 * before the snapshot was taken (PostgreSQL's pg_visible_in_snapshot, for a committed transaction).
 */
export function sawCommit(snapshot: Snapshot, xid: string): boolean {
  const x = BigInt(xid);
  return x < snapshot.xmin || (x < snapshot.xmax && !snapshot.running.has(x));
}
