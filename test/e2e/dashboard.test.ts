// The dashboard in headless Chromium against a real Cinch (built web/dist, throwaway database): first-run setup,
// a project, reports arriving, the explorer, a group page, the live tail, the builder → a version → export,
// phone width, sign-out. Every page is served under Cinch's strict CSP; any CSP violation or page error fails.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { loadConfig } from "../../server/config.ts";
import { closeDeps, createDeps } from "../../server/bootstrap.ts";
import { createApp, WEB_DIST } from "../../server/app.ts";
import type { AppDeps } from "../../server/deps.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { recordCspViolations } from "./helpers/csp.ts";

const EMAIL = "admin@example.com";
const PASSWORD = "violet-kettle-97-harbour";
const HOSTILE = 'https://evil.example/x.js?"><img src=x onerror=alert(1)>';

let dir = "";
let deps: AppDeps;
let server: Server;
let url = "";
let browser: TestBrowser;
let page: Page;
let reportKey = "";
/** Console errors, CSP refusals and uncaught errors seen by any page. */
const problems: string[] = [];
/** Screenshots of the main screens (git-ignored) for a person to look at. */
const SHOTS = new URL("../../artifacts/dashboard/", import.meta.url).pathname;
const shot = async (name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
};
/** securitypolicyviolation events fired on any Cinch page. */
let cspViolations: string[] = [];

async function postReport(
  directive: string,
  blocked: string,
  documentUrl: string,
  sample = "",
): Promise<void> {
  const res = await fetch(`${url}/r/${reportKey}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/csp-report",
      "User-Agent": "Mozilla/5.0 Chrome/126.0 Safari/537.36",
    },
    body: JSON.stringify({
      "csp-report": {
        "document-uri": documentUrl,
        "violated-directive": directive,
        "effective-directive": directive,
        "blocked-uri": blocked,
        "original-policy": "default-src 'self'",
        disposition: "report",
        "script-sample": sample,
      },
    }),
  });
  expect(res.status).toBeLessThan(300);
}

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, "index.html")))
    throw new Error("build the dashboard first: npm run build:web");
  dir = mkdtempSync(join(tmpdir(), "cinch-dash-"));
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: "0",
    PUBLIC_URL: "http://127.0.0.1:8787",
    WRITE_FLUSH_MS: "2",
  });
  deps = await createDeps(config, pino({ level: "silent" }));
  const app = createApp(deps, { webDist: WEB_DIST });
  server = createServer(app.koa.callback());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  browser = await launchChromium();
  cspViolations = await recordCspViolations(browser.context);
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (deps) await closeDeps(deps);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.sequential(
  "dashboard in Chromium",
  () => {
    test("first run: the setup URL creates the admin and signs in", async () => {
      const token = await deps.setup.issue();
      const res = await fetch(`${url}/`);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).not.toMatch(/<script>|style=/);
      await page.goto(`${url}/setup#${token}`);
      await page.getByRole("heading", { name: "Create the first administrator" }).waitFor();
      expect(new URL(page.url()).hash).toBe("");
      await page.getByLabel("Email").fill(EMAIL);
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByLabel("Confirm password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create administrator" }).click();
      await page.getByRole("heading", { name: "Projects" }).waitFor();
      await page
        .getByText("No projects yet.")
        .or(page.getByRole("table", { name: "Projects" }))
        .first()
        .waitFor();
    });

    test("create a project; the install view shows the headers", async () => {
      await page.getByLabel("New project name").fill("shop.example.com");
      await page.getByRole("button", { name: "Create project" }).click();
      await page.getByRole("heading", { name: "Install" }).waitFor();
      const uri = await page.locator("pre code").last().textContent();
      reportKey = /\/r\/([A-Za-z0-9_-]+)/.exec(uri ?? "")?.[1] ?? "";
      expect(reportKey).not.toBe("");
      // This Cinch is on plain HTTP: report-to cannot deliver, so only the report-only header is offered.
      await expect(page.getByRole("button", { name: "Copy Reporting-Endpoints" }).count()).resolves.toBe(0);
      await page.getByText(/not HTTPS\), so the policy reports through report-uri only/).waitFor();
      await shot("02-install");
    });

    test("reports show up in the explorer: chart, groups, sorting, filters, group page as text", async () => {
      for (let i = 0; i < 6; i++)
        await postReport(
          "script-src-elem",
          "https://cdn.example.com/a.js",
          `https://shop.example.com/p${i % 3}`,
        );
      for (let i = 0; i < 3; i++)
        await postReport("img-src", "https://pixel.example.net/t.gif", "https://shop.example.com/");
      await postReport(
        "script-src-elem",
        HOSTILE,
        `https://shop.example.com/?q=${encodeURIComponent(HOSTILE)}`,
        HOSTILE,
      );
      await postReport(
        "script-src-elem",
        "chrome-extension://abcdefghijklmnop/x.js",
        "https://shop.example.com/",
      );
      await new Promise((r) => setTimeout(r, 200));
      await page.getByRole("link", { name: "Violations", exact: true }).click();
      const table = page.getByRole("table", { name: "Violation groups" });
      await table.waitFor();
      await page.locator(".chart-canvas canvas").waitFor();
      await shot("03-violations");
      const firstBlocked = () => table.getByRole("row").nth(1).getByRole("link").textContent();
      expect(await firstBlocked()).toBe("https://cdn.example.com");
      await page.getByRole("button", { name: /^Blocked/ }).click();
      await expect.poll(() => page.url()).toMatch(/sort=blocked&order=asc/);
      expect(await firstBlocked()).toBe("https://cdn.example.com");
      await page.getByRole("button", { name: /^Blocked/ }).click();
      await expect.poll(() => page.url()).toMatch(/sort=blocked$/);
      await expect.poll(firstBlocked).toBe("https://pixel.example.net");
      await page.getByLabel("Directive", { exact: true }).selectOption("img-src");
      await expect.poll(() => table.getByRole("row").count()).toBe(2);
      await page.getByRole("button", { name: /Clear 1 filter/ }).click();
      await expect.poll(() => table.getByRole("row").count()).toBe(4);

      await page.getByRole("link", { name: "Noise", exact: true }).click();
      await page.getByRole("table", { name: "Noise groups" }).waitFor();
      await shot("04-noise");

      await page.getByRole("link", { name: "Violations", exact: true }).click();
      await page.getByRole("link", { name: "https://evil.example" }).click();
      const sample = page.getByRole("article", { name: "Sample 1", exact: true });
      await sample.waitFor();
      await shot("05-group-hostile-sample");
      expect(await sample.textContent()).toContain('"><img src=x onerror=alert(1)>');
      expect(await page.locator("main img").count()).toBe(0);
      expect(page.url()).toMatch(/\/projects\/[^/]+\/groups\/\d+$/);
      // the permalink loads on its own
      await page.goto(page.url());
      await page.getByRole("article", { name: "Sample 1", exact: true }).waitFor();
    });

    test("live tail shows a report as it arrives", async () => {
      await page.getByRole("link", { name: "Live", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
      await postReport("font-src", "https://fonts.example.org/f.woff2", "https://shop.example.com/about");
      await page
        .getByRole("list", { name: /Arriving reports/ })
        .getByText("https://fonts.example.org/f.woff2")
        .waitFor();
      await shot("06-live-tail");
    });

    test("builder → draft version → report-only → export", async () => {
      await page.getByRole("link", { name: "Policy builder" }).click();
      const candidate = page.getByRole("list", { name: "Candidate policy" });
      await candidate.waitFor();
      await candidate.getByText("https://cdn.example.com").waitFor();
      await page.getByLabel("Grade", { exact: false }).first().waitFor();
      const card = page.getByRole("article", { name: "add script-src https://cdn.example.com" });
      await card.getByRole("button", { name: "Reject" }).click();
      await expect.poll(() => candidate.getByText("https://cdn.example.com").count()).toBe(0);
      await page.getByText(/Enforcing this would block \d+ groups? \/ \d+ reports?\./).waitFor();
      await shot("07-policy-builder");
      await page.getByRole("button", { name: "Save as draft version" }).click();
      await page.getByText("Version 1 saved as a draft.").waitFor();
      await page.getByRole("button", { name: "Start report-only version 1" }).click();
      await page
        .getByRole("table", { name: "Policy versions" })
        .getByText("Report-only", { exact: true })
        .waitFor();
      // After the state change: the header to deploy, named, with a copy button.
      const deploy = page.getByRole("region", { name: "Version 1 now runs report-only: deploy it" });
      expect(await deploy.locator("pre").textContent()).toMatch(
        /^Content-Security-Policy-Report-Only: .*\?v=1\n$/,
      );
      await deploy.getByRole("button", { name: "Copy the header" }).waitFor();
      await shot("08-versions");
      await page
        .getByRole("group", { name: "Actions for version 1" })
        .getByRole("link", { name: "Export" })
        .click();
      await page.getByLabel("Format").selectOption("nginx");
      await page.getByText(/add_header Content-Security-Policy-Report-Only "/).waitFor();
      expect(await page.locator("pre code").first().textContent()).not.toContain("https://cdn.example.com");
      // The deploy-pipeline URL shown on the export page serves the report-only version just started.
      const pipelineUrl =
        (await page.getByRole("figure", { name: "Policy URL" }).locator("code").textContent()) ?? "";
      expect(pipelineUrl).toMatch(/\/p\/[A-Za-z0-9_-]+\/policy\?format=header$/);
      const fetched = await fetch(`${url}${new URL(pipelineUrl).pathname}?state=report-only&format=nginx`);
      expect(fetched.status).toBe(200);
      expect(await fetched.text()).toMatch(/^add_header Content-Security-Policy-Report-Only "/);
      await shot("09-export");
    });

    test("phone width: the navigation collapses behind a menu button", async () => {
      await page.goto(`${url}/`);
      await page.getByRole("table", { name: "Projects" }).waitFor();
      await shot("01-projects");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${url}/`);
      const menu = page.getByRole("button", { name: "Menu" });
      await menu.waitFor();
      expect(await page.getByRole("link", { name: "API tokens" }).isVisible()).toBe(false);
      await shot("10-phone-projects");
      await menu.click();
      expect(await page.getByRole("link", { name: "API tokens" }).isVisible()).toBe(true);
      await shot("11-phone-menu");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    test("sign out returns to the sign-in form; signing in again works", async () => {
      await page.goto(`${url}/`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByLabel("Email").fill(EMAIL);
      await page.getByLabel("Password").fill("wrong password here");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("email or password is wrong").waitFor();
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Projects" }).waitFor();
    });

    test("no page error and no CSP violation along the way", () => {
      expect(problems).toEqual([]);
      expect(cspViolations).toEqual([]);
    });
  },
  120_000,
);
