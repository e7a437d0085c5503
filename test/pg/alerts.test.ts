// Alerts on two nodes sharing one PostgreSQL database (#14): reports of new groups posted to both nodes at once,
// some groups shared, raise one alert per group, each delivered once (deliveries are claimed with a conditional
// UPDATE); the triage filter's SQL runs on PostgreSQL.
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";
import { startReceiver, waitFor, type Receiver } from "../alerts/helpers.ts";
import type { AlertWebhookPayload, ViolationsDto } from "../../server/contract.ts";

const skip = await skipUnlessPg("test/pg/alerts.test.ts");

let db: TestPgDb;
let a: TestApp;
let b: TestApp;
let rx: Receiver;
let project: { id: string; reportKey: string };

beforeAll(async () => {
  if (skip) return;
  db = await createPgDb();
  rx = await startReceiver();
  const env = {
    DATABASE_URL: db.url,
    PG_POOL_SIZE: "4",
    INGEST_RATE_PER_CLIENT: "100000",
    INGEST_BURST_PER_CLIENT: "100000",
    ALERT_ALLOW_PRIVATE_DESTINATIONS: "true",
    ALERT_POLL_MS: "50",
  };
  a = await startTestApp(env);
  b = await startTestApp(env);
  project = (await (await api(a, "POST", "/api/projects", { name: "alerts-pg" })).json()) as typeof project;
  const ch = (await (
    await api(a, "POST", "/api/alert-channels", { name: "hook", kind: "webhook", url: rx.url })
  ).json()) as { id: string };
  expect(
    (await api(a, "POST", `/api/projects/${project.id}/alerts`, { kind: "new-group", channels: [ch.id] }))
      .status,
  ).toBe(201);
  await b.deps.alerts.changed(); // B would learn the rule on its next tick
});

afterAll(async () => {
  if (skip) return;
  await a.close();
  await b.close();
  await rx.close();
  await db.drop();
});

const post = (node: TestApp, blocked: string) =>
  fetch(`${node.url}/r/${project.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body: JSON.stringify({
      "csp-report": {
        "document-uri": "https://shop.example/",
        "effective-directive": "script-src-elem",
        "blocked-uri": blocked,
      },
    }),
  });

test.skipIf(skip)("two nodes: one alert per new group, each delivered once", async () => {
  const hosts = Array.from({ length: 12 }, (_, i) => `https://g${i}.example/x.js`);
  const sends = hosts.flatMap((h, i) => (i < 6 ? [post(a, h), post(b, h)] : [post(i % 2 ? a : b, h)]));
  for (const r of await Promise.all(sends)) expect(r.status).toBe(204);
  await waitFor(() => rx.received.length >= 12 && true, 10_000);
  for (const n of [a, b]) await n.deps.alerts.engine.idle();
  await Promise.all([a.deps.alerts.dispatcher.settle(), b.deps.alerts.dispatcher.settle()]);
  await new Promise((r) => setTimeout(r, 300));
  const blocked = rx.received.map((r) => (JSON.parse(r.body) as AlertWebhookPayload).group!.blocked).sort();
  expect(blocked).toEqual(hosts.map((h) => new URL(h).origin).sort());
  expect(new Set(rx.received.map((r) => r.headers["x-cinch-delivery"])).size).toBe(12);
});

test.skipIf(skip)("the triage filter on PostgreSQL", async () => {
  const list = async (q: string) =>
    (await (await api(b, "GET", `/api/projects/${project.id}/violations${q}`)).json()) as ViolationsDto;
  const g = (await list("")).groups[0]!;
  expect(
    (await api(a, "POST", `/api/projects/${project.id}/violations/${g.id}/triage`, { state: "muted" }))
      .status,
  ).toBe(200);
  expect((await list("?triage=muted")).groups.map((x) => x.id)).toEqual([g.id]);
  expect((await list("?triage=open")).groups.map((x) => x.id)).not.toContain(g.id);
  expect((await list("")).groups.find((x) => x.id === g.id)!.triage).toBe("muted");
});
