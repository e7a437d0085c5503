// The policy worker thread (server/policy-worker/): its builds and previews are exactly the in-process ones over a
// fresh read of the database, after every commit (the groups it holds are patched from the writer's changes, not
// sent again); a worker that crashes or hangs fails its request with a clear error, and the next request works.
// The database is the engine CINCH_TEST_ENGINE selects (on PostgreSQL the node's own commits patch the groups too).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, test } from "vitest";
import type { Db } from "../../server/store/db.ts";
import { policyDb } from "../helpers/policy-db.ts";
import { policyGroups, samplesOf } from "../../server/store/policy-groups.ts";
import { answerJson, sampleNeeds, type AnswerContext } from "../../server/api/build-answer.ts";
import { EVIDENCE_SAMPLES } from "../../server/api/present-policy.ts";
import { PolicyCache } from "../../server/api/policy-cache.ts";
import { PolicyWorker, PolicyWorkerUnavailable } from "../../server/policy-worker/pool.ts";
import { BOOST_MS } from "../../server/policy-worker/priority.ts";
import type { BuildJob } from "../../server/policy-worker/protocol.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { previewImpact } from "../../server/policy/preview.ts";
import type { BuildInput } from "../../server/policy/build-types.ts";
import type { NoiseReason, Violation } from "../../server/reports/types.ts";
import { createApp } from "../../server/app.ts";
import { closeDeps, createDeps } from "../../server/bootstrap.ts";
import { loadConfig } from "../../server/config.ts";
import { prng } from "../../bench/workload.ts";

const DAY_MS = 86_400_000;
const FAULTY = new URL("../helpers/faulty-policy-worker.ts", import.meta.url);
const POLICIES = [
  "default-src 'self'; img-src 'self' https://a.example; script-src 'self' https://ajax.googleapis.com/x0.js",
  "script-src 'strict-dynamic' 'nonce-x'; object-src 'none', img-src *",
];
const INPUT: Omit<BuildInput, "groups"> = {
  base: "default-src 'self'; script-src 'self' https://gone.example; object-src 'none'",
  reportUri: "https://cinch.example/r/k",
  hashVersions: { "'sha256-abc='": 1 },
  enforcedVersion: 2,
};

async function fixture(seed: number) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { db, writer, close } = await policyDb(["p"]);
  const cache = new PolicyCache(db.sql, writer, db.otherNodes);
  const hosts = [
    "https://a.example",
    "https://b.example",
    "https://x.sub.example",
    "https://y.sub.example",
    "https://z.sub.example",
    "https://ajax.googleapis.com",
    "inline",
    "eval",
  ];
  const violation = (): Violation => {
    const blocked = pick(hosts);
    return {
      directive: pick(["script-src-elem", "img-src", "connect-src", "style-src-elem"]),
      blocked: blocked.startsWith("https") ? `${blocked}/x${Math.floor(rnd() * 3)}.js` : blocked,
      blockedKey: blocked,
      documentUrl: `https://site.example/${pick(["a", "b", "c", "d"])}`,
      disposition: pick(["enforce", "report"] as const),
      sourceFile: "",
      line: null,
      column: null,
      sample: blocked === "inline" ? pick(["a()", "b()", "window.c=1;"]) : "",
      statusCode: 200,
      browser: "Chrome 131",
      noise: pick<NoiseReason | null>([null, null, null, "extension"]),
    };
  };
  const now = Date.now();
  const commit = async () => {
    const pending: Promise<void>[] = [];
    for (let r = 0; r < 1 + Math.floor(rnd() * 12); r++) {
      const at = rnd() < 0.7 ? now - Math.floor(rnd() * 3_600_000) : now - Math.floor(rnd() * 9 * DAY_MS);
      pending.push(
        writer.enqueue("p", [violation(), violation()], { policyVersion: pick([null, 1, 2]), env: "" }, at),
      );
    }
    writer.flushNow();
    await Promise.all(pending);
  };
  return { db, writer, cache, now, commit, close };
}

/** The answer's base and pages (as the API passes them). */
const answerOf = (offset: number, limit: number, decisionLimit = 200): AnswerContext => ({
  base: INPUT.base!,
  baseVersion: null,
  offset,
  limit,
  decisionOffset: 0,
  decisionLimit,
});

/** What the API would answer building in process from a fresh read of the database, samples included. */
async function freshAnswer(
  db: Db,
  now: number,
  answer: AnswerContext,
  shown = new Map<number, number>(),
): Promise<unknown> {
  const groups = await policyGroups(db.sql, "p", {
    now,
    recentDays: 7,
    versions: "inline",
    samplesPerGroup: 0,
  });
  const built = buildPolicy({ ...INPUT, groups });
  const needs = sampleNeeds(built, answer);
  // The count each group had when an answer last showed its samples.
  for (const id of needs) shown.set(id, groups.find((g) => g.id === id)!.count);
  const rings = await samplesOf(db.sql, needs, EVIDENCE_SAMPLES);
  return JSON.parse(answerJson(built, answer, rings));
}

const parsed = (json: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(json));

describe("the worker's answers are the in-process answers", () => {
  test.each([1, 2])("after every commit, patched from the writer's changes (seed %i)", async (seed) => {
    const { db, cache, now, commit, close } = await fixture(seed);
    const worker = new PolicyWorker({ timeoutMs: 60_000 });
    // The samples the worker asked for, per build; the groups earlier answers showed; what was read again or kept.
    const asked: number[][] = [];
    const shown = new Map<number, number>();
    let reread = 0;
    let kept = 0;
    const readSamples = (ids: number[]) => {
      asked.push(ids);
      return samplesOf(db.sql, ids, EVIDENCE_SAMPLES);
    };
    try {
      for (let batch = 0; batch < 12; batch++) {
        asked.length = 0;
        await commit();
        const entry = await cache.entryFor("p", now);
        const answer = batch % 3 === 2 ? answerOf(2, 3, 1) : answerOf(0, 1000);
        const json = await worker.build(
          entry,
          { kind: "build", input: INPUT, blocked: [], extra: [], answer },
          readSamples,
        );
        const shownBefore = new Map(shown);
        expect(parsed(json)).toEqual(await freshAnswer(db, now, answer, shown));
        // Its memory goes back to the worker, as the API does: the next answers are encoded into it.
        expect(worker.giveBack(json.buffer as ArrayBuffer)).toBe(true);
        // Read again: only groups with reports since an answer last showed them, and groups never shown.
        const count = new Map(entry.rows.map((r) => [r.id, r.count]));
        for (const id of asked.flat()) expect(shownBefore.get(id)).not.toBe(count.get(id));
        kept += [...shown.keys()].filter((id) => shownBefore.get(id) === count.get(id)).length;
        reread += asked.flat().filter((id) => shownBefore.has(id)).length;
        const policy = POLICIES[batch % POLICIES.length]!;
        const opts = { now, windowDays: 7, listLimit: 500 };
        const fresh = await policyGroups(db.sql, "p", { now, recentDays: 7, samplesPerGroup: 0 });
        expect(await worker.run(entry, { kind: "preview", policy, opts, extra: [] })).toEqual(
          previewImpact(policy, fresh, opts),
        );
      }
      expect(kept).toBeGreaterThan(4 * reread);
      // The groups went over once and were patched since (one sync per request after the first).
      expect((await cache.entryFor("p", now)).synced?.seq).toBe(24);
    } finally {
      worker.close();
      await close();
    }
  });
});

const SCHED_IDLE = 5;
const hasChrt = spawnSync("chrt", ["--version"], { stdio: "ignore" }).status === 0;

/** This process's threads: /proc/<pid>/task/<tid>/stat after the command's ")" starts at field 3 (state); nice is
 *  field 19, the scheduling policy field 41. */
function threadsNow(): { tid: number; nice: number; policy: number }[] {
  return readdirSync(`/proc/${process.pid}/task`).flatMap((t) => {
    try {
      const stat = readFileSync(`/proc/${process.pid}/task/${t}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return [{ tid: Number(t), nice: Number(f[16]), policy: Number(f[38]) }];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

describe("the worker thread's priority", () => {
  test.runIf(process.platform === "linux")(
    "runs under SCHED_IDLE (nice 10 without chrt): ingest wins the CPU when both want it",
    async () => {
      const { cache, now, commit, close } = await fixture(7);
      const worker = new PolicyWorker({ timeoutMs: 60_000 });
      try {
        await commit();
        await worker.run(await cache.entryFor("p", now), {
          kind: "preview",
          policy: POLICIES[0]!,
          opts: { now },
          extra: [],
        });
        const threads = threadsNow();
        const main = threads.find((t) => t.tid === process.pid)!;
        // This thread (the main one) keeps its priority and policy (SCHED_OTHER, 0).
        expect(main).toMatchObject({ nice: 0, policy: 0 });
        if (hasChrt) expect(threads.filter((t) => t.policy === SCHED_IDLE).length).toBeGreaterThanOrEqual(1);
        else expect(threads.filter((t) => t.nice === 10).length).toBeGreaterThanOrEqual(1);
      } finally {
        worker.close();
        await close();
      }
    },
  );

  test.runIf(process.platform === "linux" && hasChrt)(
    "a build still running after a second goes on at nice 10, and the thread is idle again after it",
    async () => {
      const { cache, now, commit, close } = await fixture(7);
      const worker = new PolicyWorker({ timeoutMs: 60_000, entry: FAULTY });
      const preview = (policy: string) => ({ kind: "preview" as const, policy, opts: { now }, extra: [] });
      try {
        await commit();
        const entry = await cache.entryFor("p", now);
        const before = new Set(
          threadsNow()
            .filter((t) => t.policy === SCHED_IDLE)
            .map((t) => t.tid),
        );
        await worker.run(entry, preview(POLICIES[0]!));
        const idle = threadsNow().filter((t) => t.policy === SCHED_IDLE && !before.has(t.tid));
        expect(idle).toHaveLength(1); // the worker's thread
        const tid = idle[0]!.tid;
        const of = () => threadsNow().find((t) => t.tid === tid);
        // A short build is never lifted.
        await worker.settled();
        expect(of()).toMatchObject({ policy: SCHED_IDLE });
        // The slow one (3 s of CPU in the worker) is, once it has run BOOST_MS.
        const slow = worker.run(entry, preview(`${POLICIES[0]!} https://slow.invalid`));
        await new Promise((r) => setTimeout(r, BOOST_MS + 400));
        await worker.settled();
        expect(of()).toMatchObject({ policy: 0, nice: 10 });
        await slow;
        await worker.settled();
        expect(of()).toMatchObject({ policy: SCHED_IDLE });
      } finally {
        worker.close();
        await close();
      }
    },
  );
});

describe("many builds at once", () => {
  test("more builds waiting for samples than the worker holds: each is made again and answers", async () => {
    const { db, cache, now, commit, close } = await fixture(6);
    const worker = new PolicyWorker({ timeoutMs: 60_000 });
    // Samples come late: every build has asked for its samples before the first gets them.
    let asked = 0;
    const readSamples = async (ids: number[]) => {
      asked++;
      await new Promise((r) => setTimeout(r, 300));
      return samplesOf(db.sql, ids, EVIDENCE_SAMPLES);
    };
    try {
      await commit();
      const entry = await cache.entryFor("p", now);
      const answers = Array.from({ length: 30 }, (_, i) => answerOf(i % 6, 1 + (i % 5)));
      const built = await Promise.all(
        answers.map((answer) =>
          worker.build(entry, { kind: "build", input: INPUT, blocked: [], extra: [], answer }, readSamples),
        ),
      );
      for (let i = 0; i < answers.length; i++)
        expect(parsed(built[i]!)).toEqual(await freshAnswer(db, now, answers[i]!));
      // More than the 8 builds the worker holds waited for their samples at once.
      expect(asked).toBeGreaterThan(8);
    } finally {
      worker.close();
      await close();
    }
  });
});

describe("a set read again (each hour; after another node's commit on PostgreSQL)", () => {
  test("unchanged rows are carried over and the worker is patched, not sent the set again; answers equal", async () => {
    const { db, cache, now, commit, close } = await fixture(5);
    const worker = new PolicyWorker({ timeoutMs: 60_000 });
    const readSamples = (ids: number[]) => samplesOf(db.sql, ids, EVIDENCE_SAMPLES);
    try {
      await commit();
      const first = await cache.entryFor("p", now);
      const serial = first.serial;
      for (let hour = 1; hour <= 4; hour++) {
        await commit();
        const before = new Map(first.rows.map((r) => [r.id, r]));
        // An hour later the recent window moved: the set is read again.
        const at = now + hour * 3_600_000;
        const entry = await cache.entryFor("p", at);
        expect(entry.serial).toBe(serial);
        const fresh = await policyGroups(db.sql, "p", {
          now: at,
          recentDays: 7,
          versions: "inline",
          samplesPerGroup: 0,
        });
        expect(entry.rows).toEqual(fresh);
        // A row equal to the one held is the same object (the builds' memo is keyed on it).
        const kept = entry.rows.filter((r) => before.get(r.id) === r).length;
        expect(kept).toBeGreaterThan(0);
        for (const r of entry.rows) if (before.get(r.id) !== r) expect(r).not.toEqual(before.get(r.id));
        const answer = answerOf(0, 1000);
        const job: BuildJob = { kind: "build", input: INPUT, blocked: [], extra: [], answer };
        const json = await worker.build(entry, job, readSamples);
        const groups = fresh;
        const built = buildPolicy({ ...INPUT, groups });
        const rings = await samplesOf(db.sql, sampleNeeds(built, answer), EVIDENCE_SAMPLES);
        expect(parsed(json)).toEqual(JSON.parse(answerJson(built, answer, rings)));
      }
      // One whole set, then patches only.
      expect(first.synced?.seq).toBe(4);
    } finally {
      worker.close();
      await close();
    }
  });
});

describe("a failing worker", () => {
  test("a crash fails its request with PolicyWorkerUnavailable; the next request gets a new worker", async () => {
    const { db, cache, now, commit, close } = await fixture(3);
    const worker = new PolicyWorker({ timeoutMs: 60_000, entry: FAULTY });
    try {
      await commit();
      const entry = await cache.entryFor("p", now);
      const opts = { now };
      await expect(
        worker.run(entry, { kind: "preview", policy: "img-src https://crash.invalid", opts, extra: [] }),
      ).rejects.toThrow(PolicyWorkerUnavailable);
      await commit();
      const again = await cache.entryFor("p", now);
      const json = await worker.build(
        again,
        { kind: "build", input: INPUT, blocked: [], extra: [], answer: answerOf(0, 1000) },
        (ids) => samplesOf(db.sql, ids, EVIDENCE_SAMPLES),
      );
      expect(parsed(json)).toEqual(await freshAnswer(db, now, answerOf(0, 1000)));
    } finally {
      worker.close();
      await close();
    }
  });

  test("a worker that does not answer in time is terminated; its request fails, the next one works", async () => {
    const { db, cache, now, commit, close } = await fixture(4);
    const worker = new PolicyWorker({ timeoutMs: 1_500, entry: FAULTY });
    try {
      await commit();
      const entry = await cache.entryFor("p", now);
      const started = performance.now();
      await expect(
        worker.run(entry, {
          kind: "preview",
          policy: "img-src https://hang.invalid",
          opts: { now },
          extra: [],
        }),
      ).rejects.toThrow(/did not answer within 1500 ms/);
      expect(performance.now() - started).toBeLessThan(10_000);
      // The same pool starts a new worker (a request's timeout counts from when the worker is ready).
      const preview = await worker.run(entry, {
        kind: "preview",
        policy: POLICIES[0]!,
        opts: { now },
        extra: [],
      });
      const fresh = await policyGroups(db.sql, "p", { now, recentDays: 7, samplesPerGroup: 0 });
      expect(preview).toEqual(previewImpact(POLICIES[0]!, fresh, { now }));
    } finally {
      worker.close();
      await close();
    }
  });
});

describe("the API over a failing worker", () => {
  let close = async () => {};
  afterAll(() => close());

  test("503 policy_worker_unavailable (no internals), then the next preview and suggestion answer 200", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cinch-pworker-api-"));
    const config = loadConfig({
      DATA_DIR: dir,
      PORT: "0",
      SQLITE_SYNCHRONOUS: "NORMAL",
      PUBLIC_URL: "http://127.0.0.1:8787",
      WRITE_FLUSH_MS: "2",
      POLICY_WORKER_GROUPS: "0",
    });
    const deps = await createDeps(config, pino({ level: "silent" }));
    const app = createApp(deps, { webDist: join(dir, "no-dist"), policyWorkerEntry: FAULTY });
    const srv = createServer(app.koa.callback());
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    close = async () => {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
      await closeDeps(deps);
    };
    const addr = srv.address();
    const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    const { token } = await deps.tokens.create("t", "admin");
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const project = (await (
      await fetch(`${url}/api/projects`, { method: "POST", headers, body: JSON.stringify({ name: "w" }) })
    ).json()) as { id: string; reportKey: string };
    const report = await fetch(`${url}/r/${project.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "https://site.example/",
          "effective-directive": "img-src",
          "blocked-uri": "https://a.example/x.png",
        },
      }),
    });
    expect(report.status).toBe(204);
    const preview = (policy: string) =>
      fetch(`${url}/api/projects/${project.id}/policy/preview`, {
        method: "POST",
        headers,
        body: JSON.stringify({ policy }),
      });
    const failed = await preview("img-src https://crash.invalid");
    expect(failed.status).toBe(503);
    const body = (await failed.json()) as { error: string; message: string };
    expect(body).toEqual({
      error: "policy_worker_unavailable",
      message: "the policy builder did not finish this request; it has been restarted, try again",
    });
    const ok = await preview("img-src 'self'");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { blocked: { groups: number } }).blocked.groups).toBe(1);
    const suggestion = await fetch(`${url}/api/projects/${project.id}/policy/suggestion`, { headers });
    expect(suggestion.status).toBe(200);
    const s = (await suggestion.json()) as { suggestions: { id: string }[]; suggestionCount: number };
    expect(s.suggestions.map((x) => x.id)).toContain("img-src https://a.example");
    expect(s.suggestionCount).toBe(s.suggestions.length);
  });
});
