// Ingest protection: per-client and per-project token buckets, daily cap, sampling, queue bound.
import { afterEach, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const report = JSON.stringify({
  "csp-report": {
    "document-uri": "https://a.example/",
    "effective-directive": "img-src",
    "blocked-uri": "https://img.example/x.png",
  },
});

async function setup(env: Record<string, string>, settings?: Record<string, unknown>) {
  t = await startTestApp(env);
  const p = (await (await api(t, "POST", "/api/projects", { name: "x" })).json()) as {
    id: string;
    reportKey: string;
  };
  if (settings) expect((await api(t, "PATCH", `/api/projects/${p.id}`, { settings })).status).toBe(200);
  const send = (headers: Record<string, string> = {}) =>
    fetch(`${t!.url}/r/${p.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report", ...headers },
      body: report,
    });
  return { p, send, app: t };
}

async function totals(app: TestApp, id: string) {
  return (
    (await (await api(app, "GET", `/api/projects/${id}/stats`)).json()) as { totals: Record<string, number> }
  ).totals;
}

describe("ingest limits", () => {
  test("per-client bucket: burst then 429 with Retry-After; the rejection is counted", async () => {
    const { p, send, app } = await setup({ INGEST_RATE_PER_CLIENT: "1", INGEST_BURST_PER_CLIENT: "3" });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send()).status);
    expect(statuses).toEqual([204, 204, 204, 429, 429]);
    const res = await send();
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toEqual({ error: "rate_limited", message: "too many reports from this client" });
    await app.deps.writer.drain(); // counters are written with the next commit
    expect(await totals(app, p.id)).toMatchObject({ accepted: 3, "rejected:rate_limited": 3 });
  });

  test("clients are told apart (behind a trusted proxy, by X-Forwarded-For)", async () => {
    const { send } = await setup({
      INGEST_RATE_PER_CLIENT: "1",
      INGEST_BURST_PER_CLIENT: "1",
      TRUST_PROXY: "true",
    });
    expect((await send({ "X-Forwarded-For": "203.0.113.1" })).status).toBe(204);
    expect((await send({ "X-Forwarded-For": "203.0.113.1" })).status).toBe(429);
    expect((await send({ "X-Forwarded-For": "203.0.113.2" })).status).toBe(204);
  });

  test("per-project bucket", async () => {
    const { send } = await setup({ INGEST_RATE_PER_PROJECT: "1", INGEST_BURST_PER_PROJECT: "2" });
    expect([(await send()).status, (await send()).status, (await send()).status]).toEqual([204, 204, 429]);
  });

  test("daily cap: 429 daily_cap once reached, counted", async () => {
    const { p, send, app } = await setup({}, { dailyCap: 2 });
    expect([(await send()).status, (await send()).status]).toEqual([204, 204]);
    const res = await send();
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: string }).error).toBe("daily_cap");
    await app.deps.writer.drain(); // counters are written with the next commit
    expect(await totals(app, p.id)).toMatchObject({ accepted: 2, "rejected:daily_cap": 1 });
  });

  test("sampling: a tiny rate stores few and counts the rest as sampled", async () => {
    const { p, send, app } = await setup({}, { sampleRate: 0.0001 });
    for (let i = 0; i < 20; i++) expect((await send()).status).toBe(204);
    await app.deps.writer.drain(); // counters are written with the next commit
    const c = await totals(app, p.id);
    expect((c.accepted ?? 0) + (c.sampled ?? 0)).toBe(20);
    expect(c.sampled).toBeGreaterThanOrEqual(18);
  });

  test("allowed origins: reports from other sites are rejected and counted", async () => {
    const { p, send, app } = await setup({}, { allowedOrigins: ["https://b.example"] });
    expect((await send()).status).toBe(204);
    await app.deps.writer.drain(); // counters are written with the next commit
    expect(await totals(app, p.id)).toEqual({ "rejected:foreign_origin": 1 });
  });

  test("a full write queue answers 503 with Retry-After and loses nothing accepted", async () => {
    const { p, send, app } = await setup({ WRITE_QUEUE_MAX: "1", WRITE_FLUSH_MS: "200" });
    const all = await Promise.all([send(), send(), send()]);
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 503, 503]);
    const busy = all.find((r) => r.status === 503)!;
    expect(busy.headers.get("retry-after")).toBe("1");
    const list = (await (await api(app, "GET", `/api/projects/${p.id}/violations`)).json()) as {
      totals: { reports: number };
    };
    expect(list.totals.reports).toBe(1);
  });
});
