// Hostile reports, ingested and then viewed in the dashboard in headless Chromium: nothing executes (no dialog, no
// injected element, no page error) and no securitypolicyviolation fires on any Cinch page.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import type { AppDeps } from "../../server/deps.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { recordCspViolations } from "./helpers/csp.ts";

const EMAIL = "admin@example.com";
const PASSWORD = "quiet-lantern-42-meadow";
const LONG = "A".repeat(10_000);

/** Attacker-chosen report fields: markup, script URLs, event handlers, bidi overrides, huge strings. */
const PAYLOADS: { directive: string; blocked: string; page: string; sample: string; source?: string }[] = [
  {
    directive: "script-src-elem",
    blocked: "inline",
    page: "https://shop.example/a",
    sample: "<script>alert(1)</script>",
  },
  {
    directive: "script-src-elem",
    blocked: "javascript:alert(document.domain)",
    page: "https://shop.example/b",
    sample: "javascript:alert(2)",
  },
  {
    directive: "img-src",
    blocked: 'https://evil.example/"><img src=x id=injected onerror=alert(3)>',
    page: 'https://shop.example/"><svg id=injected2 onload=alert(4)>',
    sample: '<img src=x id=injected3 onerror="alert(5)">',
    source: "javascript:alert(6)",
  },
  {
    directive: "style-src-elem",
    blocked: "https://rtl.example/\u202egnp.exe",
    page: "https://shop.example/\u202eevil",
    sample: "\u202e}{)(trela",
  },
  {
    directive: "connect-src",
    blocked: `https://long.example/${LONG}`,
    page: `https://shop.example/${LONG}`,
    sample: LONG,
  },
  {
    directive: "font-src",
    blocked: "data:text/html,<script>alert(7)</script>",
    page: "https://shop.example/c",
    sample: "</textarea><script>alert(8)</script>",
  },
];

let app: TestApp;
let deps: AppDeps;
let url = "";
let browser: TestBrowser;
let page: Page;
let projectId = "";
let reportKey = "";
const dialogs: string[] = [];
let violations: string[] = [];
const errors: string[] = [];

async function post(p: (typeof PAYLOADS)[number]): Promise<void> {
  const res = await fetch(`${url}/r/${reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report", "User-Agent": "<script>alert(9)</script>" },
    body: JSON.stringify({
      "csp-report": {
        "document-uri": p.page,
        "effective-directive": p.directive,
        "violated-directive": p.directive,
        "blocked-uri": p.blocked,
        "script-sample": p.sample,
        "source-file": p.source ?? p.page,
        "line-number": "<b>1</b>",
        disposition: "report",
      },
    }),
  });
  expect(res.status).toBe(204);
}

beforeAll(async () => {
  app = await startTestApp({}, { dashboard: true });
  deps = app.deps;
  url = app.url;
  await deps.users.create(EMAIL, PASSWORD);
  const project = await deps.projects.create("hostile");
  projectId = project.id;
  reportKey = project.reportKey;
  for (const p of PAYLOADS) for (let i = 0; i < 2; i++) await post(p);

  browser = await launchChromium();
  violations = await recordCspViolations(browser.context);
  page = await browser.newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("pageerror", (e) => errors.push(e.message));
  const signin = await page.request.post(`${url}/api/session`, {
    data: { email: EMAIL, password: PASSWORD },
    headers: { "Content-Type": "application/json" },
  });
  expect(signin.status()).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Nothing the reports carried became an element, a handler or a dialog. */
async function assertInert(where: string): Promise<void> {
  const injected = await page.evaluate(
    () =>
      document.querySelectorAll(
        "#injected, #injected2, #injected3, img[src='x'], svg[onload], [onerror], [onload], script:not([src]), a[href^='javascript:' i], iframe",
      ).length,
  );
  expect({ where, injected, dialogs, violations, errors }).toEqual({
    where,
    injected: 0,
    dialogs: [],
    violations: [],
    errors: [],
  });
}

test("every view of hostile reports stays inert under Cinch's CSP", async () => {
  const res = await page.goto(`${url}/projects/${projectId}/violations?range=7d`);
  expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
  const table = page.getByRole("table", { name: "Violation groups" });
  await table.waitFor();
  await expect.poll(() => table.getByRole("row").count()).toBeGreaterThan(3);
  await assertInert("violations list");

  const groups = (await (
    await page.request.get(
      `${url}/api/projects/${projectId}/violations?noise=include&since=${Date.now() - 86_400_000}`,
    )
  ).json()) as {
    groups: { id: number }[];
  };
  expect(groups.groups.length).toBeGreaterThanOrEqual(PAYLOADS.length - 1);
  for (const g of groups.groups) {
    await page.goto(`${url}/projects/${projectId}/groups/${g.id}`);
    await page.getByRole("article", { name: "Sample 1", exact: true }).waitFor();
    await assertInert(`group ${g.id}`);
  }
  // The markup arrives as text.
  await page.goto(`${url}/projects/${projectId}/groups/${groups.groups.find(() => true)!.id}`);
  await page.getByRole("article", { name: "Sample 1", exact: true }).waitFor();

  await page.goto(`${url}/projects/${projectId}/noise`);
  await page.getByRole("heading").first().waitFor();
  await assertInert("noise");

  await page.goto(`${url}/projects/${projectId}/live`);
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  for (const p of PAYLOADS) await post(p);
  await page
    .getByRole("list", { name: /Arriving reports/ })
    .getByText(/rtl\.example/)
    .first()
    .waitFor();
  await assertInert("live tail");

  await page.goto(`${url}/projects/${projectId}/policy`);
  await page.getByRole("list", { name: "Candidate policy" }).waitFor();
  await assertInert("policy builder");

  for (const view of ["versions", "export", "install", "settings"]) {
    await page.goto(`${url}/projects/${projectId}/${view}`);
    await page.getByRole("heading").first().waitFor();
    await page.waitForTimeout(200);
    await assertInert(view);
  }

  // The script inventory (#18): csp-hash and integrity-violation reports carry attacker-chosen URLs and hashes.
  const hostileScripts = [
    'https://evil.example/"><img src=x id=injected onerror=alert(10)>.js',
    "https://rtl.example/\u202egnp.exe.js",
    `https://long.example/${LONG}.js`,
  ];
  const batch = hostileScripts.flatMap((script, i) => [
    {
      type: "csp-hash",
      url: 'https://shop.example/"><svg id=injected2 onload=alert(11)>',
      body: {
        documentURL: 'https://shop.example/"><svg id=injected2 onload=alert(11)>',
        subresourceURL: script,
        hash: i === 0 ? 'sha384-"><script>alert(12)</script>' : `sha384-${"A".repeat(64)}`,
        destination: "script",
        type: "subresource",
      },
    },
    {
      type: "integrity-violation",
      url: "https://shop.example/\u202echeckout",
      body: {
        documentURL: "https://shop.example/\u202echeckout",
        blockedURL: script,
        destination: "script",
        reportOnly: true,
      },
    },
  ]);
  const sent = await fetch(`${url}/r/${reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body: JSON.stringify(batch),
  });
  expect(sent.status).toBe(204);
  await page.goto(`${url}/projects/${projectId}/scripts`);
  const scriptsTable = page.getByRole("table", { name: "Scripts" });
  await expect
    .poll(async () => {
      await page.reload();
      await page.getByRole("heading", { name: "Scripts" }).waitFor();
      return scriptsTable.getByRole("row").count();
    })
    .toBe(hostileScripts.length + 1);
  await page.getByRole("list", { name: "Scripts without SRI" }).waitFor();
  await assertInert("scripts");
  for (const href of await scriptsTable
    .getByRole("link")
    .evaluateAll((as) => as.map((a) => a.getAttribute("href")))) {
    await page.goto(`${url}${href}`);
    await page.getByRole("form", { name: "Review this script" }).waitFor();
    await assertInert(`script ${href}`);
  }

  // Control: the detector works — an inline script injected now is refused by the CSP and reported.
  await page.evaluate(() => {
    const el = document.createElement("script");
    el.textContent = "window.__ran = 1";
    document.body.append(el);
  });
  await expect.poll(() => violations.length).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();
}, 120_000);
