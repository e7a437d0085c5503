// The loop in a real browser, no mocks, two turns. Headless Chromium visits the demo shop, which serves on every
// page what Cinch's public pipeline URL answers (/p/<key>/policy?state=both). Turn 1: the starter (report-only),
// both wire formats arrive, the builder's v1 runs report-only, then enforced: the shop still works and eval stays
// blocked as decided. Turn 2: the shop ships a payment widget from a new origin and gets an injected script; v1
// blocks both in production, so both are decisions; the team accepts its own (v2), v2 runs report-only beside the
// enforced v1 (two headers), then v2 is enforced: the payment widget works, the injected script never got in.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { selfSignedCert, type Certificate } from "./helpers/tls.ts";
import { createDemo, type Demo } from "../../demo/site.ts";
import { pipelineSource } from "../../demo/policy-source.ts";
import { EVAL_CODE, INLINE_SCRIPT, INLINE_STYLE } from "../../demo/pages.ts";
import { hashSource } from "../../server/policy/hash.ts";

const ARTIFACTS = "artifacts/e2e";

type Check = { ok: boolean; detail: string };
type Violation = { directive: string; blocked: string; disposition: string; sample: string };
type Visit = {
  checks: Record<string, Check>;
  evalState: string;
  extra: string;
  violations: Violation[];
  /** The policy headers the page was served with (lower-case names). */
  served: Record<string, string>;
};
type Group = { id: number; directive: string; blocked: string; count: number; pages: string[] };
type Suggestion = { id: string; directive: string; source: string; action: string; applied: boolean };
type Decision = {
  id: string;
  kind: string;
  directive: string;
  add: string[];
  accepted: boolean;
  blockedSince?: number;
};
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
let cinchUrl = "";
let cinchTls: Server;
let demo: Demo;
let browser: TestBrowser;
let projectId = "";
let reportKey = "";
let pipeline = "";
/** Report requests Cinch received, by method and Content-Type (without parameters). */
const received = { csp: 0, reportsJson: 0, preflight: 0, other: 0 };
/** The headers served at each step, for the issue note (artifacts/e2e/loop-headers.txt). */
const headerLog: string[] = [];

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

const POLICY_HEADERS = [
  "content-security-policy",
  "content-security-policy-report-only",
  "reporting-endpoints",
];

/** Open `url`, wait for the page's own checks, and collect every securitypolicyviolation it saw. */
async function visit(page: Page, url: string): Promise<Visit> {
  const res = await page.goto(url);
  const all = res ? await res.allHeaders() : {};
  const served = Object.fromEntries(POLICY_HEADERS.filter((h) => h in all).map((h) => [h, all[h]!]));
  const seen = await page.evaluate(async () => {
    const w = window as unknown as {
      demoChecks: Promise<Record<string, Check>>;
      demoEval: string;
      demoExtra: string;
      cspViolations: Violation[];
    };
    const checks = await w.demoChecks;
    return { checks, evalState: w.demoEval, extra: w.demoExtra, violations: w.cspViolations };
  });
  return { ...seen, served };
}

/** Keep the headers a step served, with Cinch's address and key shortened for the note. */
function logServed(step: string, served: Record<string, string>): void {
  const short = (v: string) => v.replaceAll(`${cinchUrl}/r/${reportKey}`, "https://cinch/r/KEY");
  headerLog.push(`## ${step}`, ...Object.entries(served).map(([k, v]) => `${k}: ${short(v)}`), "");
}

/** Move a version; the answer's `deploy` is what the pipeline URL serves from now on. */
async function setState(version: number, state: string): Promise<string> {
  const moved = await json<{ state: string; deploy: string }>(
    await api(cinch, "POST", `/api/projects/${projectId}/policy/versions/${version}/state`, { state }),
  );
  expect(moved.state).toBe(state);
  const pub = await fetch(`${cinch.url}${new URL(pipeline).pathname}?format=header&state=both`);
  expect(await pub.text()).toBe(moved.deploy);
  return moved.deploy;
}

const okChecks = (v: Visit) => Object.fromEntries(Object.entries(v.checks).map(([k, c]) => [k, c.ok]));

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
  cinchUrl = `https://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  cinch = await startTestApp({ PUBLIC_URL: cinchUrl });
  handler = cinch.app.koa.callback();

  const project = await json<{ id: string; reportUri: string; reportKey: string }>(
    await api(cinch, "POST", "/api/projects", { name: "demo" }),
  );
  projectId = project.id;
  reportKey = project.reportKey;
  expect(project.reportUri.startsWith(`${cinchUrl}/r/`)).toBe(true);
  const key = await json<{ policyKey: string }>(
    await api(cinch, "GET", `/api/projects/${projectId}/policy/key`),
  );
  pipeline = `${cinchUrl}/p/${key.policyKey}/policy`;

  // *.localhost names resolve to loopback in Chromium and make distinct origins; the servers listen on 127.0.0.1.
  const at = (name: string) => ({ host: "127.0.0.1", port: 0, name });
  demo = await createDemo({
    cinchReportUri: project.reportUri,
    // What `npm run demo` does: every page asks Cinch's pipeline URL (over HTTPS, trusting the test certificate).
    policy: pipelineSource({
      url: pipeline,
      reportUri: project.reportUri,
      ca: cert.cert,
      onProblem: (m) => {
        throw new Error(m);
      },
    }),
    tls: cert,
    site: at("shop.localhost"),
    httpSite: at("shop.localhost"),
    cdn: at("cdn.localhost"),
    api: at("api.localhost"),
    ads: at("ads.localhost"),
    pay: at("pay.localhost"),
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
  if (headerLog.length > 0) writeFileSync(`${ARTIFACTS}/loop-headers.txt`, headerLog.join("\n"));
  await browser?.close();
  await demo?.stop();
  await cinch?.close();
  await new Promise<void>((r) => (cinchTls ? cinchTls.close(() => r()) : r()));
  cert?.remove();
});

describe.sequential("the loop in Chromium, two turns", () => {
  let built: Build;
  let v1 = 0;
  let v2 = 0;
  const BASE_CHECKS = 10;

  test("1. the starter, report-only: Chromium's reports of both formats arrive and are grouped", async () => {
    const page = await browser.newPage();
    const visits: Visit[] = [];
    for (const url of [demo.url, `${demo.url}/cart`, demo.httpUrl!]) visits.push(await visit(page, url));
    await page.screenshot({ path: `${ARTIFACTS}/1-report-only.png`, fullPage: true });
    await page.close();
    // No version yet: the pipeline URL answers 404 no_policy and the shop serves the starter, report-only.
    expect(Object.keys(visits[0]!.served).sort()).toEqual([
      "content-security-policy-report-only",
      "reporting-endpoints",
    ]);
    expect(visits[0]!.served["content-security-policy-report-only"]).toMatch(
      /report-uri [^;?]+; report-to cinch$/,
    );
    logServed("1. no version yet: the starter, report-only (pipeline URL: 404 no_policy)", visits[0]!.served);
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

  test("2. the builder's v1 (sources, a hash for the inline script, eval left out) runs report-only", async () => {
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

    v1 = (
      await json<{ version: number }>(
        await api(cinch, "POST", `/api/projects/${projectId}/policy/versions`, { policy: p }),
      )
    ).version;
    const deploy = await setState(v1, "report-only");
    expect(deploy).toMatch(
      new RegExp(`^Content-Security-Policy-Report-Only: .*/r/${reportKey}\\?v=${v1}; report-to cinch\n`),
    );

    // The shop now serves v1, report-only: nothing is blocked; the only violation left is the eval.
    const page = await browser.newPage();
    const v = await visit(page, demo.url);
    await page.close();
    logServed(`2. v${v1} report-only`, v.served);
    expect(v.served["content-security-policy-report-only"]).toContain(`?v=${v1}`);
    expect(v.served["content-security-policy"]).toBeUndefined();
    expect(v.evalState).toBe("ran");
    expect(v.violations).toEqual([
      { directive: "script-src", blocked: "eval", disposition: "report", sample: EVAL_CODE },
    ]);
    await until(`the eval report tagged v=${v1}`, async () =>
      (await groups(`version=${v1}`)).some((g) => g.blocked === "eval") ? true : undefined,
    );
    console.info(`built policy (grade ${built.grade}, score ${built.score}):\n${p}`);
  });

  test("3. v1 enforced: nothing accepted is blocked, the shop works, eval is blocked as decided", async () => {
    const deploy = await setState(v1, "enforced");
    expect(deploy).toMatch(new RegExp(`^Content-Security-Policy: .*\\?v=${v1}; report-to cinch\n`));
    const page = await browser.newPage();
    for (const url of [demo.url, `${demo.url}/cart`, demo.httpUrl!]) {
      const v = await visit(page, url);
      if (url === demo.url) {
        await page.screenshot({ path: `${ARTIFACTS}/2-enforced.png`, fullPage: true });
        logServed(`3. v${v1} enforced`, v.served);
        expect(Object.keys(v.served).sort()).toEqual(["content-security-policy", "reporting-endpoints"]);
      }
      expect(v.checks, url).toEqual(
        Object.fromEntries(Object.keys(v.checks).map((k) => [k, { ok: true, detail: expect.any(String) }])),
      );
      expect(Object.keys(v.checks)).toHaveLength(BASE_CHECKS);
      expect(v.evalState).toBe("blocked");
      // The only violation left is the eval nobody accepted.
      expect(v.violations, url).toEqual([
        { directive: "script-src", blocked: "eval", disposition: "enforce", sample: EVAL_CODE },
      ]);
    }
    await page.close();
    // Reported under the enforced version, via both formats' paths.
    await until("the enforced eval report", async () => {
      const gs = await groups(`version=${v1}&disposition=enforce`);
      return gs.some((g) => g.blocked === "eval" && g.count >= 3) ? true : undefined;
    });
    const enforcedGroups = await groups(`version=${v1}&disposition=enforce`);
    expect(enforcedGroups.map((g) => `${g.directive} ${g.blocked}`)).toEqual(["script-src eval"]);
  });

  test("4. turn 2: a new origin and an injected script, both blocked by v1 in production, are decisions", async () => {
    demo.set({ payments: true, extraScript: true });
    const page = await browser.newPage();
    const v = await visit(page, demo.url);
    await page.screenshot({ path: `${ARTIFACTS}/3-turn-2-blocked-by-v1.png`, fullPage: true });
    await page.close();
    // v1 knows neither: the shop's own new feature fails as well as the injected script; the rest still works.
    expect(v.extra).toBe("blocked");
    expect(v.checks["payment widget (new origin)"]).toEqual({ ok: false, detail: "did not run" });
    expect(Object.values(v.checks).filter((c) => c.ok)).toHaveLength(BASE_CHECKS);
    for (const origin of [demo.origins.pay, demo.origins.ads]) {
      expect(v.violations).toContainEqual(
        expect.objectContaining({
          directive: "script-src-elem",
          blocked: expect.stringContaining(origin) as string,
          disposition: "enforce",
        }),
      );
    }
    await until("Cinch to hold both blocked scripts under v1", async () => {
      const gs = await groups(`version=${v1}&disposition=enforce`);
      return [demo.origins.pay, demo.origins.ads].every((o) => gs.some((g) => g.blocked === o))
        ? true
        : undefined;
    });

    // However many reports: blocked in production means a decision each, neither in the candidate.
    const s = await json<Build>(await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`));
    const blocked = s.decisions.filter((d) => d.kind === "blocked-in-production");
    expect(blocked.map((d) => [d.id, d.blockedSince]).sort()).toEqual([
      [`blocked script-src ${demo.origins.ads}`, v1],
      [`blocked script-src ${demo.origins.pay}`, v1],
    ]);
    expect(s.policy).not.toContain("pay.localhost");
    expect(s.policy).not.toContain("ads.localhost");

    // The shop's team added the payment widget: it accepts that decision, and only that one, for v2.
    const next = await json<Build>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/build`, {
        accepted: [`blocked script-src ${demo.origins.pay}`],
      }),
    );
    expect(next.policy).toMatch(new RegExp(`script-src [^;]*${demo.origins.pay}`));
    expect(next.policy).not.toContain("ads.localhost");
    expect(next.policy).not.toContain("'unsafe-eval'");
    v2 = (
      await json<{ version: number }>(
        await api(cinch, "POST", `/api/projects/${projectId}/policy/versions`, { policy: next.policy }),
      )
    ).version;
  });

  test("5. v2 report-only beside the enforced v1: two headers, reports under v2 tagged v=2", async () => {
    const deploy = await setState(v2, "report-only");
    const lines = deploy.trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^Content-Security-Policy: .*\\?v=${v1}; report-to cinch$`)),
      expect.stringMatching(
        new RegExp(`^Content-Security-Policy-Report-Only: .*\\?v=${v2}; report-to cinch-candidate$`),
      ),
      `Reporting-Endpoints: cinch="${cinchUrl}/r/${reportKey}?v=${v1}", cinch-candidate="${cinchUrl}/r/${reportKey}?v=${v2}"`,
    ]);
    const pub = await fetch(`${cinch.url}${new URL(pipeline).pathname}`);
    expect([
      pub.headers.get("x-cinch-policy-version"),
      pub.headers.get("x-cinch-report-only-version"),
    ]).toEqual([String(v1), String(v2)]);

    const page = await browser.newPage();
    const v = await visit(page, demo.url);
    await page.screenshot({ path: `${ARTIFACTS}/4-two-headers.png`, fullPage: true });
    await page.close();
    logServed(`5. v${v1} enforced + v${v2} report-only`, v.served);
    expect(v.served).toEqual({
      "content-security-policy": lines[0]!.replace(/^[^:]+: /, ""),
      "content-security-policy-report-only": lines[1]!.replace(/^[^:]+: /, ""),
      "reporting-endpoints": lines[2]!.replace(/^[^:]+: /, ""),
    });
    // v1 still enforces: the payment widget stays blocked until v2 is enforced; v2 would allow it (no report-only
    // violation for it) and would still block the injected script and eval.
    expect(v.checks["payment widget (new origin)"]?.ok).toBe(false);
    const reportOnly = v.violations
      .filter((x) => x.disposition === "report")
      .map((x) => `${x.directive} ${x.blocked}`);
    expect(reportOnly.sort()).toEqual([`script-src eval`, `script-src-elem ${demo.origins.ads}/track.js`]);

    // Reports of the candidate arrive tagged v=2 (through its own report-to group); none for the payment widget.
    const under2 = await until("the report-only reports tagged v=2", async () => {
      const gs = await groups(`version=${v2}&disposition=report`);
      return gs.some((g) => g.blocked === demo.origins.ads) && gs.some((g) => g.blocked === "eval")
        ? gs
        : undefined;
    });
    expect(under2.map((g) => `${g.directive} ${g.blocked}`).sort()).toEqual([
      "script-src eval",
      `script-src-elem ${demo.origins.ads}`,
    ]);
    // The rollout status: v2 compared with the enforced v1 sees nothing new.
    const rollout = await json<{
      versions: { version: number; comparedWith: number | null; newGroups: unknown[] }[];
    }>(await api(cinch, "GET", `/api/projects/${projectId}/policy/rollout`));
    expect(rollout.versions.find((x) => x.version === v2)).toMatchObject({ comparedWith: v1, newGroups: [] });
    // Evidence under the report-only v2 does not let the injected script in: it was blocked under v1.
    const s = await json<Build>(await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`));
    expect(s.policy).not.toContain("ads.localhost");
  });

  test("6. v2 enforced: the shop works with its new origin, the injected script stays out", async () => {
    const deploy = await setState(v2, "enforced");
    expect(deploy).toMatch(
      new RegExp(
        `^Content-Security-Policy: .*\\?v=${v2}; report-to cinch\nReporting-Endpoints: cinch="[^"]+\\?v=${v2}"\n$`,
      ),
    );
    const page = await browser.newPage();
    for (const url of [demo.url, `${demo.url}/cart`, demo.httpUrl!]) {
      const v = await visit(page, url);
      if (url === demo.url) {
        await page.screenshot({ path: `${ARTIFACTS}/5-v2-enforced.png`, fullPage: true });
        logServed(`6. v${v2} enforced`, v.served);
      }
      // Nothing legitimate breaks: every check of the shop, the payment widget's included.
      expect(okChecks(v), url).toEqual(Object.fromEntries(Object.keys(v.checks).map((k) => [k, true])));
      expect(Object.keys(v.checks)).toHaveLength(BASE_CHECKS + 1);
      expect(v.evalState).toBe("blocked");
      expect(v.extra).toBe("blocked");
      expect(v.violations.map((x) => `${x.disposition} ${x.directive} ${x.blocked}`).sort(), url).toEqual([
        "enforce script-src eval",
        `enforce script-src-elem ${demo.origins.ads}/track.js`,
      ]);
    }
    await page.close();
    await until("the injected script's reports under v2", async () => {
      const gs = await groups(`version=${v2}&disposition=enforce`);
      return gs.some((g) => g.blocked === demo.origins.ads && g.count >= 3) ? true : undefined;
    });
    // Still a decision, blocked since v1, and never in the candidate.
    const s = await json<Build>(await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`));
    expect(s.policy).not.toContain("ads.localhost");
    expect(s.policy).toContain("pay.localhost");
    expect(
      s.decisions
        .filter((d) => d.kind === "blocked-in-production")
        .map((d) => [d.id, d.blockedSince, d.accepted]),
    ).toEqual([[`blocked script-src ${demo.origins.ads}`, v1, false]]);
  });
});
