// Script inventory (#18) in real Chromium: a shop page over HTTPS loads a same-origin script, a cross-origin
// script in CORS mode and a cross-origin script without CORS, under 'report-sha384' and Integrity-Policy-Report-Only.
// The shop serves the headers Cinch's Install page offers once the project opts in. Chromium's csp-hash and
// integrity-violation reports reach Cinch's /r/<key> (raw bodies kept: artifacts/e2e/scripts-captures.json); the
// inventory holds the three scripts with the exact SHA-384 of the served bytes; a script is authorized in the
// dashboard; its bytes change (a second hash, a change event); the dashboard's export holds the review.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type {
  ProjectDto,
  ScriptDto,
  ScriptEventDto,
  ScriptEventsDto,
  ScriptExportDto,
  ScriptsDto,
  ScriptSriDto,
} from "../../server/contract.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { selfSignedCert, type Certificate } from "./helpers/tls.ts";

const ARTIFACTS = "artifacts/e2e";
const EMAIL = "merchant@example.com";
const PASSWORD = "violet-kettle-97-harbour";
const JUSTIFICATION = "Our own checkout bundle, built by CI from the shop repository (ticket PAY-1234).";

/** One request Chromium sent to /r/<key>: its Content-Type and the exact body. */
type Capture = { contentType: string; body: string; at: number };

let cert: Certificate;
let cinch: TestApp;
let cinchTls: Server;
let cinchUrl = "";
let browser: TestBrowser;
let projectId = "";
let reportKey = "";
const captures: Capture[] = [];
/** The header lines the Install page offers (the merchant pastes them on the shop). */
let installHeaders: string[] = [];
/** CSP violations and errors on Cinch's own (dashboard) pages: any fails the test. */
const dashboardProblems: string[] = [];

// The shop's scripts: their bytes are what the test hashes; `appJs` changes in the last step.
let appJs = "window.shopApp = 'v1';\n";
const corsJs = "window.cdnCors = 'ok';\n";
const noCorsJs = "window.cdnNoCors = 'ok';\n";
let shop: Server;
let cdn: Server;
let shopUrl = "";
let cdnUrl = "";

/** The SRI value of `text` as Chromium computes it: "sha384-" + base64 of SHA-384 of the bytes. */
const sri384 = (text: string) => `sha384-${createHash("sha384").update(text).digest("base64")}`;

async function listen(server: Server, name: string): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return `https://${name}:${typeof addr === "object" && addr ? addr.port : 0}`;
}

/** Poll `probe` until it returns a value, or fail after `ms` with the last state. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The shop serves exactly the header lines Cinch's Install page offers ("Name: value"). */
function shopHeaders(): Record<string, string> {
  return Object.fromEntries(
    installHeaders.map((line) => {
      const i = line.indexOf(":");
      return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
    }),
  );
}

function shopPage(): string {
  return [
    "<!doctype html><html><head><meta charset=utf-8><title>shop</title>",
    `<script src="/app.js"></script>`,
    `<script src="${cdnUrl}/lib/cors.js" crossorigin="anonymous"></script>`,
    `<script src="${cdnUrl}/lib/nocors.js"></script>`,
    "</head><body><h1>shop</h1></body></html>",
  ].join("\n");
}

function serve(res: ServerResponse, type: string, body: string, headers: Record<string, string> = {}) {
  res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store", ...headers });
  res.end(body);
}

/** All the entries of the report bodies captured so far (Reporting API batches), parsed. */
function capturedEntries(): { type: string; body: Record<string, unknown> }[] {
  const out: { type: string; body: Record<string, unknown> }[] = [];
  for (const c of captures) {
    const parsed: unknown = JSON.parse(c.body);
    for (const e of Array.isArray(parsed) ? parsed : [parsed]) out.push(e as never);
  }
  return out;
}

beforeAll(async () => {
  cert = selfSignedCert();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  // Cinch over HTTPS (report-to needs it); every report request's raw body is kept as Koa reads it. The body is
  // seen through the request's own events: a listener of ours would start the stream flowing before Cinch reads
  // it, and on PostgreSQL (an asynchronous report-key lookup first) Cinch would then wait for data already gone.
  cinchTls = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (req.url?.startsWith("/r/") && req.method === "POST") {
      const chunks: Buffer[] = [];
      const emit = req.emit.bind(req);
      req.emit = ((event: string | symbol, ...args: unknown[]) => {
        if (event === "data") chunks.push(args[0] as Buffer);
        if (event === "end")
          captures.push({
            contentType: req.headers["content-type"] ?? "",
            body: Buffer.concat(chunks).toString("utf8"),
            at: Date.now(),
          });
        return emit(event, ...args);
      }) as typeof req.emit;
    }
    handler(req, res);
  });
  cinchUrl = await listen(cinchTls, "127.0.0.1");
  cinch = await startTestApp({ PUBLIC_URL: cinchUrl }, { dashboard: true });
  handler = cinch.app.koa.callback();
  await cinch.deps.users.create(EMAIL, PASSWORD);
  const created = await json<ProjectDto>(await api(cinch, "POST", "/api/projects", { name: "shop" }));
  projectId = created.id;
  reportKey = created.reportKey;
  // The merchant's opt-in: script hashes in the served policies, and /checkout is a payment page.
  const project = await json<ProjectDto>(
    await api(cinch, "PATCH", `/api/projects/${projectId}`, {
      settings: { reportScriptHashes: true, paymentPages: ["/checkout"] },
    }),
  );
  installHeaders = project.install.headers;

  const tls = { cert: cert.cert, key: cert.key };
  cdn = createServer(tls, (req, res) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (path === "/lib/cors.js")
      serve(res, "text/javascript", corsJs, { "Access-Control-Allow-Origin": "*" });
    else if (path === "/lib/nocors.js") serve(res, "text/javascript", noCorsJs);
    else res.writeHead(404).end();
  });
  shop = createServer(tls, (req, res) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    if (path === "/" || path === "/checkout") serve(res, "text/html", shopPage(), shopHeaders());
    else if (path === "/app.js") serve(res, "text/javascript", appJs);
    else res.writeHead(404).end();
  });
  // *.localhost names resolve to loopback in Chromium and make distinct origins.
  cdnUrl = await listen(cdn, "cdn.localhost");
  shopUrl = await listen(shop, "shop.localhost");
  browser = await launchChromium();
  // Cinch's own pages must raise nothing under its strict CSP (the shop's report-only policy may).
  await browser.context.exposeBinding("__scriptsCspViolation", (source, detail: string) => {
    if (source.page.url().startsWith(cinchUrl)) dashboardProblems.push(`csp: ${detail}`);
  });
  await browser.context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const w = window as unknown as { __scriptsCspViolation: (d: string) => void };
      w.__scriptsCspViolation(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
  browser.context.on("page", (p) =>
    p.on("pageerror", (e) => {
      if (p.url().startsWith(cinchUrl)) dashboardProblems.push(`pageerror: ${e.message}`);
    }),
  );
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  const short = (s: string) =>
    s
      .replaceAll(shopUrl, "https://shop.localhost")
      .replaceAll(cdnUrl, "https://cdn.localhost")
      .replaceAll(reportKey, "KEY");
  if (installHeaders.length > 0)
    writeFileSync(
      `${ARTIFACTS}/scripts-headers.txt`,
      short(installHeaders.join("\n")).replaceAll(cinchUrl, "https://cinch"),
    );
  if (captures.length > 0)
    writeFileSync(
      `${ARTIFACTS}/scripts-captures.json`,
      short(
        JSON.stringify(
          captures.map((c) => ({ contentType: c.contentType, body: JSON.parse(c.body) as unknown })),
          null,
          2,
        ),
      ),
    );
  await browser?.close();
  await cinch?.close();
  for (const s of [cinchTls, shop, cdn]) await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
  cert?.remove();
});

/** The inventory through the API (the dashboard's own source). */
const inventory = async (query = ""): Promise<ScriptDto[]> =>
  (await json<ScriptsDto>(await api(cinch, "GET", `/api/projects/${projectId}/scripts${query}`))).scripts;

const events = async (): Promise<ScriptEventDto[]> =>
  (await json<ScriptEventsDto>(await api(cinch, "GET", `/api/projects/${projectId}/scripts/events`))).events;

/** Open the shop's checkout and check its three scripts ran (the policies are report-only: nothing is blocked). */
/** When the last visit started navigating (ms since the epoch), for the delays the test prints. */
let loadedAt = 0;

async function visitShop(expectApp: string): Promise<Record<string, string>> {
  const before = captures.length;
  const page = await browser.newPage();
  loadedAt = Date.now();
  const res = await page.goto(`${shopUrl}/checkout`);
  const headers = res ? await res.allHeaders() : {};
  expect(await page.evaluate(() => [window.shopApp, window.cdnCors, window.cdnNoCors])).toEqual([
    expectApp,
    "ok",
    "ok",
  ]);
  // The page stays open while Chromium uploads its reports (--short-reporting-delay: about a second).
  await until("Chromium's uploads of this visit", async () => {
    const n = captures.length;
    await new Promise((r) => setTimeout(r, 1500));
    return n > before && captures.length === n ? true : undefined;
  });
  await page.close();
  return headers;
}

describe.sequential("script inventory in Chromium", () => {
  const app = () => `${shopUrl}/app.js`;
  const cors = () => `${cdnUrl}/lib/cors.js`;
  const noCors = () => `${cdnUrl}/lib/nocors.js`;
  const byUrl = (list: ScriptDto[], url: string) => list.find((s) => s.url === url);

  test("1. three scripts under 'report-sha384' + Integrity-Policy-Report-Only: exact hashes, none with SRI", async () => {
    const served = await visitShop("v1");
    // What the merchant pasted from the Install page: 'report-sha384' in script-src, the integrity policy.
    expect(served["content-security-policy-report-only"]).toMatch(/script-src [^;]*'report-sha384'/);
    expect(served["integrity-policy-report-only"]).toBe("blocked-destinations=(script), endpoints=(cinch)");

    // What Chromium sent (raw): a csp-hash per script with the SRI value of the served bytes, "" without CORS.
    const entries = await until("a csp-hash and an integrity-violation for each script", async () => {
      const es = capturedEntries();
      const urls = (type: string, key: string) =>
        new Set(es.filter((e) => e.type === type).map((e) => e.body[key]));
      const hashed = urls("csp-hash", "subresourceURL");
      const noSri = urls("integrity-violation", "blockedURL");
      return [app(), cors(), noCors()].every((u) => hashed.has(u) && noSri.has(u)) ? es : undefined;
    });
    const hashOf = (url: string) =>
      entries.find((e) => e.type === "csp-hash" && e.body.subresourceURL === url)?.body.hash;
    expect(hashOf(app())).toBe(sri384(appJs));
    expect(hashOf(cors())).toBe(sri384(corsJs));
    expect(hashOf(noCors())).toBe("");
    const noSri = new Set(
      entries.filter((e) => e.type === "integrity-violation").map((e) => e.body.blockedURL),
    );
    expect([...noSri].sort()).toEqual([app(), cors(), noCors()].sort());

    const list = await until("the inventory to hold the three scripts, hashed and without SRI", async () => {
      const l = await inventory();
      return [app(), cors(), noCors()].every(
        (u) => byUrl(l, u)?.hashable !== null && byUrl(l, u)?.sri === false,
      )
        ? l
        : undefined;
    });
    const complete = Date.now() - loadedAt;
    const count = (type: string) => entries.filter((e) => e.type === type).length;
    console.info(
      `Chromium: ${captures.length} uploads (${captures.map((c) => `+${c.at - loadedAt} ms`).join(", ")} after navigation start), ` +
        `${count("csp-hash")} csp-hash, ${count("integrity-violation")} integrity-violation, ` +
        `${count("csp-violation")} csp-violation; the inventory seen complete ${complete} ms after it (the test first waits 1.5 s for uploads to settle)`,
    );
    const summary = (s: ScriptDto | undefined) =>
      s && {
        origin: s.origin,
        status: s.status,
        hashes: s.hashes.map((h) => h.hash),
        hashable: s.hashable,
        sri: s.sri,
        pages: s.pages,
        onPaymentPage: s.onPaymentPage,
      };
    const page = [`${shopUrl}/checkout`];
    expect(list).toHaveLength(3);
    expect(summary(byUrl(list, app()))).toEqual({
      origin: shopUrl,
      status: "new",
      hashes: [sri384(appJs)],
      hashable: true,
      sri: false,
      pages: page,
      onPaymentPage: true,
    });
    expect(summary(byUrl(list, cors()))).toEqual({
      origin: cdnUrl,
      status: "new",
      hashes: [sri384(corsJs)],
      hashable: true,
      sri: false,
      pages: page,
      onPaymentPage: true,
    });
    expect(summary(byUrl(list, noCors()))).toEqual({
      origin: cdnUrl,
      status: "new",
      hashes: [],
      hashable: false,
      sri: false,
      pages: page,
      onPaymentPage: true,
    });
    // The filters the dashboard offers.
    expect((await inventory("?missingSri=1")).map((s) => s.url).sort()).toEqual(
      [app(), cors(), noCors()].sort(),
    );
    expect((await inventory("?payment=1")).length).toBe(3);
    expect((await inventory(`?origin=${encodeURIComponent(cdnUrl)}`)).map((s) => s.url).sort()).toEqual(
      [cors(), noCors()].sort(),
    );
    // The change log: three new scripts, each on a payment page without SRI.
    const log = await events();
    for (const u of [app(), cors(), noCors()]) {
      expect(
        log
          .filter((e) => e.url === u)
          .map((e) => e.kind)
          .sort(),
      ).toEqual(["script-new", "script-no-sri"]);
    }
    // The SRI helper: the exact tag for each hashable script, the no-CORS one listed with what to change.
    const sriHelp = await json<ScriptSriDto>(
      await api(cinch, "GET", `/api/projects/${projectId}/scripts/sri`),
    );
    expect(sriHelp.tags.map((t) => t.tag).sort()).toEqual(
      [
        `<script src="${app()}" integrity="${sri384(appJs)}" crossorigin="anonymous"></script>`,
        `<script src="${cors()}" integrity="${sri384(corsJs)}" crossorigin="anonymous"></script>`,
      ].sort(),
    );
    expect(sriHelp.missing.map((m) => m.url).sort()).toEqual([app(), cors(), noCors()].sort());
    // csp-hash and integrity-violation reports never become violation groups: the only group is the starter
    // policy's real violation (script-src 'self' does not allow the CDN; report-only, so both CDN scripts ran).
    const groups = await until("the starter policy's violation group", async () => {
      const gs = (
        await json<{ groups: { directive: string; blocked: string }[] }>(
          await api(cinch, "GET", `/api/projects/${projectId}/violations`),
        )
      ).groups;
      return gs.length > 0 ? gs : undefined;
    });
    expect(groups.map((g) => `${g.directive} ${g.blocked}`)).toEqual([`script-src-elem ${cdnUrl}`]);
  }, 90_000);

  test("2. the dashboard: the Scripts page lists them, a script is authorized with a written justification", async () => {
    const page = await browser.newPage();
    const signin = await page.request.post(`${cinchUrl}/api/session`, {
      data: { email: EMAIL, password: PASSWORD },
      headers: { "Content-Type": "application/json" },
    });
    expect(signin.status()).toBe(201);
    const res = await page.goto(`${cinchUrl}/projects/${projectId}/scripts`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    const table = page.getByRole("table", { name: "Scripts" });
    await table.waitFor();
    expect(await table.getByRole("row").count()).toBe(4);
    await page.getByRole("checkbox", { name: "Missing SRI" }).check();
    await expect.poll(() => page.url()).toContain("missingSri=1");
    await page.screenshot({ path: `${ARTIFACTS}/scripts-1-inventory.png`, fullPage: true });

    await table.getByRole("link", { name: app() }).click();
    await page.getByRole("heading", { name: app() }).waitFor();
    const tag = page.locator("figure", { hasText: "Copy SRI tag" }).locator("code");
    expect(await tag.textContent()).toBe(
      `<script src="${app()}" integrity="${sri384(appJs)}" crossorigin="anonymous"></script>`,
    );
    const form = page.getByRole("form", { name: "Review this script" });
    await form.getByLabel("Justification").fill(JUSTIFICATION);
    await form.getByRole("button", { name: "Authorize" }).click();
    await page.getByLabel("Last review").getByText(JUSTIFICATION).waitFor();
    expect(await page.getByLabel("Last review").textContent()).toContain(`Authorized by ${EMAIL}`);
    await page.screenshot({ path: `${ARTIFACTS}/scripts-2-authorized.png`, fullPage: true });
    // On a phone (390 px) both pages fit: long URLs and hashes wrap, the table scrolls inside its frame.
    await page.setViewportSize({ width: 390, height: 844 });
    const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await page.goto(`${cinchUrl}/projects/${projectId}/scripts`);
    await table.waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}/scripts-3-phone.png`, fullPage: true });
    await page.close();

    const s = byUrl(await inventory(), app());
    expect(s?.status).toBe("authorized");
    expect(dashboardProblems).toEqual([]);
  }, 90_000);

  test("3. the served script changes: a second hash, a change event, the authorized script is back to review", async () => {
    const before = sri384(appJs);
    appJs = "window.shopApp = 'v2'; /* a new release */\n";
    await visitShop("v2");
    const changed = await until("the second hash of app.js", async () => {
      const s = byUrl(await inventory(), app());
      return s && s.hashes.length === 2 ? s : undefined;
    });
    // Newest first, each the exact SHA-384 of the bytes served at the time.
    expect(changed.hashes.map((h) => h.hash)).toEqual([sri384(appJs), before]);
    expect(changed.status).toBe("changed");
    expect((await inventory("?changed=1")).map((s) => s.url)).toEqual([app()]);
    const change = (await events()).filter((e) => e.kind === "script-changed");
    expect(change.map((e) => [e.url, e.detail])).toEqual([[app(), sri384(appJs)]]);
    // The other two did not change.
    const rest = await inventory();
    expect(byUrl(rest, cors())?.hashes).toHaveLength(1);
    expect(byUrl(rest, noCors())?.hashes).toHaveLength(0);

    // The dashboard says so: filtered to changed scripts, one row, to review again, with two hashes.
    const page = await browser.newPage();
    await page.goto(`${cinchUrl}/projects/${projectId}/scripts?changed=1`);
    const table = page.getByRole("table", { name: "Scripts" });
    await table.waitFor();
    const rows = table.getByRole("row");
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).getByRole("cell").allTextContents()).toEqual([
      expect.stringContaining(app()),
      "Changed — review",
      expect.stringContaining("2 hashes seen"),
      "Missing",
      "1",
      expect.any(String),
    ]);
    await page.close();
    expect(dashboardProblems).toEqual([]);
  }, 90_000);

  test("4. the export for the period (downloaded from the dashboard) holds the review and the change log", async () => {
    const page = await browser.newPage();
    await page.goto(`${cinchUrl}/projects/${projectId}/scripts`);
    const form = page.getByRole("form", { name: "Export the inventory" });
    await form.getByLabel("Format").selectOption("json");
    const today = new Date().toISOString().slice(0, 10);
    await form.getByLabel("First day (UTC)").fill(today);
    await form.getByLabel("Last day (UTC)").fill(today);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      form.getByRole("button", { name: "Download JSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`scripts-${today}-${today}.json`);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, "utf8")) as ScriptExportDto;
    await page.close();
    expect(dashboardProblems).toEqual([]);

    expect(exported.scripts.map((s) => s.url).sort()).toEqual([app(), cors(), noCors()].sort());
    const a = exported.scripts.find((s) => s.url === app())!;
    expect(a.review).toMatchObject({ status: "authorized", justification: JUSTIFICATION, by: EMAIL });
    expect(a.hashes).toHaveLength(2);
    expect(exported.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["script-new", "script-no-sri", "script-reviewed", "script-changed"]),
    );
    expect(exported.events.find((e) => e.kind === "script-reviewed")).toMatchObject({
      url: app(),
      actor: EMAIL,
    });
    // The CSV of the same period carries the justification too.
    const csv = await api(cinch, "GET", `/api/projects/${projectId}/scripts/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain(JUSTIFICATION);
  }, 90_000);
});

declare global {
  interface Window {
    shopApp?: string;
    cdnCors?: string;
    cdnNoCors?: string;
  }
}
