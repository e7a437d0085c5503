// Alerts in a real browser (#14): the demo shop runs an enforced policy from Cinch's pipeline URL that allows all it
// uses; an injected third-party script from an origin never seen before is blocked, Chromium reports it, and the
// project's bare new-group rule POSTs a signed webhook naming that origin and page to a receiver on 127.0.0.1
// within 15 s. The time from the report's 204 to the webhook's arrival is printed for the issue note. Then the
// dashboard (built web/dist, under Cinch's own CSP) shows the delivery, and the group is acknowledged from its page.
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AlertWebhookPayload } from "../../server/contract.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { recordCspViolations } from "./helpers/csp.ts";
import { createDemo, type Demo } from "../../demo/site.ts";
import { pipelineSource } from "../../demo/policy-source.ts";

/** The longest the issue allows between the report and the webhook. */
const BUDGET_MS = 15_000;

type Hook = { at: number; headers: IncomingMessage["headers"]; raw: string };

let cinch: TestApp;
let front: Server;
let receiver: Server;
let receiverUrl = "";
let frontUrl = "";
let demo: Demo;
let browser: TestBrowser;
/** Report requests Cinch answered: when the answer left, its status, and the body (the report-uri JSON). */
const reports: { at: number; status: number; body: string }[] = [];
const hooks: Hook[] = [];
/** The project, and the group the injected script made (set by the first test). */
let pid = "";
let groupId = 0;

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
}

beforeAll(async () => {
  // The webhook receiver: keeps each delivery's arrival time, headers and exact body, answers 204.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hooks.push({ at: Date.now(), headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  receiverUrl = `${await listen(receiver)}/hooks/cinch`;

  // Cinch behind a front that notes when each report's answer leaves, with the report's body. The body is copied
  // as Node's HTTP parser pushes it into the request (the parser calls req.push after the 'request' event), so
  // Koa reads the stream untouched.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  front = createServer((req, res) => {
    if (req.method === "POST" && req.url?.startsWith("/r/")) {
      const chunks: Buffer[] = [];
      const push = req.push.bind(req);
      req.push = (chunk: unknown, encoding?: BufferEncoding) => {
        if (Buffer.isBuffer(chunk)) chunks.push(chunk);
        return push(chunk, encoding);
      };
      res.on("finish", () =>
        reports.push({
          at: Date.now(),
          status: res.statusCode,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    }
    handler(req, res);
  });
  frontUrl = await listen(front);
  cinch = await startTestApp(
    { PUBLIC_URL: frontUrl, ALERT_ALLOW_PRIVATE_DESTINATIONS: "true" },
    { dashboard: true },
  );
  handler = cinch.app.koa.callback();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await cinch?.close();
  for (const s of [front, receiver]) {
    s?.closeAllConnections();
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  }
});

describe.sequential("alerts in Chromium", () => {
  test("an enforced policy meets a never-seen third-party script: a signed webhook names it and the page within 15 s", async () => {
    const project = await json<{ id: string; reportUri: string }>(
      await api(cinch, "POST", "/api/projects", { name: "shop" }),
    );
    pid = project.id;
    const { policyKey } = await json<{ policyKey: string }>(
      await api(cinch, "GET", `/api/projects/${pid}/policy/key`),
    );

    // The shop and its third parties on *.localhost names (distinct origins, loopback), plain HTTP: report-uri.
    const at = (name: string) => ({ host: "127.0.0.1", port: 0, name });
    demo = await createDemo({
      cinchReportUri: project.reportUri,
      policy: pipelineSource({
        url: `${cinch.url}/p/${policyKey}/policy`,
        reportUri: project.reportUri,
        onProblem: (m) => {
          throw new Error(m);
        },
      }),
      tls: null,
      site: at("shop.localhost"),
      cdn: at("cdn.localhost"),
      api: at("api.localhost"),
      ads: at("ads.localhost"),
      pay: at("pay.localhost"),
      extraScript: true,
    });
    const { cdn, api: apiOrigin, ads } = demo.origins;

    // Enforced: everything the shop itself uses, nothing else; reporting to the project (Cinch tags it ?v=N).
    const policy = `default-src 'self' 'unsafe-inline' 'unsafe-eval' data: ${cdn} ${apiOrigin}; report-uri ${project.reportUri}`;
    const { version } = await json<{ version: number }>(
      await api(cinch, "POST", `/api/projects/${pid}/policy/versions`, { policy }),
    );
    await json(
      await api(cinch, "POST", `/api/projects/${pid}/policy/versions/${version}/state`, {
        state: "enforced",
      }),
    );

    // A webhook channel (Cinch generates the secret and shows it once) and the bare rule the issue promises is useful.
    const channel = await json<{ id: string; secret?: string }>(
      await api(cinch, "POST", "/api/alert-channels", {
        name: "receiver",
        kind: "webhook",
        url: receiverUrl,
      }),
    );
    expect(channel.secret).toMatch(/^\S{16,}$/);
    const rule = await json<{ id: string; minCount: number; quietMinutes: number }>(
      await api(cinch, "POST", `/api/projects/${pid}/alerts`, { kind: "new-group", channels: [channel.id] }),
    );

    browser = await launchChromium();
    await browser.context.addInitScript(() => {
      const list: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = list;
      document.addEventListener("securitypolicyviolation", (e) =>
        list.push(`${e.disposition} ${e.effectiveDirective} ${e.blockedURI}`),
      );
    });
    const page = await browser.newPage();
    const visited = Date.now();
    const res = await page.goto(demo.url);
    expect(res?.headers()["content-security-policy"]).toContain(
      `report-uri ${project.reportUri}?v=${version}`,
    );
    const seen = await page.evaluate(async () => {
      const w = window as unknown as {
        demoChecks: Promise<unknown>;
        demoExtra: string;
        cspViolations: string[];
      };
      await w.demoChecks;
      return { extra: w.demoExtra, violations: w.cspViolations };
    });
    await page.close();
    // Only the injected script is blocked: the shop itself keeps working under the enforced policy.
    expect(seen.extra).toBe("blocked");
    expect(seen.violations).toEqual([`enforce script-src-elem ${ads}/track.js`]);

    // The webhook for the new group.
    const isOurs = (h: Hook) => {
      const p = JSON.parse(h.raw) as AlertWebhookPayload;
      return p.event === "new-group" && p.group?.blocked === ads;
    };
    const end = visited + BUDGET_MS + 10_000;
    while (!hooks.some(isOurs) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const hook = hooks.find(isOurs);
    if (!hook) {
      // What Cinch saw and did, to tell a missing report from a missing alert.
      const groups = await (await api(cinch, "GET", `/api/projects/${pid}/violations`)).text();
      const log = await (await api(cinch, "GET", `/api/projects/${pid}/alerts/deliveries`)).text();
      console.info(`reports: ${JSON.stringify(reports)}\ngroups: ${groups}\ndeliveries: ${log}`);
    }
    expect(hook, `no new-group webhook for ${ads}; received ${hooks.length}`).toBeDefined();

    // The report that carried it: its 204, and the time from there to the webhook.
    const report = reports.find((r) => r.body.includes(`${ads}/track.js`));
    expect(report?.status).toBe(204);
    const latency = hook!.at - report!.at;
    console.info(
      `alert latency: report 204 → webhook arrival ${latency} ms (ALERT_POLL_MS default; ${hooks.length} webhook(s), ${reports.length} report(s))`,
    );
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(latency).toBeLessThan(BUDGET_MS);

    // The payload names the origin and the page, and it is signed under the channel's secret.
    const payload = JSON.parse(hook!.raw) as AlertWebhookPayload;
    groupId = payload.group?.id ?? 0;
    expect(payload).toMatchObject({
      event: "new-group",
      project: { id: pid, name: "shop" },
      group: { directive: "script-src-elem", blocked: ads },
      rule: { id: rule.id, kind: "new-group", minCount: rule.minCount, quietMinutes: rule.quietMinutes },
    });
    expect(payload.sample?.documentUrl).toBe(`${demo.url}/`);
    expect(payload.sample?.blockedUrl).toBe(`${ads}/track.js`);
    expect(payload.sample?.disposition).toBe("enforce");
    // A dashboard address of the group (the app opens /violations/:gid, the API's shape, as the group page).
    expect(payload.group?.url).toMatch(
      new RegExp(`^${frontUrl}/projects/${pid}/(groups|violations)/${payload.group?.id}$`),
    );
    const mac = createHmac("sha256", channel.secret!).update(hook!.raw).digest("hex");
    expect(hook!.headers["x-cinch-signature"]).toBe(`sha256=${mac}`);
    expect(hook!.headers["x-cinch-delivery"]).toMatch(/\S/);

    // Exactly once, and the delivery log says so with the receiver's answer.
    expect(hooks.filter(isOurs)).toHaveLength(1);
    const { deliveries } = await json<{
      deliveries: { status: string; attempts: number; responseCode: number }[];
    }>(await api(cinch, "GET", `/api/projects/${pid}/alerts/deliveries`));
    expect(deliveries).toContainEqual(
      expect.objectContaining({
        status: "delivered",
        attempts: 1,
        responseCode: 204,
        groupId: payload.group?.id,
      }),
    );
  });

  test("the dashboard shows the delivery; the group is acknowledged from its page and filtered by triage", async () => {
    expect(groupId).toBeGreaterThan(0);
    // Sign in as the first admin through the API, in the browser's cookie jar.
    const token = await cinch.deps.setup.issue();
    const setup = await browser.context.request.post(`${frontUrl}/api/setup`, {
      data: { token, email: "admin@example.com", password: "violet-kettle-97-harbour" },
    });
    expect(setup.status()).toBe(201);
    // Cinch's own pages under its own CSP: nothing refused.
    const refused = await recordCspViolations(browser.context);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto(`${frontUrl}/projects/${pid}/alerts`);
    const log = page.getByRole("table", { name: "Alert deliveries" });
    const row = log.getByRole("row").filter({ hasText: demo.origins.ads });
    await row.waitFor();
    const cells = await row.getByRole("cell").allInnerTexts();
    expect(cells.slice(1).map((c) => c.split("\n")[0])).toEqual(["receiver", "Delivered", "1", "204", "—"]);
    await page
      .getByRole("table", { name: "Alert rules" })
      .getByRole("rowheader", { name: "New violation" })
      .waitFor();

    // From the log to the group, and its triage.
    await row.getByRole("link").click();
    await page.waitForURL(`**/projects/${pid}/groups/${groupId}`);
    const triage = page.getByRole("region", { name: "Triage and alerts" });
    await triage.getByText("receiver: delivered").waitFor();
    await triage.getByRole("button", { name: "Acknowledge" }).click();
    await triage.getByText("by admin@example.com").waitFor();
    expect(await triage.locator(".triage-state .badge").innerText()).toBe("Acknowledged");

    // The violations list by triage state.
    await page.goto(`${frontUrl}/projects/${pid}/violations?triage=acknowledged`);
    await page
      .getByRole("table", { name: "Violation groups" })
      .getByRole("link", { name: demo.origins.ads })
      .waitFor();
    await page.goto(`${frontUrl}/projects/${pid}/violations?triage=muted`);
    await page.getByText("No violations match.").waitFor();
    await page.close();
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);
  });
});
