// The policy answers' bytes (server/api/answer-bytes.ts): freed exactly when the last of the cache and the responses
// sending them lets go, never while one still uses them, never when the memory is shared; and the API frees the
// answers it replaces, so a dashboard asking after each new report leaves the event loop's heap no external memory
// to collect.
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test, vi } from "vitest";
import { AnswerBytes, freeBytes } from "../../server/api/answer-bytes.ts";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import { PolicyWorker } from "../../server/policy-worker/pool.ts";
import { openDb } from "../../server/store/db.ts";
import { api, startTestApp } from "../helpers/app.ts";

// Larger than half of Node's buffer pool (8 KB before Node 24, 64 KB since), so the copy has memory of its own, as
// an answer of a few megabytes does; a smaller one would be a pooled slice, which own() rightly never frees.
const answer = (n: number) =>
  Buffer.from(new TextEncoder().encode(JSON.stringify({ n, pad: "x".repeat(100_000) })));
const fakeResponse = () => new EventEmitter() as unknown as ServerResponse;

describe("AnswerBytes", () => {
  test("freed once, at the last drop, whoever held it (cache, responses in any order)", () => {
    const freed: ArrayBuffer[] = [];
    const bytes = new AnswerBytes((b) => freed.push(b));
    const a = bytes.own(answer(1));
    bytes.hold(a); // the cache
    const r1 = fakeResponse();
    const r2 = fakeResponse();
    bytes.sending(a, r1);
    bytes.sending(a, r2);
    bytes.drop(a); // the cache replaced it
    expect(freed).toEqual([]);
    r2.emit("close");
    expect(freed).toEqual([]);
    r1.emit("close");
    expect(freed).toEqual([a.buffer]);
    expect(bytes.counted).toBe(0);
    bytes.drop(a); // a stray drop frees nothing twice
    expect(freed).toHaveLength(1);
  });

  test("bytes it did not make, or that share Node's buffer pool, are never freed", () => {
    const freed: ArrayBuffer[] = [];
    const bytes = new AnswerBytes((b) => freed.push(b));
    const pooled = bytes.own(Buffer.from('{"small":true}')); // a slice of Node's shared buffer pool
    const foreign = answer(2); // not made through own()
    for (const b of [pooled, foreign]) {
      bytes.hold(b);
      const res = fakeResponse();
      bytes.sending(b, res);
      res.emit("close");
      bytes.drop(b);
    }
    expect(freed).toEqual([]);
    expect(pooled.toString()).toBe('{"small":true}');
    expect(bytes.counted).toBe(0);
  });

  test("an answer made but never held (its request failed) is left to the collector, not counted", () => {
    const bytes = new AnswerBytes(() => {
      throw new Error("must not free");
    });
    bytes.own(answer(3));
    expect(bytes.counted).toBe(0);
  });
});

describe("freeBytes", () => {
  test("hands the memory to the policy worker when one runs, else detaches it where it can", () => {
    const handed = new ArrayBuffer(4096);
    const toWorker = vi.fn(() => true);
    freeBytes(toWorker)(handed);
    expect(toWorker).toHaveBeenCalledWith(handed);
    expect(handed.byteLength).toBe(4096); // moved by the worker's postMessage, not here

    const kept = new ArrayBuffer(4096);
    freeBytes(() => false)(kept); // no worker
    const detaches = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function";
    expect(kept.byteLength).toBe(detaches ? 0 : 4096); // Node 21+: released at once
  });
});

test("memory that cannot be freed is left to the collector, never a throw (it runs in a response's 'close')", () => {
  const refuses = () => {
    throw new TypeError("cannot transfer");
  };
  const memory = new ArrayBuffer(16);
  // Where ArrayBuffer.prototype.transfer exists (Node 21+), this buffer's own refuses; elsewhere the hand-off does.
  Object.defineProperty(memory, "transfer", { value: refuses });
  expect(() => freeBytes(refuses)(memory)).not.toThrow();
});

describe("the policy cache tells which answers it holds", () => {
  test("held when stored, dropped when replaced or evicted", async () => {
    const db = await openDb(join(mkdtempSync(join(tmpdir(), "cinch-abytes-")), "cinch.db"), {
      synchronous: "NORMAL",
    });
    let generation = 0; // the writer's, bumped by each commit
    const writer = { generation: () => generation, watch: () => undefined };
    const cache = new PolicyCache(db.sql, writer, undefined, 2);
    const held: unknown[] = [];
    const dropped: unknown[] = [];
    cache.answerBytes = { hold: (a) => held.push(a), drop: (a) => dropped.push(a) };
    const now = Date.now();
    const a1 = await cache.answer("p", "k", now, async () => "a1");
    const again = await cache.answer("p", "k", now, async () => "not built: cached");
    expect(again).toBe("a1");
    generation++; // a commit: the next answer is built and replaces the first
    const a2 = await cache.answer("p", "k", now, async () => "a2");
    const b = await cache.answer("q", "k", now, async () => "b");
    const c = await cache.answer("r", "k", now, async () => "c"); // evicts p's (two entries at most)
    expect(held).toEqual([a1, a2, b, c]);
    expect(dropped).toEqual([a1, a2]);
    db.raw.close();
  });
});

describe("the API frees the answers it no longer holds", () => {
  let close = async () => {};
  afterAll(() => close());

  test("after each new report the suggestion is built again; every answer it replaced is freed, answers intact", async () => {
    const t = await startTestApp({ POLICY_WORKER_GROUPS: "0" }); // every build in the policy worker
    close = () => t.close();
    const { url } = t;
    const headers = t.auth;
    const project = (await (await api(t, "POST", "/api/projects", { name: "w" })).json()) as {
      id: string;
      reportKey: string;
    };
    // Every answer here comes from the policy worker, which runs: its memory goes back to it.
    const freed = vi.spyOn(PolicyWorker.prototype, "giveBack");
    try {
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) {
        const report = await fetch(`${url}/r/${project.reportKey}`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: JSON.stringify({
            "csp-report": {
              "document-uri": "https://site.example/",
              "effective-directive": "img-src",
              "blocked-uri": `https://h${i}.example/x.png`,
            },
          }),
        });
        expect(report.status).toBe(204);
        const res = await fetch(`${url}/api/projects/${project.id}/policy/suggestion`, { headers });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { suggestions: { id: string }[] };
        seen.push(...body.suggestions.map((s) => s.id));
        expect(body.suggestions.map((s) => s.id)).toContain(`img-src https://h${i}.example`);
        // A cached answer, sent again, is whole (the cache still holds it).
        const again = await fetch(`${url}/api/projects/${project.id}/policy/suggestion`, { headers });
        expect(await again.json()).toEqual(body);
      }
      // Each of the first five answers was replaced by the next one and freed once its response had closed; the
      // sixth is still cached.
      await vi.waitFor(() => expect(freed.mock.calls.length).toBeGreaterThanOrEqual(5));
    } finally {
      freed.mockRestore();
    }
  });
});
