// Pipelined ingest (#17): the overload generator (bench/pipelined-load.ts) writes many requests on one socket before
// any answer. Cinch must answer each of them, in order, and store exactly the reports of the ones answered 204; the
// generator must count answers and acknowledged reports exactly (it reads only status lines and Content-Length).
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runPipelined } from "../../bench/pipelined-load.ts";
import type { LoadRequest } from "../../bench/load.ts";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";

type Project = { id: string; reportKey: string };

const report = (i: number) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://a.example/",
      "effective-directive": "img-src",
      "blocked-uri": `https://img${i % 3}.example.net/a.png`,
    },
  });

const batch = (n: number) =>
  JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      type: "csp-violation",
      url: "https://a.example/",
      body: {
        documentURL: "https://a.example/",
        effectiveDirective: "script-src-elem",
        blockedURL: `https://cdn${i}.example.com/x.js`,
        disposition: "enforce",
      },
    })),
  );

/** One raw request; `body` as bytes so a gzip body goes as it is. */
function http(path: string, headers: Record<string, string>, body: Buffer): Buffer {
  const head = Object.entries({ Host: "127.0.0.1", ...headers, "Content-Length": String(body.length) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`), body]);
}

/** Write all requests in one write on one socket and read `n` answers (status + body), in the order they came. */
function pipeline(url: string, requests: Buffer[]): Promise<{ status: number; body: string }[]> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: Number(port) });
    let buf = Buffer.alloc(0);
    const answers: { status: number; body: string }[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${answers.length} of ${requests.length} answers after 10 s`));
    }, 10_000);
    socket.on("error", reject);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        const head = buf.toString("latin1", 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? "0");
        if (buf.length < end + 4 + length) return;
        answers.push({
          status: Number(head.slice(9, 12)),
          body: buf.toString("utf8", end + 4, end + 4 + length),
        });
        buf = buf.subarray(end + 4 + length);
        if (answers.length === requests.length) {
          clearTimeout(timer);
          socket.end();
          resolve(answers);
        }
      }
    });
    socket.write(Buffer.concat(requests));
  });
}

let t: TestApp;
let mixed: Project;
let limited: Project;
beforeAll(async () => {
  // Burst 20 per project and almost no refill: the limited project takes exactly 20 reports, then answers 429.
  t = await startTestApp({
    INGEST_RATE_PER_CLIENT: "1000000",
    INGEST_BURST_PER_CLIENT: "1000000",
    INGEST_RATE_PER_PROJECT: "0.001",
    INGEST_BURST_PER_PROJECT: "20",
  });
  mixed = (await (await api(t, "POST", "/api/projects", { name: "mixed" })).json()) as Project;
  limited = (await (await api(t, "POST", "/api/projects", { name: "limited" })).json()) as Project;
});
afterAll(async () => t.close());

const stored = async (projectId: string) =>
  Number(
    (
      await rows<{ n: number }>(
        t,
        `SELECT COALESCE(SUM(count), 0) AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
        projectId,
      )
    )[0]!.n,
  );

describe("Cinch with pipelined requests", () => {
  test("N requests on one socket get N answers, in order, and every 204's reports are stored", async () => {
    const path = `/r/${mixed.reportKey}`;
    const kinds = ["legacy", "malformed", "gzip", "type", "batch"] as const;
    const want: number[] = [];
    const requests: Buffer[] = [];
    let reports = 0;
    for (let i = 0; i < 15; i++) {
      const kind = kinds[i % kinds.length]!;
      if (kind === "legacy") {
        requests.push(http(path, { "Content-Type": "application/csp-report" }, Buffer.from(report(i))));
        want.push(204);
        reports += 1;
      } else if (kind === "malformed") {
        requests.push(http(path, { "Content-Type": "application/csp-report" }, Buffer.from("{not json")));
        want.push(400);
      } else if (kind === "gzip") {
        const body = gzipSync(report(i));
        requests.push(
          http(path, { "Content-Type": "application/csp-report", "Content-Encoding": "gzip" }, body),
        );
        want.push(204);
        reports += 1;
      } else if (kind === "type") {
        requests.push(http(path, { "Content-Type": "text/plain" }, Buffer.from(report(i))));
        want.push(415);
      } else {
        requests.push(http(path, { "Content-Type": "application/reports+json" }, Buffer.from(batch(3))));
        want.push(204);
        reports += 3;
      }
    }
    // 15 reports (3 legacy, 3 gzip, 3 batches of 3): within the project's burst of 20, so no 429 here.
    expect(reports).toBe(15);
    const before = await stored(mixed.id);
    const answers = await pipeline(t.url, requests);
    expect(answers.map((a) => a.status)).toEqual(want);
    expect(answers.filter((a) => a.status === 400)[0]!.body).toContain('"error"');
    expect((await stored(mixed.id)) - before).toBe(reports);
  });

  test("past the project's burst the rest of the pipeline is shed with 429, and exactly the 204s are stored", async () => {
    const path = `/r/${limited.reportKey}`;
    const requests = Array.from({ length: 60 }, (_, i) =>
      http(path, { "Content-Type": "application/csp-report" }, Buffer.from(report(i))),
    );
    const answers = await pipeline(t.url, requests);
    const statuses = answers.map((a) => a.status);
    expect(statuses).toHaveLength(60);
    expect(statuses.filter((s) => s === 204)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    expect(await stored(limited.id)).toBe(20);
  });
});

describe("the pipelined generator", () => {
  test("counts every answer and every acknowledged report exactly", async () => {
    const p = (await (await api(t, "POST", "/api/projects", { name: "generator" })).json()) as Project;
    const requests: LoadRequest[] = [
      { contentType: "application/csp-report", userAgent: "test", body: report(1), reports: 1 },
      { contentType: "application/reports+json", userAgent: "test", body: batch(2), reports: 2 },
      { contentType: "application/csp-report", userAgent: "test", body: "{not json", reports: 1 },
    ];
    const res = await runPipelined({
      url: t.url,
      path: `/r/${p.reportKey}`,
      requests,
      connections: 3,
      rate: 60,
      durationSec: 0.5,
      depth: 4,
    });
    // 30 requests due, all sent and answered: the 20-report burst takes the first ~13 valid ones, then 429s.
    expect(res.askedTotal).toBe(30);
    expect(res.sent).toBe(30);
    expect(res.answered).toBe(30);
    expect(res.errors).toBe(0);
    expect(res.timeouts).toBe(0);
    const total = Object.values(res.statuses).reduce((a, b) => a + b, 0);
    expect(total).toBe(30);
    expect(res.statuses["204"]).toBeGreaterThan(0);
    expect(res.statuses["400"]).toBeGreaterThan(0);
    expect(res.statuses["429"]).toBeGreaterThan(0);
    expect(res.ackedReports).toBe(await stored(p.id));
    expect(res.ackedReports).toBeLessThanOrEqual(20);
    expect(res.generatorCpuUsPerRequest).toBeGreaterThan(0);
  });
});
