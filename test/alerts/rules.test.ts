// Every rule kind fires when it should and stays quiet when it should not (#14): enforced-block, new-group (minimum
// count, only under an enforced version), spike, silence, quota, policy-drift and the email digest through a local
// SMTP server. Scheduled rules run by calling the tick; past reports are written through the writer with their time.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { parseReportBody } from "../../server/reports/parse.ts";
import {
  project,
  report,
  rule,
  startReceiver,
  startSmtp,
  waitFor,
  webhook,
  type Receiver,
} from "./helpers.ts";
import type { AlertWebhookPayload } from "../../server/contract/alerts.ts";

const HOUR = 3_600_000;

describe("alert rules", () => {
  let t: TestApp;
  let rx: Receiver;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: string;
  beforeAll(async () => {
    rx = await startReceiver();
    smtp = await startSmtp();
    t = await startTestApp({
      ALERT_ALLOW_PRIVATE_DESTINATIONS: "true",
      ALERT_POLL_MS: "50",
      ALERT_TICK_MS: "3600000",
      SMTP_URL: smtp.url,
      SMTP_FROM: "Cinch <alerts@cinch.example>",
    });
    hook = (await webhook(t, rx.url)).id;
  });
  afterAll(async () => {
    await t.close();
    await rx.close();
    await smtp.close();
  });

  /** Alerts the receiver got for a project since the test began (settled: evaluation and delivery done). */
  const alertsOf = async (projectId: string, kind?: string): Promise<AlertWebhookPayload[]> => {
    await t.deps.alerts.engine.idle();
    await t.deps.alerts.dispatcher.settle();
    return rx.received
      .map((r) => JSON.parse(r.body) as AlertWebhookPayload)
      .filter((p) => p.project.id === projectId && (kind === undefined || p.event === kind));
  };

  /** Write `n` reports of one group at a past time, through the writer (as ingest does). */
  const past = async (projectId: string, blocked: string, n: number, at: number) => {
    const out = parseReportBody(
      "application/csp-report",
      JSON.stringify({
        "csp-report": {
          "document-uri": "https://shop.example/",
          "blocked-uri": blocked,
          "effective-directive": "img-src",
          disposition: "report",
        },
      }),
    );
    if (!out.ok) throw new Error(out.message);
    for (let i = 0; i < n; i += 50) {
      const batch = Array.from({ length: Math.min(50, n - i) }, () => out.violations[0]!);
      await t.deps.writer.enqueue(projectId, batch, { policyVersion: null, env: "" }, at);
    }
  };

  const version = (projectId: string, state: string, policy: string, updatedAt = new Date()) =>
    t.deps.db.prisma.policyVersion.create({ data: { projectId, version: 1, policy, state, updatedAt } });

  test("enforced-block: the first enforce report of a group alerts; report-only and repeats do not", async () => {
    const p = await project(t, "enforced-block");
    await rule(t, p.id, { kind: "enforced-block", channels: [hook], quietMinutes: 0 });
    await report(t, p.reportKey, {
      blocked: "https://fonts.example/a.woff",
      directive: "font-src",
      disposition: "report",
    });
    expect(await alertsOf(p.id)).toEqual([]);
    await report(t, p.reportKey, {
      blocked: "https://fonts.example/a.woff",
      directive: "font-src",
      disposition: "enforce",
    });
    const got = await waitFor(async () => (await alertsOf(p.id))[0]);
    expect(got).toMatchObject({
      event: "enforced-block",
      group: { directive: "font-src" },
      details: { days: 7 },
    });
    await report(t, p.reportKey, {
      blocked: "https://fonts.example/a.woff",
      directive: "font-src",
      disposition: "enforce",
    });
    expect(await alertsOf(p.id)).toHaveLength(1);
  });

  test("new-group: waits for minCount; under: enforced waits for an enforced version", async () => {
    const p = await project(t, "new-group");
    await rule(t, p.id, { kind: "new-group", channels: [hook], minCount: 3 });
    await rule(t, p.id, {
      kind: "new-group",
      channels: [hook],
      params: { under: "enforced", directives: ["img-src"] },
    });
    for (let i = 0; i < 2; i++) await report(t, p.reportKey, { blocked: "https://three.example/x.js" });
    expect(await alertsOf(p.id)).toEqual([]);
    await report(t, p.reportKey, { blocked: "https://three.example/x.js" });
    expect((await waitFor(async () => (await alertsOf(p.id))[0])).group).toMatchObject({ total: 3 });
    await report(t, p.reportKey, { blocked: "https://img.example/a.png", directive: "img-src" });
    expect(await alertsOf(p.id)).toHaveLength(1); // no enforced version yet
    await version(p.id, "enforced", "default-src 'self'");
    await report(t, p.reportKey, { blocked: "https://img2.example/a.png", directive: "img-src" });
    await report(t, p.reportKey, { blocked: "https://notimg.example/a.js" }); // filtered out by directive
    const all = await waitFor(async () => {
      const a = await alertsOf(p.id);
      return a.length === 2 && a;
    });
    expect(all[1]!.group!.blocked).toBe("https://img2.example");
  });

  test("spike: last hour above 20x the hourly average and the minimum count; a steady group stays quiet", async () => {
    const p = await project(t, "spike");
    await rule(t, p.id, { kind: "spike", channels: [hook], minCount: 50 });
    const now = Date.now();
    for (let h = 2; h <= 25; h++) {
      await past(p.id, "https://steady.example/a.png", 10, now - h * HOUR);
      await past(p.id, "https://burst.example/a.png", 1, now - h * HOUR);
    }
    await past(p.id, "https://steady.example/a.png", 60, now - 5 * 60_000);
    await past(p.id, "https://burst.example/a.png", 60, now - 5 * 60_000);
    await t.deps.writer.drain();
    await t.deps.alerts.tick();
    const got = await alertsOf(p.id, "spike");
    expect(got.map((a) => a.group!.blocked)).toEqual(["https://burst.example"]);
    expect(got[0]!.details).toEqual({ lastHour: 60, hourlyAverage: 1, factor: 20 });
    await t.deps.alerts.tick();
    expect(await alertsOf(p.id, "spike")).toHaveLength(1); // quiet period
    const preview = (await (
      await api(t, "POST", `/api/projects/${p.id}/alerts/preview`, { kind: "spike", minCount: 50 })
    ).json()) as { fired: { title: string; groupId: number }[]; total: number };
    expect(preview.fired.map((f) => f.title)).toEqual([
      "Spike: img-src blocked https://burst.example 60 times in an hour",
    ]);
    const lower = (await (
      await api(t, "POST", `/api/projects/${p.id}/alerts/preview`, {
        kind: "spike",
        minCount: 20,
        params: { factor: 3 },
      })
    ).json()) as { fired: { title: string }[] };
    expect(lower.fired.map((f) => f.title).sort()).toEqual([
      "Spike: img-src blocked https://burst.example 60 times in an hour",
      "Spike: img-src blocked https://steady.example 60 times in an hour",
    ]);
  });

  test("silence: no reports for T hours while a version is live; quiet while reports come or none is live", async () => {
    const quiet = await project(t, "no-version");
    await rule(t, quiet.id, { kind: "silence", channels: [hook], params: { hours: 2 } });
    const p = await project(t, "silence");
    await rule(t, p.id, { kind: "silence", channels: [hook], params: { hours: 2 } });
    await version(p.id, "report-only", "default-src 'self'", new Date(Date.now() - 10 * HOUR));
    await past(p.id, "https://last.example/a.png", 1, Date.now() - 3 * HOUR);
    await t.deps.writer.drain();
    await t.deps.alerts.tick();
    const got = await alertsOf(p.id, "silence");
    expect(got).toHaveLength(1);
    expect(got[0]!.title).toBe("No reports for 3 hours while version 1 is report-only");
    expect(await alertsOf(quiet.id)).toEqual([]);
    await report(t, p.reportKey, { blocked: "https://alive.example/a.js" });
    await t.deps.alerts.tick();
    expect(await alertsOf(p.id, "silence")).toHaveLength(1);
  });

  test("quota: 80% and 100% of the daily cap, each once a day", async () => {
    const p = await project(t, "quota");
    const set = await api(t, "PATCH", `/api/projects/${p.id}`, { settings: { dailyCap: 10 } });
    expect(set.status).toBe(200);
    await rule(t, p.id, { kind: "quota", channels: [hook] });
    for (let i = 0; i < 7; i++) await report(t, p.reportKey, { blocked: `https://q${i}.example/a.js` });
    await t.deps.alerts.tick();
    expect(await alertsOf(p.id, "quota")).toEqual([]);
    await report(t, p.reportKey, { blocked: "https://q8.example/a.js" });
    await t.deps.alerts.tick();
    await t.deps.alerts.tick();
    expect((await alertsOf(p.id, "quota")).map((a) => a.details.level)).toEqual([80]);
    for (let i = 0; i < 3; i++) await report(t, p.reportKey, { blocked: `https://r${i}.example/a.js` });
    await t.deps.alerts.tick();
    expect((await alertsOf(p.id, "quota")).map((a) => a.details.level)).toEqual([80, 100]);
    const preview = (await (
      await api(t, "POST", `/api/projects/${p.id}/alerts/preview`, { kind: "quota" })
    ).json()) as {
      fired: { title: string }[];
    };
    expect(preview.fired.map((f) => f.title)).toEqual(["100% of the daily cap: 11 of 10 reports"]);
  });

  test("policy-drift: a policy matching no version alerts with the observed and the expected policy", async () => {
    const p = await project(t, "drift");
    await rule(t, p.id, { kind: "policy-drift", channels: [hook] });
    await version(p.id, "enforced", "default-src 'self'; script-src 'self' https://cdn.example");
    // The same policy with another report-uri and directive order is not drift.
    await report(t, p.reportKey, {
      blocked: "https://x.example/a.js",
      policy:
        "script-src 'self' https://cdn.example; default-src 'self'; report-uri https://cinch.example/r/k?v=1",
    });
    await t.deps.alerts.tick();
    expect(await alertsOf(p.id)).toEqual([]);
    const observed = "default-src 'self'; script-src 'self' https://cdn.example https://tagmanager.example";
    await report(t, p.reportKey, { blocked: "https://y.example/a.js", policy: observed });
    await t.deps.alerts.tick();
    const got = await alertsOf(p.id, "policy-drift");
    expect(got).toHaveLength(1);
    expect(got[0]!.details).toMatchObject({
      observed,
      expected: "default-src 'self'; script-src 'self' https://cdn.example",
      expectedVersion: 1,
      reports: 1,
      documentUrl: "https://shop.example/checkout",
    });
    await t.deps.alerts.tick();
    expect(await alertsOf(p.id, "policy-drift")).toHaveLength(1);
  });

  test("digest: an email with text and HTML at the configured hour, once", async () => {
    const p = await project(t, "digest");
    const res = await api(t, "POST", "/api/alert-channels", {
      name: "team",
      kind: "email",
      to: ["team@shop.example"],
    });
    expect(res.status).toBe(201);
    const email = ((await res.json()) as { id: string }).id;
    await rule(t, p.id, { kind: "digest", channels: [email], params: { hour: new Date().getUTCHours() } });
    await report(t, p.reportKey, { blocked: "https://new.example/a.js", disposition: "enforce" });
    await t.deps.writer.drain();
    await t.deps.alerts.tick();
    await t.deps.alerts.tick();
    const mail = await waitFor(() => smtp.mails[0]);
    await alertsOf(p.id);
    expect(smtp.mails).toHaveLength(1);
    expect(mail.to).toEqual(["team@shop.example"]);
    expect(mail.from).toBe("alerts@cinch.example");
    expect(mail.raw).toContain("Subject: [Cinch] digest: Daily digest");
    expect(mail.raw).toContain("text/plain");
    expect(mail.raw).toContain("text/html");
    expect(mail.raw).toContain("New groups: 1");
    expect(mail.raw).toContain("Grade: no version is deployed");
  });
});
