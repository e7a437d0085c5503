// The loop in a real browser, no mocks: headless Chromium visits the demo shop under Cinch's report-only
// starter, Cinch receives both wire formats, the builder's policy is enforced, the shop still works, eval
// stays blocked as decided, and a never-seen third-party script is blocked and reported.
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { selfSignedCert, type Certificate } from "./helpers/tls.ts";
import { createDemo, type Demo } from "../../demo/site.ts";
import { EVAL_CODE, INLINE_SCRIPT, INLINE_STYLE } from "../../demo/pages.ts";
import { hashSource } from "../../server/policy/hash.ts";

const ARTIFACTS = "artifacts/e2e";

type Check = { ok: boolean; detail: string };
type Violation = { directive: string; blocked: string; disposition: string; sample: string };
type Visit = { checks: Record<string, Check>; evalState: string; extra: string; violations: Violation[] };
type Group = { id: number; directive: string; blocked: string; count: number; pages: string[] };
type Suggestion = { id: string; directive: string; source: string; action: string; applied: boolean };
type Decision = { id: string; kind: string; directive: string; add: string[]; accepted: boolean };
type Build = {
  policy: string;
  grade: string;
  score: number;
  suggestions: Suggestion[];
  decisions: Decision[];
  warnings: string[];
};

let cert: Certificate;
let cinch: TestApp;
let cinchTls: Server;
let demo: Demo;
let browser: TestBrowser;
let projectId = "";
/** Report requests Cinch received, by method and Content-Type (without parameters). */
const received = { csp: 0, reportsJson: 0, preflight: 0, other: 0 };

/** Poll `probe` until it returns a value, or fail after `ms` with the last state. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const groups = async (query = ""): Promise<Group[]> =>
  (await json<{ groups: Group[] }>(await api(cinch, "GET", `/api/projects/${projectId}/violations?${query}`)))
    .groups;

/** Open `url`, wait for the page's own checks, and collect every securitypolicyviolation it saw. */
async function visit(page: Page, url: string): Promise<Visit> {
  await page.goto(url);
  return page.evaluate(async () => {
    const w = window as unknown as {
      demoChecks: Promise<Record<string, Check>>;
      demoEval: string;
      demoExtra: string;
      cspViolations: Violation[];
    };
    const checks = await w.demoChecks;
    return { checks, evalState: w.demoEval, extra: w.demoExtra, violations: w.cspViolations };
  });
}

beforeAll(async () => {
  cert = selfSignedCert();
  // Cinch over HTTPS (report-to needs it), counting report requests by Content-Type before Koa sees them.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  cinchTls = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    if (req.url?.startsWith("/r/")) {
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
      if (req.method === "OPTIONS") received.preflight++;
      else if (type === "application/csp-report") received.csp++;
      else if (type === "application/reports+json") received.reportsJson++;
      else received.other++;
    }
    handler(req, res);
  });
  await new Promise<void>((r) => cinchTls.listen(0, "127.0.0.1", r));
  const addr = cinchTls.address();
  const cinchUrl = `https://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  cinch = await startTestApp({ PUBLIC_URL: cinchUrl });
  handler = cinch.app.koa.callback();

  const project = await json<{ id: string; reportUri: string }>(
    await api(cinch, "POST", "/api/projects", { name: "demo" }),
  );
  projectId = project.id;
  expect(project.reportUri.startsWith(`${cinchUrl}/r/`)).toBe(true);

  // *.localhost names resolve to loopback in Chromium and make distinct origins; the servers listen on 127.0.0.1.
  const at = (name: string) => ({ host: "127.0.0.1", port: 0, name });
  demo = await createDemo({
    cinchReportUri: project.reportUri,
    tls: cert,
    site: at("shop.localhost"),
    httpSite: at("shop.localhost"),
    cdn: at("cdn.localhost"),
    api: at("api.localhost"),
    ads: at("ads.localhost"),
  });
  browser = await launchChromium();
  // Record violations from the first byte on (before the page's own scripts run).
  await browser.context.addInitScript(() => {
    const list: Violation[] = [];
    (window as unknown as { cspViolations: Violation[] }).cspViolations = list;
    document.addEventListener("securitypolicyviolation", (e) =>
      list.push({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        disposition: e.disposition,
        sample: e.sample,
      }),
    );
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await cinch?.close();
  await new Promise<void>((r) => (cinchTls ? cinchTls.close(() => r()) : r()));
  cert?.remove();
});

describe.sequential("the loop in Chromium", () => {
  let built: Build;
  let version = 0;

  test("1. report-only: Chromium's reports of both formats arrive and are grouped", async () => {
    const page = await browser.newPage();
    const visits: Visit[] = [];
    for (const url of [demo.url, `${demo.url}/cart`, demo.httpUrl!]) visits.push(await visit(page, url));
    await page.screenshot({ path: `${ARTIFACTS}/1-report-only.png`, fullPage: true });
    await page.close();
    // Report-only blocks nothing: every check passes and eval runs, while violations are reported.
    for (const v of visits) {
      expect(
        Object.values(v.checks).every((c) => c.ok),
        JSON.stringify(v.checks),
      ).toBe(true);
      expect(v.evalState).toBe("ran");
      expect(v.violations.every((x) => x.disposition === "report")).toBe(true);
    }

    const cdn = demo.origins.cdn;
    const expected = [
      ["script-src-elem", cdn],
      ["font-src", cdn],
      ["frame-src", cdn],
      ["connect-src", demo.origins.api],
      ["img-src", "data"],
      ["script-src-elem", "inline"],
      ["style-src-attr", "inline"],
      ["script-src", "eval"],
    ] as const;
    // Three page views (two HTTPS, one HTTP) → each kind of violation three times.
    const seen = await until("Cinch to hold 3 reports of every violation", async () => {
      const gs = await groups();
      const ok = expected.every(([d, b]) =>
        gs.some((g) => g.directive === d && g.blocked === b && g.count >= 3),
      );
      return ok ? gs : undefined;
    });
    // HTTPS pages report through report-to (batches after a CORS preflight), the HTTP page through report-uri.
    expect(received.reportsJson).toBeGreaterThanOrEqual(1);
    expect(received.preflight).toBeGreaterThanOrEqual(1);
    expect(received.csp).toBeGreaterThanOrEqual(1);
    expect(received.other).toBe(0);
    // Nothing beyond what the shop uses (same-origin resources are allowed by the starter's 'self').
    const unexpected = seen.filter((g) => !expected.some(([d, b]) => g.directive === d && g.blocked === b));
    expect(unexpected).toEqual([]);
  });

  test("2. the builder's policy: sources accepted, a hash for the inline script, eval left out", async () => {
    const suggestion = await json<Build>(
      await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`),
    );
    const adds = suggestion.suggestions.filter((s) => s.action === "add").map((s) => s.id);
    // Inline code as the builder proposes it: the hash decision for the style attribute; never unsafe keywords.
    const hashes = suggestion.decisions.filter((d) => d.kind === "unsafe-hashes").map((d) => d.id);
    built = await json<Build>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/build`, { accepted: [...adds, ...hashes] }),
    );
    const p = built.policy;
    const { cdn, api: apiOrigin } = demo.origins;
    expect(p).toMatch(new RegExp(`script-src [^;]*${cdn}`));
    expect(p).toContain(hashSource(INLINE_SCRIPT));
    expect(p).toMatch(new RegExp(`font-src [^;]*${cdn}`));
    expect(p).toMatch(new RegExp(`frame-src [^;]*${cdn}`));
    expect(p).toMatch(new RegExp(`connect-src [^;]*${apiOrigin}`));
    expect(p).toMatch(/img-src [^;]*data:/);
    expect(p).toMatch(
      new RegExp(`style-src-attr [^;]*'unsafe-hashes' ${hashSource(INLINE_STYLE).replace(/[+/]/g, "\\$&")}`),
    );
    expect(p).not.toContain("'unsafe-eval'");
    expect(p).not.toContain("'unsafe-inline'");
    expect(p).not.toContain("ads.localhost");
    const evalDecision = built.decisions.find((d) => d.add.includes("'unsafe-eval'"));
    expect(evalDecision?.accepted).toBe(false);

    // The builder's own prediction, which step 3 checks against Chromium: only eval is blocked, and the inline
    // code is allowed on the condition that the page's code is exactly the sample (the hashes).
    const preview = await json<{ blockedGroups: Group[]; conditionalGroups: Group[] }>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/preview`, { policy: p }),
    );
    const keys = (gs: Group[]) => gs.map((g) => `${g.directive} ${g.blocked}`).sort();
    expect(keys(preview.blockedGroups)).toEqual(["script-src eval"]);
    expect(keys(preview.conditionalGroups)).toEqual(["script-src-elem inline", "style-src-attr inline"]);

    const created = await json<{ version: number; servedPolicy: string }>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/versions`, { policy: p }),
    );
    version = created.version;
    const enforced = await json<{ state: string; servedPolicy: string }>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/versions/${version}/state`, {
        state: "enforced",
      }),
    );
    expect(enforced.state).toBe("enforced");
    expect(enforced.servedPolicy).toContain(`?v=${version}`);
    demo.set({ policy: enforced.servedPolicy, enforce: true });
    console.info(`built policy (grade ${built.grade}, score ${built.score}):\n${p}`);
  });

  test("3. enforced: nothing accepted is blocked, the shop works, eval is blocked as decided", async () => {
    const page = await browser.newPage();
    for (const url of [demo.url, `${demo.url}/cart`, demo.httpUrl!]) {
      const v = await visit(page, url);
      if (url === demo.url) await page.screenshot({ path: `${ARTIFACTS}/2-enforced.png`, fullPage: true });
      expect(v.checks, url).toEqual(
        Object.fromEntries(Object.keys(v.checks).map((k) => [k, { ok: true, detail: expect.any(String) }])),
      );
      expect(Object.keys(v.checks)).toHaveLength(10);
      expect(v.evalState).toBe("blocked");
      // The only violation left is the eval nobody accepted.
      expect(v.violations, url).toEqual([
        { directive: "script-src", blocked: "eval", disposition: "enforce", sample: EVAL_CODE },
      ]);
    }
    await page.close();
    // Reported under the enforced version, via both formats' paths.
    await until("the enforced eval report", async () => {
      const gs = await groups(`version=${version}&disposition=enforce`);
      return gs.some((g) => g.blocked === "eval" && g.count >= 3) ? true : undefined;
    });
    const enforcedGroups = await groups(`version=${version}`);
    expect(enforcedGroups.map((g) => `${g.directive} ${g.blocked}`)).toEqual(["script-src eval"]);
  });

  test("4. a never-seen third-party script is blocked and reported", async () => {
    demo.set({ extraScript: true });
    const page = await browser.newPage();
    const v = await visit(page, demo.url);
    await page.screenshot({ path: `${ARTIFACTS}/3-new-third-party.png`, fullPage: true });
    await page.close();
    expect(v.extra).toBe("blocked");
    expect(
      Object.values(v.checks).every((c) => c.ok),
      JSON.stringify(v.checks),
    ).toBe(true);
    expect(v.violations).toContainEqual({
      directive: "script-src-elem",
      blocked: `${demo.origins.ads}/track.js`,
      disposition: "enforce",
      sample: "",
    });
    const ads = await until("Cinch to hold the third-party script's report", async () => {
      const gs = await groups(`version=${version}&disposition=enforce`);
      return gs.find((g) => g.blocked === demo.origins.ads);
    });
    expect(ads).toMatchObject({ directive: "script-src-elem", count: 1, pages: [`${demo.url}/`] });
  });
});
