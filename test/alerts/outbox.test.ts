// The outbox survives restarts and is delivered once (#14): deliveries pending when a node stops are delivered by the
// next start, once; two dispatchers on one database (two nodes) claim each delivery once; Slack messages carry the
// alert in blocks and a plain `text`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { Dispatcher } from "../../server/alerts/dispatch.ts";
import { project, report, rule, startReceiver, waitFor, webhook, type Receiver } from "./helpers.ts";

const ENV = { ALERT_ALLOW_PRIVATE_DESTINATIONS: "true", ALERT_POLL_MS: "50" };

describe("outbox", () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx.close();
  });

  test("a restart with pending deliveries delivers them once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cinch-outbox-"));
    let t: TestApp = await startTestApp({ ...ENV, DATA_DIR: dataDir });
    const p = await project(t, "restart");
    const ch = await webhook(t, rx.url, "restart");
    await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
    await t.deps.alerts.dispatcher.stop(); // this node stops delivering before the alerts are raised
    for (const host of ["a", "b", "c"])
      expect(await report(t, p.reportKey, { blocked: `https://${host}.example/x.js` })).toBe(204);
    await t.deps.alerts.engine.idle();
    const pending = await t.deps.alerts.outbox.deliveries(p.id, { status: "pending", limit: 10 });
    expect(pending).toHaveLength(3);
    await t.close();
    const before = rx.received.length;
    t = await startTestApp({ ...ENV, DATA_DIR: dataDir });
    try {
      await waitFor(() => rx.received.length - before >= 3 && true);
      await new Promise((r) => setTimeout(r, 300));
      await t.deps.alerts.dispatcher.settle();
      const got = rx.received.slice(before);
      expect(got).toHaveLength(3);
      expect(new Set(got.map((r) => r.headers["x-cinch-delivery"]))).toEqual(
        new Set(pending.map((d) => d.id)),
      );
      const log = await t.deps.alerts.outbox.deliveries(p.id, { limit: 10 });
      expect(log.map((d) => d.status)).toEqual(["delivered", "delivered", "delivered"]);
    } finally {
      await t.close();
    }
  });

  test("two nodes on one database deliver each alert once", async () => {
    const t = await startTestApp({ ...ENV, ALERT_POLL_MS: "600000" });
    try {
      const p = await project(t, "two-nodes");
      const ch = await webhook(t, rx.url, "two");
      await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
      await t.deps.alerts.dispatcher.stop();
      for (let i = 0; i < 10; i++) await report(t, p.reportKey, { blocked: `https://n${i}.example/x.js` });
      await t.deps.alerts.engine.idle();
      const before = rx.received.length;
      const nodes = [0, 1, 2].map(
        () =>
          new Dispatcher(
            t.deps.alerts.outbox,
            t.deps.alerts.config,
            t.deps.alerts.notifier,
            { pollMs: 60_000, retryBaseMs: 1000, maxAttempts: 3, leaseMs: 30_000 },
            pino({ level: "silent" }),
          ),
      );
      await Promise.all(nodes.map((n) => n.runOnce()));
      const got = rx.received.slice(before);
      expect(got).toHaveLength(10);
      expect(new Set(got.map((r) => r.headers["x-cinch-delivery"])).size).toBe(10);
    } finally {
      await t.close();
    }
  });

  test("old alerts are pruned once settled; pending ones are kept whatever their age", async () => {
    const t = await startTestApp(ENV);
    try {
      const p = await project(t, "prune");
      await t.deps.alerts.dispatcher.stop(); // the pending one stays pending
      const old = Date.now() - 100 * 86_400_000;
      const add = () =>
        t.deps.alerts.outbox.add(
          { projectId: p.id, ruleId: null, kind: "quota", groupId: null, title: "old", payload: "{}" },
          [{ id: null, name: "gone", kind: "webhook" }],
          old,
        );
      const settled = await add();
      const pending = await add();
      await t.deps.db.prisma.alertDelivery.updateMany({
        where: { eventId: settled.event.id },
        data: { status: "delivered" },
      });
      expect(await t.deps.alerts.outbox.prune(Date.now() - 90 * 86_400_000)).toBe(1);
      expect(await t.deps.alerts.outbox.event(settled.event.id)).toBeNull();
      expect(await t.deps.alerts.outbox.event(pending.event.id)).not.toBeNull();
    } finally {
      await t.close();
    }
  });

  test("slack: blocks readable on a phone, a text fallback, report data escaped", async () => {
    const t = await startTestApp(ENV);
    try {
      const p = await project(t, "slack");
      const res = await fetch(`${t.url}/api/alert-channels`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "slack", kind: "slack", url: `${rx.url}/services/T000/B000/XXXX` }),
      });
      const ch = (await res.json()) as { id: string; url: string; secret?: string };
      expect(ch.url).toBe(`http://127.0.0.1:${rx.port}/hook/…`);
      expect(ch.secret).toBeUndefined();
      await rule(t, p.id, { kind: "new-group", channels: [ch.id] });
      const before = rx.received.length;
      await report(t, p.reportKey, { blocked: "https://evil.example/<b>skim</b>.js" });
      const got = await waitFor(() => rx.received[before]);
      expect(got.path).toBe("/hook/services/T000/B000/XXXX");
      expect(got.headers["x-cinch-signature"]).toBeUndefined();
      const msg = JSON.parse(got.body) as { text: string; blocks: { type: string }[] };
      expect(msg.text).toContain("[slack] New violation: script-src-elem blocked https://evil.example");
      expect(msg.blocks.map((b) => b.type)).toEqual(["header", "section", "actions"]);
      expect(got.body).not.toContain("<b>");
    } finally {
      await t.close();
    }
  });
});
