// /healthz and /metrics.
import { afterEach, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

test("healthz checks the database", async () => {
  t = await startTestApp();
  const res = await fetch(`${t.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: "ok", queueDepth: 0 });
});

test("metrics count reports by outcome and expose queue and commit metrics", async () => {
  t = await startTestApp();
  const p = (await (
    await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: '{"name":"m"}',
    })
  ).json()) as { reportKey: string };
  const body = JSON.stringify({
    "csp-report": {
      "document-uri": "https://a.example/",
      "effective-directive": "img-src",
      "blocked-uri": "data:",
    },
  });
  for (let i = 0; i < 3; i++) {
    await fetch(`${t.url}/r/${p.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body,
    });
  }
  await fetch(`${t.url}/r/${p.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "text/plain" },
    body: "x",
  });
  const text = await (await fetch(`${t.url}/metrics`)).text();
  expect(text).toContain('cinch_reports_total{outcome="accepted"} 3');
  expect(text).toContain('cinch_ingest_rejected_total{reason="unsupported_media_type"} 1');
  expect(text).toContain("cinch_write_queue_depth 0");
  expect(text).toMatch(/cinch_commit_duration_seconds_count \d+/);
  expect(text).toMatch(/cinch_ingest_batch_size_count 3/);
  expect(text).toMatch(/cinch_http_request_duration_seconds_count\{route="\/r\/:reportKey",status="204"\} 3/);
});

test("METRICS_TOKEN protects /metrics", async () => {
  t = await startTestApp({ METRICS_TOKEN: "m".repeat(32) });
  expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
  expect((await fetch(`${t.url}/metrics`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  expect(
    (await fetch(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${"m".repeat(32)}` } })).status,
  ).toBe(200);
});
