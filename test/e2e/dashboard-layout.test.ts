// The dashboard with a realistic project (about 800 reports over 6 days in 26 groups, written through the real
// writer at past times) in headless Chromium at 1280×900 and 390×844: the explorer, a group page and the builder
// are photographed into artifacts/screens/ (git-ignored; CINCH_SHOTS=before names a run on older code), no table
// cell or button overflows its container, and axe-core finds no serious accessibility violation.
import { mkdirSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { HOUR_MS } from "../../server/store/writer.ts";
import type { Violation } from "../../server/reports/types.ts";
import axe from "axe-core";
import { prng } from "../../bench/workload.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { recordCspViolations } from "./helpers/csp.ts";

const EMAIL = "admin@example.com";
const PASSWORD = "amber-lattice-31-orchard";
const SHOTS = new URL("../../artifacts/screens/", import.meta.url).pathname;
/** A prefix for the screenshots' names: "before" when photographing older code for comparison. */
const PREFIX = process.env.CINCH_SHOTS ?? "after";

const VIEWPORTS = [
  { name: "1280", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** 26 groups: several directives of one family (the colours must differ), a wildcard's subdomains, noise. */
const GROUPS: { directive: string; blocked: string; weight: number; noise?: Violation["noise"] }[] = [
  { directive: "script-src-elem", blocked: "https://cdn.jsdelivr.net", weight: 60 },
  { directive: "script-src-elem", blocked: "https://www.googletagmanager.com", weight: 45 },
  { directive: "script-src", blocked: "https://static.hotjar.com", weight: 20 },
  { directive: "script-src-attr", blocked: "inline", weight: 12 },
  { directive: "script-src-elem", blocked: "inline", weight: 25 },
  { directive: "script-src", blocked: "eval", weight: 6 },
  { directive: "style-src-elem", blocked: "https://fonts.googleapis.com", weight: 40 },
  { directive: "style-src", blocked: "inline", weight: 14 },
  { directive: "style-src-attr", blocked: "inline", weight: 18 },
  { directive: "img-src", blocked: "https://a.img.example-cdn.net", weight: 22 },
  { directive: "img-src", blocked: "https://b.img.example-cdn.net", weight: 18 },
  { directive: "img-src", blocked: "https://c.img.example-cdn.net", weight: 14 },
  { directive: "img-src", blocked: "https://www.google-analytics.com", weight: 30 },
  { directive: "img-src", blocked: "data", weight: 9 },
  { directive: "connect-src", blocked: "https://region1.google-analytics.com", weight: 28 },
  { directive: "connect-src", blocked: "wss://realtime.example-chat.io", weight: 8 },
  { directive: "font-src", blocked: "https://fonts.gstatic.com", weight: 26 },
  { directive: "frame-src", blocked: "https://www.youtube-nocookie.com", weight: 10 },
  { directive: "frame-src", blocked: "https://js.stripe.com", weight: 12 },
  { directive: "form-action", blocked: "https://checkout.payments-provider.example", weight: 7 },
  { directive: "media-src", blocked: "https://media.example-video.net", weight: 5 },
  { directive: "worker-src", blocked: "blob", weight: 4 },
  { directive: "manifest-src", blocked: "https://shop.example.com", weight: 2 },
  { directive: "script-src-elem", blocked: "chrome-extension", weight: 10, noise: "extension" },
  { directive: "img-src", blocked: "moz-extension", weight: 6, noise: "extension" },
  {
    directive: "script-src-elem",
    blocked: "https://adservice.injected.example",
    weight: 4,
    noise: "injector",
  },
];
const PAGES = [
  "https://shop.example.com/",
  "https://shop.example.com/checkout",
  "https://shop.example.com/cart",
  "https://shop.example.com/products/very-long-product-name-with-many-words-in-the-slug-for-testing",
  "https://shop.example.com/account/settings",
];
const BROWSERS = ["Chrome 131", "Chrome 130", "Firefox 133", "Safari 18", "Edge 131", "Samsung Internet 27"];
const REPORTS = 800;
const DAYS = 6;

let app: TestApp;
/** The forwarder at Cinch's PUBLIC_URL, and that URL (the browser uses it too). */
let front: Server;
let base = "";
let browser: TestBrowser;
let page: Page;
let projectId = "";
let emptyProjectId = "";
let topGroupId = 0;
let cspViolations: string[] = [];
const errors: string[] = [];
/** axe-core's own source (the package exports it for exactly this: injecting into a page under test). */
const axeSource = axe.source;

/** ~800 reports over 6 days through the app's own writer, at past times (a daily cycle, Zipf-ish weights). */
async function seed(t: TestApp, id: string): Promise<void> {
  const rnd = prng(16);
  const total = GROUPS.reduce((s, g) => s + g.weight, 0);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < REPORTS; i++) {
    let r = rnd() * total;
    const g = GROUPS.find((x) => (r -= x.weight) < 0) ?? GROUPS[0]!;
    const at = now - Math.floor(rnd() * DAYS * 24) * HOUR_MS - Math.floor(rnd() * HOUR_MS);
    const page = rnd() < 0.12 ? PAGES[1]! : pick(PAGES);
    const blocked = g.noise === "extension" ? `${g.blocked}://abcdefghijklmnop/x.js` : g.blocked;
    const v: Violation = {
      directive: g.directive,
      blocked,
      blockedKey: g.noise === "extension" ? g.blocked : blocked,
      documentUrl: page,
      disposition: "report",
      sourceFile: page,
      line: 1,
      column: 1,
      sample: g.blocked === "inline" ? "console.log('hi')" : "",
      statusCode: 200,
      browser: pick(BROWSERS),
      noise: g.noise ?? null,
    };
    const tags = { policyVersion: null, env: pick(["production", "production", "staging"]) };
    // The writer counts the accepted and noise reports it commits.
    pending.push(t.deps.writer.enqueue(id, [v], tags, at));
  }
  await Promise.all(pending);
}

beforeAll(async () => {
  // Cinch's public URL is a forwarder in front of it, known before the app starts: "Send a test report" posts to
  // the public report URI, so the test report really leaves Cinch over HTTP and comes back in (end to end).
  front = createServer((req, res) => {
    const up = request(`${app.url}${req.url ?? "/"}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  const addr = front.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  app = await startTestApp({ PUBLIC_URL: base }, { dashboard: true });
  await app.deps.users.create(EMAIL, PASSWORD);
  const p = await app.deps.projects.create("shop.example.com");
  projectId = p.id;
  emptyProjectId = (await app.deps.projects.create("new-site.example")).id;
  await seed(app, projectId);
  const since = Date.now() - 7 * 24 * HOUR_MS;
  const res = await fetch(`${app.url}/api/projects/${projectId}/violations?since=${since}`, {
    headers: app.auth,
  });
  const body = (await res.json()) as { groups: { id: number }[] };
  topGroupId = body.groups[0]?.id ?? 0;
  expect(topGroupId).toBeGreaterThan(0);
  browser = await launchChromium();
  cspViolations = await recordCspViolations(browser.context);
  page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  const signin = await page.request.post(`${base}/api/session`, {
    data: { email: EMAIL, password: PASSWORD },
    headers: { "Content-Type": "application/json" },
  });
  expect(signin.status()).toBe(201);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  front?.closeAllConnections();
  await new Promise<void>((r) => (front ? front.close(() => r()) : r()));
  await app?.close();
});

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${PREFIX}-${name}.png`, fullPage: true });
}

/** Elements whose content is wider than their box, or that stick out of their table's or card's container. */
async function overflows(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""} "${(el.textContent ?? "").trim().slice(0, 30)}"`;
    // Closed <details> (the chart's table) are not laid out for the eye: checkVisibility() tells them apart.
    for (const table of Array.from(document.querySelectorAll("main table"))) {
      if (!table.checkVisibility()) continue;
      const box = table.parentElement?.getBoundingClientRect();
      const r = table.getBoundingClientRect();
      if (box && r.right > box.right + 1) out.push(`${describe(table)} ${r.width}px in ${box.width}px`);
    }
    for (const el of Array.from(document.querySelectorAll("main button, main a.button, main th, main td"))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || !el.checkVisibility()) continue;
      const parent = el.closest("table")?.parentElement ?? el.parentElement;
      const box = parent?.getBoundingClientRect();
      if (
        box &&
        (r.right > box.right + 1 || r.left < box.left - 1) &&
        getComputedStyle(parent!).overflowX === "visible"
      )
        out.push(`${describe(el)} right ${Math.round(r.right)} > ${Math.round(box.right)}`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push(`page ${document.documentElement.scrollWidth}px wide in ${window.innerWidth}px`);
    return out;
  });
}

/** axe-core's serious and critical violations on the current page (rule id and the first offending node). */
async function axeFindings(): Promise<string[]> {
  // Evaluated through the DevTools protocol, which Cinch's CSP (script-src 'self') does not govern; a <script>
  // tag with axe's source would be refused by that CSP, as it should be.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: Document,
          opts: object,
        ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const r = await w.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id}: ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(", ")}`,
      );
  });
}

const SCREENS = [
  { name: "explorer", path: () => `/projects/${projectId}/violations?range=7d`, ready: "Violation groups" },
  { name: "group", path: () => `/projects/${projectId}/groups/${topGroupId}`, ready: null },
  { name: "builder", path: () => `/projects/${projectId}/policy`, ready: "Candidate policy" },
  { name: "first-run", path: () => `/projects/${emptyProjectId}/violations`, ready: null },
  { name: "projects", path: () => `/`, ready: "Projects" },
  { name: "noise", path: () => `/projects/${projectId}/noise?range=7d`, ready: "Noise groups" },
  { name: "install", path: () => `/projects/${projectId}/install`, ready: null },
  { name: "settings", path: () => `/projects/${projectId}/settings`, ready: null },
] as const;

describe.sequential("dashboard layout with a realistic project", () => {
  for (const vp of VIEWPORTS) {
    for (const s of SCREENS) {
      test(`${s.name} at ${vp.name}`, async () => {
        await page.setViewportSize({ width: vp.width, height: vp.height });
        await page.goto(`${base}${s.path()}`);
        if (s.ready)
          await page.getByRole(s.name === "builder" ? "list" : "table", { name: s.ready }).waitFor();
        else await page.locator("main h1, main h2").first().waitFor();
        await page.waitForLoadState("networkidle");
        await shot(`${s.name}-${vp.name}`);
        const bad = await overflows();
        if (PREFIX === "before") {
          console.log(`${s.name} ${vp.name}: ${JSON.stringify(bad)}`);
          console.log(`axe ${s.name} ${vp.name}: ${JSON.stringify(await axeFindings())}`);
          return;
        }
        expect(bad).toEqual([]);
        expect(await axeFindings()).toEqual([]);
        if (vp.name === "phone") {
          // The phone's header is the brand and the menu button: before #16 a short page stretched it by ~170 px.
          const header = await page.locator(".sidebar").boundingBox();
          expect(header?.height).toBeLessThan(80);
          // The tabs scroll sideways there; their container shows a fade at the edge with more tabs (a cue).
          const tabs = page.locator(".tabs");
          if (await tabs.count()) {
            const { scrolls, background } = await tabs.evaluate((el) => ({
              scrolls: el.scrollWidth > el.clientWidth,
              background: getComputedStyle(el).backgroundImage,
            }));
            expect(scrolls).toBe(true);
            expect(background).toMatch(/linear-gradient.*linear-gradient.*linear-gradient.*linear-gradient/);
          }
        }
      });
    }
  }

  test("first run: Send a test report goes out to the public report URI and arrives, marked as a test", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/projects/${emptyProjectId}/violations`);
    await page.getByRole("heading", { name: "Waiting for your first report" }).waitFor();
    await page.getByRole("button", { name: "Send a test report" }).click();
    await page.getByText("It arrived.").waitFor({ timeout: 15_000 });
    await shot("first-run-sent-1280");
    await page.getByRole("link", { name: "See the test report" }).click();
    await page.getByText("Classified as noise:").waitFor();
    expect(await page.locator(".notice").first().textContent()).toContain("Test report");
    // kept out of the violations: the project's violation list is still empty, its noise holds one report
    const since = Date.now() - 24 * HOUR_MS;
    const ask = (noise: string) =>
      fetch(`${app.url}/api/projects/${emptyProjectId}/violations?since=${since}&noise=${noise}`, {
        headers: app.auth,
      }).then((r) => r.json() as Promise<{ totals: { reports: number } }>);
    expect((await ask("exclude")).totals.reports).toBe(0);
    expect((await ask("only")).totals.reports).toBe(1);
  });

  test("no page error and no CSP violation", () => {
    expect(errors).toEqual([]);
    if (PREFIX !== "before") expect(cspViolations).toEqual([]);
  });
});
