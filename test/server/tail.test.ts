// Live tail under load (#11 item 2): events reach reading viewers, a viewer that does not keep up has its events
// dropped and counted (the count arrives when it catches up) and is disconnected when it stays behind; the
// number of streams is capped per project and per instance (429); publishing never writes from the caller.
import { afterEach, describe, expect, test } from "vitest";
import { TailHub, type TailSink } from "../../server/api/tail.ts";
import type { Violation } from "../../server/reports/types.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { flood, openTail, type RawTail } from "./flood.ts";

const violation = (i: number): Violation =>
  ({
    directive: "script-src-elem",
    blocked: `https://cdn.example.net/${i}.js`,
    documentUrl: "https://app.example.com/",
    noise: null,
    browser: "Chrome",
  }) as unknown as Violation;

/** A sink that records what it was given and reports `backlog` bytes as unsent. */
function fakeSink(): TailSink & { chunks: Buffer[]; backlog: number; closed: boolean } {
  const s = {
    chunks: [] as Buffer[],
    backlog: 0,
    closed: false,
    write: (c: Buffer) => void s.chunks.push(c),
    buffered: () => s.backlog,
    close: () => void (s.closed = true),
  };
  return s;
}
const turn = () => new Promise((r) => setImmediate(r));

describe("TailHub", () => {
  test("publish writes nothing itself; the fan-out serializes each event once for every subscriber", async () => {
    const hub = new TailHub();
    const sinks = [fakeSink(), fakeSink(), fakeSink()];
    for (const s of sinks) hub.subscribe("p", s);
    hub.publish("p", [violation(1), violation(2)], 0);
    hub.publish("p", [violation(3)], 0);
    expect(sinks.map((s) => s.chunks.length)).toEqual([0, 0, 0]);
    await turn();
    expect(sinks.map((s) => s.chunks.length)).toEqual([1, 1, 1]);
    // The same Buffer object: one serialization, shared, whatever the number of subscribers.
    expect(sinks[1]!.chunks[0]).toBe(sinks[0]!.chunks[0]);
    const events = sinks[0]!.chunks[0]!.toString().split("\n\n").filter(Boolean);
    expect(events.map((e) => (JSON.parse(e.replace(/^data: /, "")) as { blocked: string }).blocked)).toEqual([
      "https://cdn.example.net/1.js",
      "https://cdn.example.net/2.js",
      "https://cdn.example.net/3.js",
    ]);
  });

  test("a subscriber over its budget has its events dropped, and is told how many when it catches up", async () => {
    const hub = new TailHub({ bufferBytes: 4096, stallMs: 60_000 });
    const slow = fakeSink();
    const fast = fakeSink();
    hub.subscribe("p", slow);
    hub.subscribe("p", fast);
    slow.backlog = 10_000;
    for (let i = 0; i < 3; i++) {
      hub.publish("p", [violation(i), violation(i + 10)], 0);
      await turn();
    }
    expect(slow.chunks).toEqual([]);
    expect(fast.chunks.length).toBe(3);
    slow.backlog = 0;
    hub.publish("p", [violation(99)], 0);
    await turn();
    expect(slow.chunks.map((c) => c.toString().split("\n")[0])).toEqual([
      "event: dropped",
      `data: ${JSON.stringify({ receivedAt: new Date(0).toISOString(), ...violation(99) })}`,
    ]);
    expect(slow.chunks[0]!.toString()).toBe('event: dropped\ndata: {"dropped":6}\n\n');
    expect(slow.closed).toBe(false);
  });

  test("the count of dropped events reaches a reader that catches up even when no new event follows", async () => {
    const hub = new TailHub({ bufferBytes: 4096, stallMs: 60_000 });
    const slow = fakeSink();
    const unsubscribe = hub.subscribe("p", slow);
    slow.backlog = 10_000;
    hub.publish("p", [violation(1), violation(2)], 0);
    await turn();
    expect(slow.chunks).toEqual([]);
    slow.backlog = 0;
    await expect.poll(() => slow.chunks.map(String)).toEqual(['event: dropped\ndata: {"dropped":2}\n\n']);
    unsubscribe();
  });

  test("a subscriber that stays over its budget for stallMs is closed", async () => {
    const hub = new TailHub({ bufferBytes: 4096, stallMs: 50 });
    const stuck = fakeSink();
    hub.subscribe("p", stuck);
    stuck.backlog = 10_000;
    hub.publish("p", [violation(1)], 0);
    await turn();
    expect(stuck.closed).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    hub.ping(); // no events needed: the keep-alive ping finds it stalled as well
    expect(stuck.closed).toBe(true);
  });

  test("caps: per project, then per instance, each a 429 naming the cap; unsubscribing frees a place", () => {
    const hub = new TailHub({ perProject: 2, total: 3 });
    const offA = hub.subscribe("a", fakeSink());
    hub.subscribe("a", fakeSink());
    expect(() => hub.subscribe("a", fakeSink())).toThrow("at most 2 live tails may be open for this project");
    hub.subscribe("b", fakeSink());
    expect(() => hub.subscribe("b", fakeSink())).toThrow("at most 3 live tails may be open on this instance");
    offA();
    offA(); // twice is once
    expect(hub.size).toBe(2);
    hub.subscribe("b", fakeSink());
    expect(hub.size).toBe(3);
  });

  test("a flood between two fan-outs is bounded: at most 200 events wait, the rest are counted as dropped", async () => {
    const hub = new TailHub();
    const s = fakeSink();
    hub.subscribe("p", s);
    for (let i = 0; i < 50; i++)
      hub.publish(
        "p",
        Array.from({ length: 100 }, (_, j) => violation(j)),
        0,
      );
    await turn();
    // 50 publishes x 20 events taken from each = 1000: 800 dropped (said first), 200 sent.
    expect(s.chunks.map((c) => c.toString().split("\n\n").filter(Boolean).length)).toEqual([1, 200]);
    expect(s.chunks[0]!.toString()).toBe('event: dropped\ndata: {"dropped":800}\n\n');
  });
});

describe("GET /api/projects/:id/tail", () => {
  let t: TestApp | null = null;
  const tails: RawTail[] = [];
  afterEach(async () => {
    for (const x of tails.splice(0)) x.socket.destroy();
    await t?.close();
    t = null;
  });
  const env = { INGEST_RATE_PER_CLIENT: "1000000", INGEST_BURST_PER_CLIENT: "1000000" };
  const fast = { ...env, INGEST_RATE_PER_PROJECT: "1000000", INGEST_BURST_PER_PROJECT: "1000000" };

  test("a reading viewer gets the committed reports as events", async () => {
    t = await startTestApp(fast);
    const p = await t.deps.projects.create("tailed");
    const tail = openTail(t.url, p.id, t.token);
    tails.push(tail);
    expect(await tail.status).toBe(200);
    await flood(t.url, p.reportKey, { requests: 1, batch: 3 });
    await expect.poll(() => tail.text().match(/^data: /gm)?.length ?? 0).toBe(3);
    expect(tail.text()).toContain("text/event-stream");
  });

  test("beyond the caps: 429 too_many_tails with Retry-After, per project and per instance", async () => {
    t = await startTestApp({ ...env, TAIL_MAX_PER_PROJECT: "2", TAIL_MAX_TOTAL: "3" });
    const a = await t.deps.projects.create("a");
    const b = await t.deps.projects.create("b");
    for (const id of [a.id, a.id, b.id]) {
      const x = openTail(t.url, id, t.token);
      tails.push(x);
      expect(await x.status).toBe(200);
    }
    for (const [id, message] of [
      [a.id, "at most 2 live tails may be open for this project"],
      [b.id, "at most 3 live tails may be open on this instance"],
    ] as const) {
      const res = await fetch(`${t.url}/api/projects/${id}/tail`, { headers: t.auth });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("30");
      expect(await res.json()).toEqual({ error: "too_many_tails", message });
    }
    tails[0]!.socket.destroy();
    await expect.poll(() => t!.deps.tail.size).toBe(2);
    const again = openTail(t.url, a.id, t.token);
    tails.push(again);
    expect(await again.status).toBe(200);
  });

  test("a viewer that stops reading is disconnected while ingest goes on answering 204", async () => {
    t = await startTestApp({ ...fast, TAIL_BUFFER_BYTES: "65536", TAIL_STALL_MS: "300" });
    const p = await t.deps.projects.create("stuck");
    const stuck = openTail(t.url, p.id, t.token, { paused: true });
    const reading = openTail(t.url, p.id, t.token);
    tails.push(stuck, reading);
    expect([await stuck.status, await reading.status]).toEqual([200, 200]);
    // ~1.2 KB events, 20 per request: 600 requests are ~14 MB, past the kernel's socket buffers (~4 MB here).
    let statuses = new Map<number, number>();
    for (let round = 0; round < 6 && t.deps.tail.size > 1; round++) {
      statuses = await flood(t.url, p.reportKey, { requests: 100, batch: 20, pad: 1000 });
      expect([...statuses.keys()]).toEqual([204]);
    }
    await expect.poll(() => t!.deps.tail.size, { timeout: 5000 }).toBe(1);
    expect(reading.socket.destroyed).toBe(false);
  });

  test("a slow viewer that catches up is told how many events it missed", async () => {
    t = await startTestApp({ ...fast, TAIL_BUFFER_BYTES: "65536", TAIL_STALL_MS: "600000" });
    const p = await t.deps.projects.create("slow");
    const slow = openTail(t.url, p.id, t.token, { paused: true });
    tails.push(slow);
    expect(await slow.status).toBe(200);
    await flood(t.url, p.reportKey, { requests: 600, batch: 20, pad: 1000 });
    slow.socket.resume();
    await flood(t.url, p.reportKey, { requests: 5, batch: 1 });
    const count = () => {
      const dropped = [...slow.text().matchAll(/event: dropped\ndata: \{"dropped":(\d+)\}/g)];
      const received = slow.text().match(/^data: \{"receivedAt"/gm)?.length ?? 0;
      return { notices: dropped.length, dropped: dropped.reduce((n, m) => n + Number(m[1]), 0), received };
    };
    // Every event is either received or counted in a notice: nothing is silently lost.
    await expect.poll(() => count().dropped + count().received, { timeout: 5000 }).toBe(600 * 20 + 5);
    expect(count().dropped).toBeGreaterThan(0);
    expect(count().notices).toBeGreaterThan(0);
    expect(slow.socket.destroyed).toBe(false);
  });
});
