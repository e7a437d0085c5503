// The second turn of the loop over HTTP: what a state change says to deploy is the export, and a group blocked
// under an enforced version stays a decision after a later version is enforced.
import { afterEach, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Project = { id: string; reportKey: string };
type Build = {
  policy: string;
  decisions: { id: string; kind: string; blockedSince?: number; blockedReports?: number; reason: string }[];
};

async function setUp(publicUrl: string): Promise<{ app: TestApp; p: Project }> {
  t = await startTestApp({ PUBLIC_URL: publicUrl });
  const p = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as Project;
  return { app: t, p };
}

const report = (blocked: string, disposition: "enforce" | "report") =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/cart",
      "effective-directive": "script-src-elem",
      "violated-directive": "script-src-elem",
      "blocked-uri": blocked,
      disposition,
    },
  });

async function send(app: TestApp, p: Project, times: number, body: string, query = ""): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${app.url}/r/${p.reportKey}${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body,
    });
    expect(res.status).toBe(204);
  }
}

const suggestion = async (app: TestApp, p: Project) =>
  (await (await api(app, "GET", `/api/projects/${p.id}/policy/suggestion`)).json()) as Build;

async function newVersion(app: TestApp, p: Project, policy: string): Promise<number> {
  const res = await api(app, "POST", `/api/projects/${p.id}/policy/versions`, { policy });
  expect(res.status).toBe(201);
  return ((await res.json()) as { version: number }).version;
}

async function setState(app: TestApp, p: Project, v: number, state: string): Promise<string> {
  const res = await api(app, "POST", `/api/projects/${p.id}/policy/versions/${v}/state`, { state });
  expect(res.status).toBe(200);
  return ((await res.json()) as { deploy: string }).deploy;
}

const exported = async (app: TestApp, p: Project) =>
  (await api(app, "GET", `/api/projects/${p.id}/policy/export?format=header`)).text();

describe("a state change answers exactly what the export gives", () => {
  test.each([
    {
      name: "Cinch over HTTPS (Reporting-Endpoints and report-to)",
      url: "https://cinch.example",
      endpoints: true,
    },
    { name: "Cinch over HTTP (report-uri only)", url: "http://127.0.0.1:8787", endpoints: false },
  ])("$name", async ({ url, endpoints }) => {
    const { app, p } = await setUp(url);
    await send(app, p, 3, report("https://cdn.shop.example/app.js", "report"));
    const v1 = await newVersion(app, p, (await suggestion(app, p)).policy);
    const afterV1 = await setState(app, p, v1, "enforced");
    expect(afterV1).toBe(await exported(app, p));
    const v2 = await newVersion(app, p, (await suggestion(app, p)).policy);
    const afterV2 = await setState(app, p, v2, "report-only");
    expect(afterV2).toBe(await exported(app, p));
    const lines = afterV2.trimEnd().split("\n");
    if (endpoints) {
      // The enforced v1 reports to group cinch (?v=1), the candidate v2 to its own group (?v=2).
      expect(lines).toEqual([
        expect.stringMatching(/^Content-Security-Policy: .*\?v=1; report-to cinch$/),
        expect.stringMatching(/^Content-Security-Policy-Report-Only: .*\?v=2; report-to cinch-candidate$/),
        `Reporting-Endpoints: cinch="${url}/r/${p.reportKey}?v=1", cinch-candidate="${url}/r/${p.reportKey}?v=2"`,
      ]);
    } else {
      expect(lines).toEqual([
        expect.stringMatching(/^Content-Security-Policy: .*\?v=1$/),
        expect.stringMatching(/^Content-Security-Policy-Report-Only: .*\?v=2$/),
      ]);
    }
    // Back to none deployed: the starter, report-only (with its endpoint over HTTPS).
    await setState(app, p, v2, "retired");
    const none = await setState(app, p, v1, "retired");
    expect(none).toBe(await exported(app, p));
    expect(none.startsWith("Content-Security-Policy-Report-Only: default-src 'self'")).toBe(true);
    expect(none.includes(`Reporting-Endpoints: cinch="${url}/r/${p.reportKey}"`)).toBe(endpoints);
  });
});

describe("blocked under any enforced version stays a decision", () => {
  test("v1 enforced blocks X; v2 enforced; X reports again → still a decision, since v1", async () => {
    const { app, p } = await setUp("http://127.0.0.1:8787");
    const X = "https://evil.example/skim.js";
    await send(app, p, 3, report("https://cdn.shop.example/app.js", "report"));
    const v1 = await newVersion(app, p, (await suggestion(app, p)).policy);
    await setState(app, p, v1, "enforced");
    await send(app, p, 5, report(X, "enforce"), `?v=${v1}`);

    const v2 = await newVersion(app, p, (await suggestion(app, p)).policy);
    await setState(app, p, v2, "enforced"); // v1 is retired
    // X again, now reported by a report-only candidate v3 (evidence as usual, were it not blocked under v1) …
    const v3 = await newVersion(app, p, (await suggestion(app, p)).policy);
    await setState(app, p, v3, "report-only");
    await send(app, p, 6, report(X, "report"), `?v=${v3}`);
    // … and untagged, from a copy of the policy without ?v=N.
    await send(app, p, 4, report(X, "report"));

    const b = await suggestion(app, p);
    expect(b.policy).not.toContain("evil.example");
    const blocked = b.decisions.filter((d) => d.kind === "blocked-in-production");
    expect(blocked).toMatchObject([
      { id: "blocked script-src https://evil.example", blockedSince: v1, blockedReports: 5 },
    ]);
    expect(blocked[0]?.reason).toMatch(/^blocked in production since v1: 5 blocked report\(s\)/);

    // Blocked again under v2: the count adds up, the first version stays v1.
    await send(app, p, 2, report(X, "enforce"), `?v=${v2}`);
    const again = await suggestion(app, p);
    expect(again.policy).not.toContain("evil.example");
    expect(again.decisions.filter((d) => d.kind === "blocked-in-production")).toMatchObject([
      { blockedSince: v1, blockedReports: 7 },
    ]);
  });

  test("enforce reports tagged with a version served enforced outside Cinch's states are suspect too", async () => {
    const { app, p } = await setUp("http://127.0.0.1:8787");
    await send(app, p, 3, report("https://cdn.shop.example/app.js", "report"));
    const v1 = await newVersion(app, p, (await suggestion(app, p)).policy);
    await setState(app, p, v1, "report-only");
    // v1 stays report-only in Cinch, but someone served its export with reportOnly=false: browsers blocked X.
    await send(app, p, 3, report("https://evil.example/x.js", "enforce"), `?v=${v1}`);
    // Untagged `enforce` reports come from a policy Cinch did not issue (the site's own): evidence as usual.
    await send(app, p, 3, report("https://widgets.example/w.js", "enforce"));
    const b = await suggestion(app, p);
    expect(b.policy).not.toContain("evil.example");
    expect(b.policy).toContain("https://widgets.example");
    expect(b.decisions.filter((d) => d.kind === "blocked-in-production")).toMatchObject([
      { id: "blocked script-src https://evil.example", blockedSince: v1, blockedReports: 3 },
    ]);
  });
});
