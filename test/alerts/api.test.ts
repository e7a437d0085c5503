// The alerts API (#14): bad input refused with the field named, defaults that make a bare rule useful, a webhook's
// secret shown once, rules patched and deleted, the triage filter on the violations list, scopes, and private
// destinations refused without ALERT_ALLOW_PRIVATE_DESTINATIONS (at creation, and again at delivery).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { project, report, rule, startReceiver, waitFor, type Receiver } from "./helpers.ts";
import type { AlertDeliveriesDto, AlertRuleDto, ViolationsDto } from "../../server/contract.ts";

describe("alerts API", () => {
  let t: TestApp;
  let rx: Receiver;
  let pid: string;
  let key: string;
  let channel: string;
  beforeAll(async () => {
    t = await startTestApp({ ALERT_POLL_MS: "50", ALERT_RETRY_BASE_MS: "100" });
    rx = await startReceiver();
    ({ id: pid, reportKey: key } = await project(t));
    // The test's receiver is on loopback, which this app refuses: the channel is stored as an admin would have on
    // a public address, to see the refusal at delivery too.
    channel = (
      await t.deps.alerts.config.createChannel({
        name: "loopback",
        kind: "webhook",
        url: rx.url,
        to: [],
        secret: "s".repeat(32),
      })
    ).id;
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  test.each([
    { body: {}, error: "invalid_input", message: "name" },
    { body: { name: "x", kind: "pager" }, error: "invalid_input", message: "kind" },
    {
      body: { name: "x", kind: "webhook" },
      error: "invalid_input",
      message: "url: a webhook channel needs a url",
    },
    {
      body: { name: "x", kind: "webhook", url: "ftp://a.example/" },
      error: "invalid_input",
      message: "url: must be an http:// or https:// URL",
    },
    {
      body: { name: "x", kind: "webhook", url: "https://u:p@a.example/" },
      error: "invalid_input",
      message: "url: must not carry credentials",
    },
    {
      body: { name: "x", kind: "webhook", url: "http://127.0.0.1:9/h" },
      error: "destination_refused",
      message:
        "url: 127.0.0.1 resolves to 127.0.0.1, a private, loopback or link-local address (ALERT_ALLOW_PRIVATE_DESTINATIONS=true allows it)",
    },
    {
      body: { name: "x", kind: "slack", url: "http://169.254.169.254/latest" },
      error: "destination_refused",
      message: "169.254.169.254",
    },
    {
      body: { name: "x", kind: "webhook", url: "http://[::1]/h" },
      error: "destination_refused",
      message: "::1",
    },
    {
      body: { name: "x", kind: "webhook", url: "http://10.1.2.3/h" },
      error: "destination_refused",
      message: "10.1.2.3",
    },
    {
      body: { name: "x", kind: "email", to: ["a@b.example"] },
      error: "smtp_not_configured",
      message: "SMTP_URL",
    },
    { body: { name: "x", kind: "email" }, error: "invalid_input", message: "to" },
    {
      body: { name: "x", kind: "slack", url: "https://hooks.example/x", secret: "0123456789abcdef0" },
      error: "invalid_input",
      message: "secret: only webhook channels are signed",
    },
    {
      body: { name: "x", kind: "webhook", url: "https://a.example/", extra: 1 },
      error: "invalid_input",
      message: "extra",
    },
  ])("POST /api/alert-channels refuses $body", async ({ body, error, message }) => {
    const res = await api(t, "POST", "/api/alert-channels", body);
    expect(res.status).toBe(400);
    const b = (await res.json()) as { error: string; message: string };
    expect(b.error).toBe(error);
    expect(b.message).toContain(message);
  });

  test.each([
    { body: { kind: "new-group" }, message: "channels" },
    { body: { kind: "nope", channels: ["x"] }, message: "kind" },
    { body: { kind: "new-group", channels: [] }, message: "channels: must name at least one channel" },
    { body: { kind: "spike", channels: ["CH"], params: { factor: 0.5 } }, message: "params.factor" },
    { body: { kind: "digest", channels: ["CH"], params: { hour: 24 } }, message: "params.hour" },
    {
      body: { kind: "new-group", channels: ["CH"], params: { directives: ["Script Src"] } },
      message: "params.directives.0: must be a directive name",
    },
    { body: { kind: "new-group", channels: ["CH"], minCount: 0 }, message: "minCount" },
    { body: { kind: "new-group", channels: ["CH"], params: { bogus: 1 } }, message: "bogus" },
  ])("POST /api/projects/:id/alerts refuses $body", async ({ body, message }) => {
    const json = JSON.parse(JSON.stringify(body).replace('"CH"', JSON.stringify(channel))) as unknown;
    const res = await api(t, "POST", `/api/projects/${pid}/alerts`, json);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(message);
  });

  test("a rule naming an unknown channel is refused", async () => {
    const res = await api(t, "POST", `/api/projects/${pid}/alerts`, {
      kind: "new-group",
      channels: ["nope"],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "unknown_channel",
      message: 'channels: no alert channel "nope"',
    });
  });

  test("a bare rule gets useful defaults; PATCH and DELETE; scopes", async () => {
    const res = await api(t, "POST", `/api/projects/${pid}/alerts`, { kind: "spike", channels: [channel] });
    expect(res.status).toBe(201);
    const r = (await res.json()) as AlertRuleDto;
    expect(r).toMatchObject({
      kind: "spike",
      minCount: 50,
      quietMinutes: 360,
      params: {},
      enabled: true,
      lastFiredAt: null,
    });
    const patched = await api(t, "PATCH", `/api/projects/${pid}/alerts/${r.id}`, {
      enabled: false,
      params: { factor: 10 },
    });
    expect(await patched.json()).toMatchObject({ enabled: false, params: { factor: 10 } });
    const read = await t.tokenFor("read");
    const denied = await fetch(`${t.url}/api/projects/${pid}/alerts/${r.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${read}` },
    });
    expect(denied.status).toBe(403);
    expect((await api(t, "DELETE", `/api/projects/${pid}/alerts/${r.id}`)).status).toBe(204);
    expect((await api(t, "DELETE", `/api/projects/${pid}/alerts/${r.id}`)).status).toBe(404);
    const write = await t.tokenFor("write");
    const noAdmin = await fetch(`${t.url}/api/alert-channels`, {
      method: "POST",
      headers: { Authorization: `Bearer ${write}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x", kind: "webhook", url: "https://a.example/" }),
    });
    expect(noAdmin.status).toBe(403);
  });

  test("a private destination is refused again at delivery (DNS can change after the channel was saved)", async () => {
    await rule(t, pid, { kind: "new-group", channels: [channel] });
    expect(await report(t, key, { blocked: "https://ssrf.example/a.js" })).toBe(204);
    const d = await waitFor(async () => {
      const l = (await (
        await api(t, "GET", `/api/projects/${pid}/alerts/deliveries`)
      ).json()) as AlertDeliveriesDto;
      return (l.deliveries[0]?.attempts ?? 0) > 0 && l.deliveries[0];
    });
    expect(d.lastError).toBe(
      "127.0.0.1 resolves to 127.0.0.1, a private, loopback or link-local address (ALERT_ALLOW_PRIVATE_DESTINATIONS=true allows it)",
    );
    expect(rx.received).toEqual([]);
  });

  test("the violations list filters by triage state and says each group's state", async () => {
    expect(await report(t, key, { blocked: "https://one.example/a.js" })).toBe(204);
    expect(await report(t, key, { blocked: "https://two.example/a.js" })).toBe(204);
    const list = async (q = "") =>
      (await (await api(t, "GET", `/api/projects/${pid}/violations${q}`)).json()) as ViolationsDto;
    const one = (await list()).groups.find((g) => g.blocked === "https://one.example")!;
    expect(one.triage).toBe("open");
    const ack = await api(t, "POST", `/api/projects/${pid}/violations/${one.id}/triage`, {
      state: "acknowledged",
    });
    expect(await ack.json()).toMatchObject({
      state: "acknowledged",
      by: "token:test-admin",
      history: [{ state: "acknowledged" }],
    });
    expect((await list("?triage=acknowledged")).groups.map((g) => g.blocked)).toEqual([
      "https://one.example",
    ]);
    expect((await list("?triage=open")).groups.map((g) => g.blocked)).not.toContain("https://one.example");
    expect((await list("?triage=muted")).groups).toEqual([]);
    const bad = await api(t, "POST", `/api/projects/${pid}/violations/${one.id}/triage`, { state: "closed" });
    expect(bad.status).toBe(400);
    expect(
      (await api(t, "POST", `/api/projects/${pid}/violations/999999/triage`, { state: "open" })).status,
    ).toBe(404);
    expect((await api(t, "GET", `/api/projects/${pid}/violations?triage=done`)).status).toBe(400);
  });

  test("preview replays a rule over the last 7 days", async () => {
    const res = await api(t, "POST", `/api/projects/${pid}/alerts/preview`, { kind: "new-group" });
    expect(res.status).toBe(200);
    const p = (await res.json()) as { fired: { title: string }[]; total: number };
    expect(p.fired.map((f) => f.title)).toContain(
      "New violation: script-src-elem blocked https://two.example",
    );
    expect(p.total).toBe(p.fired.length);
  });
});
