// Inline-script hashes against Chromium's real samples: which hashes the builder proposes from reports, which
// of them Chromium then accepts, and how the builder's verification round (report-only with the hashes) reads
// the reports that follow. Measured with Chromium 156: the sample is the script text trimmed of ASCII
// whitespace, then cut at 40 UTF-16 code units; the hash is checked against the untrimmed text.
import { createServer, type Server } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import { launchChromium, type TestBrowser } from "./helpers/browser.ts";
import { starterPolicy } from "../../server/policy/starter.ts";
import { hashSource } from "../../server/policy/hash.ts";

/** Inline scripts of the page, each setting its own flag: name → exact text between <script> and </script>. */
const SCRIPTS = {
  // Short, no surrounding whitespace: the sample is the whole script.
  tight: "self.ran.tight=1",
  // Short, indented as most HTML is: the sample is the trimmed text, so its hash is not the script's.
  padded: "\n    self.ran.padded=1\n  ",
  // Longer than 40 characters: the sample is cut, no hash can be computed from it.
  long: "self.ran.long='0123456789012345678901234567890123456789'",
} as const;
type Name = keyof typeof SCRIPTS;

let cinch: TestApp;
let site: Server;
let siteUrl = "";
let browser: TestBrowser;
let projectId = "";
let policy = "";
let header = "Content-Security-Policy-Report-Only";
let reportUri = "";

type Build = {
  policy: string;
  suggestions: { id: string; action: string; source: string; applied: boolean; verify?: boolean }[];
  decisions: { id: string; kind: string; accepted: boolean }[];
};

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Visit the page: which scripts ran, and the samples of the inline violations Chromium saw. */
async function visit(page: Page): Promise<{ ran: Name[]; samples: string[] }> {
  await page.goto(siteUrl);
  return page.evaluate(() => {
    const w = window as unknown as { ran: Record<string, number>; cspSamples: string[] };
    return { ran: Object.keys(w.ran).sort() as Name[], samples: [...w.cspSamples].sort() };
  });
}

/** Wait until Cinch holds `n` inline reports tagged with `version` (or untagged when null). */
async function inlineReports(n: number, version: number | null): Promise<void> {
  const end = Date.now() + 15_000;
  for (;;) {
    const q = version === null ? "" : `&version=${version}`;
    const { groups } = await json<{ groups: { blocked: string; count: number }[] }>(
      await api(cinch, "GET", `/api/projects/${projectId}/violations?directive=script-src-elem${q}`),
    );
    const count = groups.find((g) => g.blocked === "inline")?.count ?? 0;
    if (count >= n) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${n} inline reports (have ${count})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hashOf = (name: Name): string => hashSource(SCRIPTS[name]);
const sampleHashOf = (name: Name): string => hashSource(SCRIPTS[name].trim());

beforeAll(async () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end();
  const cinchServer = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => cinchServer.listen(0, "127.0.0.1", r));
  const addr = cinchServer.address();
  const cinchUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  // An HTTP Cinch: report-uri only (report-to would need HTTPS on both sides; see loop.test.ts).
  cinch = await startTestApp({ PUBLIC_URL: cinchUrl });
  handler = cinch.app.koa.callback();
  const closeCinch = cinch.close.bind(cinch);
  cinch.close = async () => {
    cinchServer.closeAllConnections();
    await new Promise<void>((r) => cinchServer.close(() => r()));
    await closeCinch();
  };
  const project = await json<{ id: string; reportKey: string; reportOnlyPolicy: string }>(
    await api(cinch, "POST", "/api/projects", { name: "inline" }),
  );
  projectId = project.id;
  policy = project.reportOnlyPolicy;
  expect(policy).toBe(starterPolicy({ reportUri: `${cinchUrl}/r/${project.reportKey}` }));

  const body =
    "<!doctype html><title>inline</title>\n" +
    Object.values(SCRIPTS)
      .map((s) => `<script>${s}</script>`)
      .join("\n");
  reportUri = `${cinchUrl}/r/${project.reportKey}`;
  site = createServer((req, res) => {
    // /report-to?env=E: one inline script under a policy naming a report-to group (endpoint: this HTTP Cinch);
    // /report-uri?env=E: the same with report-uri only. The env tag tells their reports apart.
    const u = new URL(req.url ?? "/", "http://x");
    const env = u.searchParams.get("env") ?? "";
    if (u.pathname === "/report-to" || u.pathname === "/report-uri") {
      const to = u.pathname === "/report-to";
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy-Report-Only": `script-src 'none'; report-uri ${reportUri}?env=${env}${to ? "; report-to cinch" : ""}`,
        ...(to ? { "Reporting-Endpoints": `cinch="${reportUri}?env=${env}"` } : {}),
      });
      res.end("<!doctype html><script>0</script>");
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", [header]: policy });
    res.end(body);
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
  const a = site.address();
  siteUrl = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/`;
  browser = await launchChromium();
  await browser.context.addInitScript(() => {
    const samples: string[] = [];
    Object.assign(window, { ran: {}, cspSamples: samples });
    document.addEventListener("securitypolicyviolation", (e) => {
      if (e.blockedURI === "inline") samples.push(e.sample);
    });
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (site ? site.close(() => r()) : r()));
  await cinch?.close();
});

describe.sequential("inline hashes: builder vs Chromium", () => {
  let page: Page;
  let v1 = 0;

  test("Chromium's samples: trimmed, then cut at 40", async () => {
    page = await browser.newPage();
    const seen = await visit(page);
    expect(seen.ran).toEqual(["long", "padded", "tight"]);
    expect(seen.samples).toEqual([SCRIPTS.tight, SCRIPTS.padded.trim(), SCRIPTS.long.slice(0, 40)].sort());
    await inlineReports(3, null);
  });

  test("the builder proposes a hash per whole sample, none for the cut one; verified under report-only", async () => {
    const b = await json<Build>(await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`));
    const hashes = b.suggestions.filter((s) => s.source.startsWith("'sha256-"));
    expect(hashes.map((s) => s.source).sort()).toEqual([hashOf("tight"), sampleHashOf("padded")].sort());
    expect(hashes.every((s) => s.verify === true)).toBe(true);
    expect(b.policy).not.toContain(hashSource(SCRIPTS.long.slice(0, 40)));
    // The cut sample leaves a nonce (or 'unsafe-inline') decision to the user; not taken here.
    expect(b.decisions.map((d) => d.kind)).toContain("nonce");
    const built = await json<Build>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/build`, {
        accepted: b.suggestions.filter((s) => s.action === "add").map((s) => s.id),
      }),
    );
    const v = await json<{ version: number; servedPolicy: string }>(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/versions`, { policy: built.policy }),
    );
    v1 = v.version;
    await json(
      await api(cinch, "POST", `/api/projects/${projectId}/policy/versions/${v1}/state`, {
        state: "report-only",
      }),
    );
    policy = v.servedPolicy;

    // Chromium checks hashes against the untrimmed text: only the tight script's hash matches.
    const seen = await visit(page);
    expect(seen.samples).toEqual([SCRIPTS.padded.trim(), SCRIPTS.long.slice(0, 40)].sort());
    await inlineReports(2, v1);
  });

  test("the next build keeps the hash that worked and drops the one that failed", async () => {
    const b = await json<Build>(await api(cinch, "GET", `/api/projects/${projectId}/policy/suggestion`));
    const removed = b.suggestions.filter((s) => s.action === "remove" && s.applied).map((s) => s.source);
    expect(removed).toContain(sampleHashOf("padded"));
    expect(removed).not.toContain(hashOf("tight"));
    expect(b.policy).toContain(hashOf("tight"));
    expect(b.policy).not.toContain(sampleHashOf("padded"));

    // Enforced, the policy still lets the tight script run; the padded and long ones need the nonce decision.
    policy = b.policy;
    header = "Content-Security-Policy";
    const seen = await visit(page);
    expect(seen.ran).toEqual(["tight"]);
  });
});

describe("report-to silences report-uri in Chromium", () => {
  const groupsIn = async (env: string) =>
    (
      await json<{ groups: unknown[] }>(
        await api(cinch, "GET", `/api/projects/${projectId}/violations?env=${env}`),
      )
    ).groups.length;

  test("an HTTP page whose policy names a report-to group sends no report at all", async () => {
    const page = await browser.newPage();
    await page.goto(`${siteUrl}report-to?env=silenced`);
    await page.goto(`${siteUrl}report-uri?env=control`);
    // The control page's report-uri report is sent at once; by the time it is stored, the first page's would be.
    const end = Date.now() + 15_000;
    while ((await groupsIn("control")) === 0) {
      if (Date.now() > end) throw new Error("timed out waiting for the control page's report");
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto("about:blank");
    await new Promise((r) => setTimeout(r, 500));
    expect(await groupsIn("silenced")).toBe(0);
    await page.close();
  });
});
