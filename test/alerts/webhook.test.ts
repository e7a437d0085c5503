// Webhook alerts end to end (#14): a report's commit raises a new-group alert, delivered to a local receiver with a
// verifiable signature; the quiet period, muted groups, retries with backoff on a failing receiver, the delivery log,
// redirects not followed, and a restart with pending deliveries delivering them once.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { project, report, rule, startReceiver, waitFor, webhook, type Receiver } from "./helpers.ts";
import type {
  AlertDeliveriesDto,
  AlertWebhookPayload,
  GroupAlertsDto,
} from "../../server/contract/alerts.ts";

const ENV = { ALERT_ALLOW_PRIVATE_DESTINATIONS: "true", ALERT_POLL_MS: "50", ALERT_RETRY_BASE_MS: "100" };

describe("webhook alerts", () => {
  let t: TestApp;
  let rx: Receiver;
  beforeAll(async () => {
    t = await startTestApp(ENV);
    rx = await startReceiver();
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
  });

  test("a new group alerts once, signed, with the documented payload; the same group stays quiet", async () => {
    const p = await project(t, "hooks");
    const ch = await webhook(t, rx.url);
    expect(ch.secret).toMatch(/^[0-9a-f]{64}$/);
    const listed = await (await api(t, "GET", "/api/alert-channels")).text();
    expect(listed).not.toContain(ch.secret);
    await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
    const before = rx.received.length;
    const sent = Date.now();
    expect(await report(t, p.reportKey, { blocked: "https://evil.example/skim.js" })).toBe(204);
    const answered = Date.now();
    const got = await waitFor(() => rx.received[before]);
    console.log(`204 → webhook: ${got.at - answered} ms (request ${answered - sent} ms)`);
    const expected = createHmac("sha256", ch.secret).update(got.body).digest("hex");
    expect(got.headers["x-cinch-signature"]).toBe(`sha256=${expected}`);
    expect(got.headers["x-cinch-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    const payload = JSON.parse(got.body) as AlertWebhookPayload;
    expect(payload).toMatchObject({
      event: "new-group",
      project: { id: p.id, name: "hooks" },
      group: {
        directive: "script-src-elem",
        blocked: "https://evil.example",
        count: 1,
        total: 1,
        triage: "open",
      },
      sample: { documentUrl: "https://shop.example/checkout", blockedUrl: "https://evil.example/skim.js" },
      rule: { kind: "new-group", minCount: 1, quietMinutes: 60 },
    });
    expect(payload.group!.url).toBe(`http://127.0.0.1:8787/projects/${p.id}/violations/${payload.group!.id}`);
    // More reports of the same group, and the group again: no second alert.
    for (let i = 0; i < 3; i++)
      expect(await report(t, p.reportKey, { blocked: "https://evil.example/skim.js" })).toBe(204);
    await t.deps.alerts.engine.idle();
    await t.deps.alerts.dispatcher.settle();
    expect(rx.received.length).toBe(before + 1);
    const log = (await (
      await api(t, "GET", `/api/projects/${p.id}/alerts/deliveries`)
    ).json()) as AlertDeliveriesDto;
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({
      status: "delivered",
      attempts: 1,
      responseCode: 204,
      kind: "new-group",
    });
    const history = (await (
      await api(t, "GET", `/api/projects/${p.id}/violations/${payload.group!.id}/alerts`)
    ).json()) as GroupAlertsDto;
    expect(history.events).toHaveLength(1);
    expect(history.events[0]!.deliveries).toEqual([{ channelName: "hook", status: "delivered" }]);
  });

  test("a muted group never alerts; a resolved group that reappears raises a regression", async () => {
    const p = await project(t, "triage");
    const ch = await webhook(t, rx.url, "triage-hook");
    await rule(t, p.id, { kind: "new-group", channels: [ch.id], quietMinutes: 0 });
    await rule(t, p.id, { kind: "regression", channels: [ch.id] });
    expect(await report(t, p.reportKey, { blocked: "https://a.example/x.js" })).toBe(204);
    const first = await waitFor(() => rx.received.find((r) => r.body.includes("https://a.example")));
    const groupId = (JSON.parse(first.body) as AlertWebhookPayload).group!.id;
    const mute = await api(t, "POST", `/api/projects/${p.id}/violations/${groupId}/triage`, {
      state: "muted",
    });
    expect(mute.status).toBe(200);
    expect(await mute.json()).toMatchObject({ state: "muted", by: "token:test-admin" });
    const n = rx.received.length;
    expect(await report(t, p.reportKey, { blocked: "https://a.example/x.js" })).toBe(204);
    await t.deps.alerts.engine.idle();
    await t.deps.alerts.dispatcher.settle();
    expect(rx.received.length).toBe(n);
    await api(t, "POST", `/api/projects/${p.id}/violations/${groupId}/triage`, { state: "resolved" });
    expect(await report(t, p.reportKey, { blocked: "https://a.example/x.js" })).toBe(204);
    const reg = await waitFor(() =>
      rx.received.slice(n).find((r) => r.headers["x-cinch-event"] === "regression"),
    );
    expect((JSON.parse(reg.body) as AlertWebhookPayload).group).toMatchObject({
      id: groupId,
      triage: "open",
    });
    const history = (await (
      await api(t, "GET", `/api/projects/${p.id}/violations/${groupId}/alerts`)
    ).json()) as GroupAlertsDto;
    expect(history.triage).toMatchObject({ state: "open", by: "cinch" });
    expect(history.triage.history.map((h) => h.state)).toEqual(["open", "resolved", "muted"]);
  });

  test("a receiver answering 500 gets retries with backoff, shown in the delivery log, then delivered", async () => {
    const p = await project(t, "retries");
    const ch = await webhook(t, rx.url, "flaky");
    await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
    rx.status = 500;
    const n = rx.received.length;
    expect(await report(t, p.reportKey, { blocked: "https://retry.example/a.js" })).toBe(204);
    await waitFor(() => rx.received.length >= n + 2 && true, 5000);
    const log = (await (
      await api(t, "GET", `/api/projects/${p.id}/alerts/deliveries`)
    ).json()) as AlertDeliveriesDto;
    expect(log.deliveries[0]).toMatchObject({
      status: "pending",
      responseCode: 500,
      lastError: "receiver answered HTTP 500",
    });
    expect(log.deliveries[0]!.attempts).toBeGreaterThanOrEqual(2);
    rx.status = 200;
    await waitFor(async () => {
      const l = (await (
        await api(t, "GET", `/api/projects/${p.id}/alerts/deliveries`)
      ).json()) as AlertDeliveriesDto;
      return l.deliveries[0]!.status === "delivered" && l.deliveries[0];
    }, 8000);
    const ids = new Set(rx.received.slice(n).map((r) => r.headers["x-cinch-delivery"]));
    expect(ids.size).toBe(1); // every retry carries the same delivery id
    const gaps = rx.received.slice(n).map((r, i, a) => (i === 0 ? 0 : r.at - a[i - 1]!.at));
    expect(gaps[2]!).toBeGreaterThan(gaps[1]! * 1.3); // exponential backoff
  });

  test("send a test; deleting a channel takes it out of the rules", async () => {
    const p = await project(t, "test-send");
    rx.status = 204;
    const ch = await webhook(t, rx.url, "tested");
    const n = rx.received.length;
    const res = await api(t, "POST", `/api/alert-channels/${ch.id}/test`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ delivered: true, responseCode: 204, error: null });
    expect(rx.received).toHaveLength(n + 1);
    expect(JSON.parse(rx.received[n]!.body)).toMatchObject({ event: "test", group: null, rule: null });
    const ruleId = await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
    expect((await api(t, "DELETE", `/api/alert-channels/${ch.id}`)).status).toBe(204);
    const rules = (await (await api(t, "GET", `/api/projects/${p.id}/alerts`)).json()) as {
      rules: { id: string; channels: string[] }[];
    };
    expect(rules.rules.find((r) => r.id === ruleId)!.channels).toEqual([]);
    expect((await api(t, "POST", `/api/alert-channels/${ch.id}/test`)).status).toBe(404);
  });

  test("a redirect is not followed: the attempt fails", async () => {
    const p = await project(t, "redirects");
    const ch = await webhook(t, rx.url, "moved");
    await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
    rx.status = 302;
    try {
      expect(await report(t, p.reportKey, { blocked: "https://redirect.example/a.js" })).toBe(204);
      const d = await waitFor(async () => {
        const l = (await (
          await api(t, "GET", `/api/projects/${p.id}/alerts/deliveries`)
        ).json()) as AlertDeliveriesDto;
        return (l.deliveries[0]?.attempts ?? 0) > 0 && l.deliveries[0];
      });
      expect(d).toMatchObject({ responseCode: 302, lastError: "redirect not followed HTTP 302" });
    } finally {
      rx.status = 204;
    }
  });
});
