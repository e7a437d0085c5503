// Storage health (#11 item 5): which errors mean "storage failed", and a state that changes once per failure and
// recovery (so it is logged once, not per request) and recovers by itself through its probe.
import { describe, expect, test } from "vitest";
import { StorageHealth, type StorageFailure } from "../../server/store/health.ts";

const err = (code: string, extra: object = {}) =>
  Object.assign(new Error(`failed: ${code}`), { code }, extra);

describe("classification", () => {
  test.each([
    { name: "SQLite disk full", e: err("SQLITE_FULL"), want: { reason: "disk_full", code: "SQLITE_FULL" } },
    { name: "fs disk full (the WAL fsync)", e: err("ENOSPC"), want: { reason: "disk_full", code: "ENOSPC" } },
    { name: "quota", e: err("EDQUOT"), want: { reason: "disk_full", code: "EDQUOT" } },
    { name: "SQLite I/O error", e: err("SQLITE_IOERR"), want: { reason: "io_error", code: "SQLITE_IOERR" } },
    {
      name: "SQLite extended I/O error",
      e: err("SQLITE_IOERR_WRITE"),
      want: { reason: "io_error", code: "SQLITE_IOERR_WRITE" },
    },
    { name: "fs I/O error", e: err("EIO"), want: { reason: "io_error", code: "EIO" } },
    {
      name: "cannot open",
      e: err("SQLITE_CANTOPEN"),
      want: { reason: "cannot_open", code: "SQLITE_CANTOPEN" },
    },
    { name: "read-only", e: err("SQLITE_READONLY"), want: { reason: "read_only", code: "SQLITE_READONLY" } },
    {
      name: "wrapped as a cause (Prisma's driver adapter)",
      e: new Error("query failed", { cause: err("SQLITE_FULL") }),
      want: { reason: "disk_full", code: "SQLITE_FULL" },
    },
    {
      name: "an adapter's originalCode",
      e: Object.assign(new Error("x"), { code: "P2010", originalCode: "SQLITE_IOERR_FSYNC" }),
      want: { reason: "io_error", code: "SQLITE_IOERR_FSYNC" },
    },
    { name: "a constraint is no storage failure", e: err("SQLITE_CONSTRAINT_UNIQUE"), want: null },
    { name: "busy is transient, not a failure", e: err("SQLITE_BUSY"), want: null },
    { name: "a plain error", e: new Error("boom"), want: null },
    { name: "a connection reset from a client", e: err("ECONNRESET"), want: null },
    { name: "not an object", e: "SQLITE_FULL", want: null },
  ])("$name", ({ e, want }) => {
    expect(new StorageHealth().classify(e)).toEqual(want);
  });

  test("an engine adds its own codes (PostgreSQL's admin shutdown) through the hook", () => {
    const h = new StorageHealth({ classifiers: [(c) => (c === "57P01" ? "connection_lost" : null)] });
    expect(h.classify(err("57P01"))).toEqual({ reason: "connection_lost", code: "57P01" });
    const later = new StorageHealth();
    later.addClassifier((c) => (c === "ECONNREFUSED" ? "connection_lost" : null));
    expect(later.classify(err("ECONNREFUSED"))).toEqual({ reason: "connection_lost", code: "ECONNREFUSED" });
  });
});

describe("state", () => {
  test("one change per failure and one per recovery, however many errors arrive", () => {
    const h = new StorageHealth();
    const changes: (StorageFailure | null)[] = [];
    h.onChange((f) => changes.push(f));
    expect(h.markFailure(new Error("not storage"))).toBe(false);
    expect(h.state).toBeNull();
    for (let i = 0; i < 100; i++) expect(h.markFailure(err("SQLITE_FULL"))).toBe(true);
    h.markRecovered();
    h.markRecovered();
    expect(changes).toEqual([{ reason: "disk_full", code: "SQLITE_FULL", since: expect.any(Number) }, null]);
    expect(h.state).toBeNull();
  });

  test("recovers by itself: the probe runs on a timer while failed, and stops once it succeeds", async () => {
    let fails = 3;
    let calls = 0;
    const h = new StorageHealth({
      probeMs: 10,
      probe: () => {
        calls++;
        if (fails-- > 0) throw err("ENOSPC");
      },
    });
    const changes: (StorageFailure | null)[] = [];
    h.onChange((f) => changes.push(f));
    h.markFailure(err("SQLITE_FULL"));
    await expect.poll(() => h.state, { timeout: 2000 }).toBeNull();
    expect(calls).toBe(4);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(4);
    expect(changes.map((c) => c?.reason ?? null)).toEqual(["disk_full", null]);
    h.close();
  });

  test("check(): true while ok without probing; a failing probe keeps the failure", async () => {
    let calls = 0;
    const h = new StorageHealth({
      probeMs: 60_000,
      probe: () => {
        calls++;
        throw err("EIO");
      },
    });
    expect(await h.check()).toBe(true);
    expect(calls).toBe(0);
    h.markFailure(err("SQLITE_IOERR"));
    expect(await h.check()).toBe(false);
    expect(h.state?.reason).toBe("io_error");
    h.close();
  });
});
