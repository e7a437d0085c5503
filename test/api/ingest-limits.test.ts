// Ingest rate limits count reports, not requests (#11 item 4): one token per report, a batch larger than the burst
// refused whole, rejections counted in reports in the project's stats.
import { afterEach, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const entry = (i: number) => ({
  type: "csp-violation",
  url: "https://a.example/",
  body: { effectiveDirective: "img-src", blockedURL: `https://img${i}.example/x.png` },
});

async function setup(env: Record<string, string>) {
  t = await startTestApp(env);
  const app = t;
  const p = (await (await api(app, "POST", "/api/projects", { name: "x" })).json()) as {
    id: string;
    reportKey: string;
  };
  const send = (n: number) =>
    fetch(`${app.url}/r/${p.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/reports+json" },
      body: JSON.stringify(Array.from({ length: n }, (_, i) => entry(i))),
    });
  const totals = async () => {
    await new Promise((r) => setTimeout(r, 20));
    const res = await api(app, "GET", `/api/projects/${p.id}/stats`);
    return ((await res.json()) as { totals: Record<string, number> }).totals;
  };
  return { send, totals };
}

type Row = {
  name: string;
  env: Record<string, string>;
  batches: number[];
  statuses: number[];
  totals: Record<string, number>;
  message: string;
};

describe("rate limits take one token per report", () => {
  test.each<Row>([
    {
      name: "per client: batches drain the burst report by report",
      env: { INGEST_RATE_PER_CLIENT: "0.001", INGEST_BURST_PER_CLIENT: "10" },
      batches: [4, 4, 4, 2],
      statuses: [204, 204, 429, 204],
      totals: { accepted: 10, "rejected:rate_limited": 4 },
      message: "too many reports from this client",
    },
    {
      name: "per project",
      env: { INGEST_RATE_PER_PROJECT: "0.001", INGEST_BURST_PER_PROJECT: "5" },
      batches: [3, 3, 2],
      statuses: [204, 429, 204],
      totals: { accepted: 5, "rejected:rate_limited": 3 },
      message: "too many reports for this project",
    },
    {
      name: "an empty batch still costs a token",
      env: { INGEST_RATE_PER_CLIENT: "0.001", INGEST_BURST_PER_CLIENT: "2" },
      batches: [0, 0, 1],
      statuses: [204, 204, 429],
      totals: { "rejected:rate_limited": 1 },
      message: "too many reports from this client",
    },
  ])("$name", async ({ env, batches, statuses, totals: want, message }) => {
    const { send, totals } = await setup(env);
    const got: number[] = [];
    const bodies: unknown[] = [];
    for (const n of batches) {
      const res = await send(n);
      got.push(res.status);
      if (res.status === 429) bodies.push(await res.json());
    }
    expect(got).toEqual(statuses);
    expect(bodies).toEqual([{ error: "rate_limited", message }]);
    expect(await totals()).toMatchObject(want);
  });

  test("a batch larger than the burst is refused whole with 413, counted in reports", async () => {
    const { send, totals } = await setup({ INGEST_RATE_PER_CLIENT: "1000", INGEST_BURST_PER_CLIENT: "5" });
    const res = await send(6);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: "too_many_reports",
      message: "batch has 6 reports; the rate limit's burst is 5",
    });
    expect((await send(5)).status).toBe(204);
    const counts = await totals();
    expect(counts).toMatchObject({ accepted: 5, "rejected:rate_limited": 6 });
  });

  test("a refusal by the project bucket takes nothing from the client's", async () => {
    const { send } = await setup({
      INGEST_RATE_PER_CLIENT: "0.001",
      INGEST_BURST_PER_CLIENT: "6",
      INGEST_RATE_PER_PROJECT: "0.001",
      INGEST_BURST_PER_PROJECT: "4",
    });
    expect([(await send(3)).status, (await send(3)).status, (await send(1)).status]).toEqual([204, 429, 204]);
  });
});
