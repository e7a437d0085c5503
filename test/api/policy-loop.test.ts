// The loop after the first policy over HTTP: blocked in production is a decision; exports serve what is deployed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let project: { id: string; reportKey: string; policyKey: string };

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

async function send(body: string, query = ""): Promise<void> {
  const res = await fetch(`${t.url}/r/${project.reportKey}${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body,
  });
  expect(res.status).toBe(204);
}

const exported = async (query: string) =>
  (await api(t, "GET", `/api/projects/${project.id}/policy/export?${query}`)).text();
const setState = (v: number, state: string) =>
  api(t, "POST", `/api/projects/${project.id}/policy/versions/${v}/state`, { state });
type Build = {
  policy: string;
  decisions: { id: string; kind: string; blockedSince?: number; blockedReports?: number; risk: string }[];
};
const suggestion = async () =>
  (await (await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)).json()) as Build;

beforeAll(async () => {
  t = await startTestApp();
  project = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as typeof project;
  const key = (await (await api(t, "GET", `/api/projects/${project.id}/policy/key`)).json()) as {
    policyKey: string;
  };
  project.policyKey = key.policyKey;
});
afterAll(async () => t.close());

describe("the loop", () => {
  test("none: the default export is the starter, report-only, and the pipeline URL has nothing", async () => {
    expect(await exported("format=header")).toMatch(
      /^Content-Security-Policy-Report-Only: default-src 'self'/,
    );
    const pub = await fetch(`${t.url}/p/${project.policyKey}/policy`);
    expect(pub.status).toBe(404);
    expect(await pub.json()).toEqual({
      error: "no_policy",
      message: "this project has no enforced or report-only policy version yet",
    });
  });

  test("v1 enforced: blocked in production is a decision; v2 report-only runs beside v1 as two headers", async () => {
    for (let i = 0; i < 3; i++) await send(report("https://cdn.shop.example/app.js", "report"));
    const v1 = (await (
      await api(t, "POST", `/api/projects/${project.id}/policy/versions`, {
        policy: (await suggestion()).policy,
      })
    ).json()) as { version: number };
    expect((await setState(v1.version, "enforced")).status).toBe(200);
    expect(await exported("format=header")).toMatch(
      new RegExp(`^Content-Security-Policy: .*/r/${project.reportKey}\\?v=1\n$`),
    );

    // A script nobody added, blocked by the enforced v1 on real pages.
    for (let i = 0; i < 5; i++) await send(report("https://evil.example/skim.js", "enforce"), "?v=1");
    const b = await suggestion();
    expect(b.policy).not.toContain("evil.example");
    expect(b.decisions.filter((d) => d.kind === "blocked-in-production")).toMatchObject([
      { id: "blocked script-src https://evil.example", blockedSince: 1, blockedReports: 5 },
    ]);

    const v2 = (await (
      await api(t, "POST", `/api/projects/${project.id}/policy/versions`, { policy: b.policy })
    ).json()) as { version: number };
    await setState(v2.version, "report-only");
    const both = await exported("format=header");
    const lines = both.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^Content-Security-Policy: .*\\?v=1$`));
    expect(lines[1]).toMatch(new RegExp(`^Content-Security-Policy-Report-Only: .*\\?v=2$`));
    expect(await exported("format=header&state=enforced")).toBe(`${lines[0]}\n`);
    expect(await exported("format=header&state=report-only")).toBe(`${lines[1]}\n`);

    const pub = await fetch(`${t.url}/p/${project.policyKey}/policy?format=header`);
    expect(pub.headers.get("x-cinch-policy-version")).toBe("1");
    expect(pub.headers.get("x-cinch-report-only-version")).toBe("2");
    expect(await pub.text()).toBe(both);
    const ro = await fetch(`${t.url}/p/${project.policyKey}/policy?format=nginx&state=report-only`);
    expect(await ro.text()).toMatch(/^add_header Content-Security-Policy-Report-Only ".*\?v=2" always;\n$/);

    // Reports under the report-only v2 of a script v1 does not block: evidence as usual.
    for (let i = 0; i < 3; i++) await send(report("https://widgets.example/w.js", "report"), "?v=2");
    const c = await suggestion();
    expect(c.policy).toContain("https://widgets.example");
    expect(c.policy).not.toContain("evil.example");
  });

  test("rollout status: v2 report-only since when, reports and pages under it, what is new against v1", async () => {
    type Rollout = {
      enforced: number | null;
      reportOnly: number | null;
      deploy: string;
      untagged: { reports: number } | null;
      versions: {
        version: number;
        reportOnlySince: number | null;
        reports: number;
        pages: number;
        comparedWith: number | null;
        newGroups: { blocked: string }[];
        checklist: { id: string; ok: boolean; text: string }[];
        ready: boolean;
      }[];
    };
    const r = (await (await api(t, "GET", `/api/projects/${project.id}/policy/rollout`)).json()) as Rollout;
    expect(r).toMatchObject({ enforced: 1, reportOnly: 2, untagged: null });
    expect(r.deploy).toBe(await exported("format=header"));
    const v2 = r.versions.find((v) => v.version === 2)!;
    expect(v2).toMatchObject({ reports: 3, pages: 1, comparedWith: 1, ready: false });
    expect(v2.reportOnlySince).toBeGreaterThan(Date.now() - 60_000);
    expect(v2.newGroups.map((g) => g.blocked)).toEqual(["https://widgets.example"]);
    expect(v2.checklist.find((c) => c.id === "duration")?.text).toBe(
      "ran report-only for less than a minute on 1 page (3 reports); run it for at least 1 day",
    );

    // A report sent under a policy copied without ?v=N is counted, so the dashboard can say so.
    await send(report("https://cdn.shop.example/other.js", "report"));
    const u = (await (await api(t, "GET", `/api/projects/${project.id}/policy/rollout`)).json()) as Rollout;
    expect(u.untagged?.reports).toBe(1);
  });

  test("a state change answers the header(s) to deploy now", async () => {
    const res = await setState(2, "enforced");
    const body = (await res.json()) as { state: string; deploy: string };
    expect(body.state).toBe("enforced");
    expect(body.deploy).toMatch(/^Content-Security-Policy: .*\?v=2\n$/);
  });

  test("bad state is a 400 naming the field", async () => {
    const res = await api(t, "GET", `/api/projects/${project.id}/policy/export?state=live`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^state: /);
  });
});
