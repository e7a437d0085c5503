// The policy API over HTTP: suggestion from stored reports, preview, versions and rollout, export, public key.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let project: { id: string; reportKey: string };

const legacy = (directive: string, blocked: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://shop.example/cart",
      "effective-directive": directive,
      "violated-directive": directive,
      "blocked-uri": blocked,
      disposition: "report",
      ...extra,
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

beforeAll(async () => {
  t = await startTestApp();
  project = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as typeof project;
  for (let i = 0; i < 3; i++) {
    await send(legacy("script-src-elem", "https://cdn.example.net/lib.js"));
    await send(legacy("img-src", "https://images.example.org/a.png"));
    await send(legacy("script-src-elem", "https://shop.example/app.js"));
    await send(legacy("script-src-elem", "inline", { "script-sample": "window.ready=1;" }));
    await send(legacy("script-src", "eval", { "script-sample": "1+1" }));
  }
  await send(legacy("script-src-elem", "https://stray.example.com/x.js"));
});
afterAll(async () => t.close());

type Build = {
  policy: string;
  suggestions: {
    id: string;
    directive: string;
    source: string;
    action: string;
    applied: boolean;
    evidence: { count: number };
  }[];
  decisions: { id: string; kind: string; add: string[]; accepted: boolean }[];
  grade: string;
  findings: unknown[];
  size: number;
};

describe("policy suggestion", () => {
  test("builds from stored, non-noise groups with evidence", async () => {
    const res = await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`);
    expect(res.status).toBe(200);
    const b = (await res.json()) as Build;
    expect(b.policy).toContain("https://cdn.example.net");
    expect(b.policy).toContain("https://images.example.org");
    expect(b.policy).toContain("'self'");
    expect(b.policy).not.toContain("'unsafe-inline'");
    expect(b.policy).not.toContain("'unsafe-eval'");
    expect(b.policy).toContain("object-src 'none'");
    expect(b.policy).toContain(`report-uri http://127.0.0.1:8787/r/${project.reportKey}`);
    // One stray report does not become a source (evidence threshold 2).
    expect(b.policy).not.toContain("stray.example.com");
    const cdn = b.suggestions.find((s) => s.source === "https://cdn.example.net");
    expect(cdn?.evidence.count).toBe(3);
    expect(cdn?.applied).toBe(true);
    expect(b.size).toBe(b.policy.length);
    expect(["A", "B", "C", "D", "F"]).toContain(b.grade);
  });

  test("the same input gives a byte-identical policy", async () => {
    const a = (await (await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)).json()) as Build;
    const b = (await (await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)).json()) as Build;
    expect(a.policy).toBe(b.policy);
  });

  test("unsafe-eval only when explicitly accepted", async () => {
    const res = await api(t, "POST", `/api/projects/${project.id}/policy/build`, {
      acceptUnsafe: [{ directive: "script-src", keyword: "'unsafe-eval'" }],
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Build).policy).toContain("'unsafe-eval'");
  });

  test.each([
    { body: { base: "default-src 'self'\nx" }, msg: "base: must not contain line breaks or NUL" },
    { body: { minCount: 0 }, msg: "minCount: Too small: expected number to be >=1" },
    { body: { nope: 1 }, msg: 'body: Unrecognized key: "nope"' },
  ])("rejects bad build input: $msg", async ({ body, msg }) => {
    const res = await api(t, "POST", `/api/projects/${project.id}/policy/build`, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_input", message: msg });
  });
});

describe("impact preview", () => {
  test("the strict starter would block what the site uses; the suggestion blocks less", async () => {
    const starter = (await (await api(t, "GET", `/api/projects/${project.id}`)).json()) as {
      reportOnlyPolicy: string;
    };
    const before = (await (
      await api(t, "POST", `/api/projects/${project.id}/policy/preview`, { policy: starter.reportOnlyPolicy })
    ).json()) as {
      blocked: { groups: number; reports: number };
      total: { groups: number; reports: number };
    };
    expect(before.total).toMatchObject({ groups: 6, reports: 16 });
    expect(before.blocked.groups).toBeGreaterThanOrEqual(4);
    const sugg = (await (
      await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)
    ).json()) as Build;
    const after = (await (
      await api(t, "POST", `/api/projects/${project.id}/policy/preview`, { policy: sugg.policy })
    ).json()) as {
      blocked: { groups: number };
    };
    expect(after.blocked.groups).toBeLessThan(before.blocked.groups);
  });
});

describe("versions, rollout and export", () => {
  test("draft → report-only (reports tagged ?v=N) → enforced; compare; export; public key", async () => {
    const sugg = (await (
      await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)
    ).json()) as Build;
    const created = await api(t, "POST", `/api/projects/${project.id}/policy/versions`, {
      policy: sugg.policy,
    });
    expect(created.status).toBe(201);
    const v1 = (await created.json()) as { version: number; state: string; servedPolicy: string };
    expect(v1).toMatchObject({ version: 1, state: "draft" });
    expect(v1.servedPolicy).toContain(`/r/${project.reportKey}?v=1`);

    const ro = await api(t, "POST", `/api/projects/${project.id}/policy/versions/1/state`, {
      state: "report-only",
    });
    expect(((await ro.json()) as { state: string }).state).toBe("report-only");

    const header = await api(t, "GET", `/api/projects/${project.id}/policy/export?format=header&version=1`);
    expect(header.status).toBe(200);
    const text = await header.text();
    expect(text).toMatch(/^Content-Security-Policy-Report-Only: /);
    expect(text).toContain("?v=1");

    // A new report under v1 that v0 (untagged) never had shows up in the comparison.
    await send(legacy("font-src", "https://fonts.example.com/a.woff2"), "?v=1");
    const cmp = (await (
      await api(t, "GET", `/api/projects/${project.id}/policy/versions/compare?from=0&to=1`)
    ).json()) as {
      added: { blocked: string }[];
    };
    expect(cmp.added.map((g) => g.blocked)).toEqual(["https://fonts.example.com"]);

    const enf = await api(t, "POST", `/api/projects/${project.id}/policy/versions/1/state`, {
      state: "enforced",
    });
    expect(enf.status).toBe(200);
    const draftAgain = await api(t, "POST", `/api/projects/${project.id}/policy/versions/1/state`, {
      state: "draft",
    });
    expect(draftAgain.status).toBe(409);
    expect(await draftAgain.json()).toEqual({
      error: "invalid_transition",
      message: "a enforced version cannot become draft",
    });

    const key = (await (await api(t, "GET", `/api/projects/${project.id}/policy/key`)).json()) as {
      policyKey: string;
    };
    const pub = await fetch(`${t.url}/p/${key.policyKey}/policy?format=nginx`);
    expect(pub.status).toBe(200);
    expect(pub.headers.get("x-cinch-policy-version")).toBe("1");
    expect(await pub.text()).toMatch(/^add_header Content-Security-Policy "/);

    const rotated = (await (await api(t, "POST", `/api/projects/${project.id}/policy/key`)).json()) as {
      policyKey: string;
    };
    expect(rotated.policyKey).not.toBe(key.policyKey);
    expect((await fetch(`${t.url}/p/${key.policyKey}/policy`)).status).toBe(404);
    expect((await fetch(`${t.url}/p/${rotated.policyKey}/policy`)).status).toBe(200);
  });

  test("companion headers: no Reporting-Endpoints while Cinch is reached over plain HTTP", async () => {
    const res = await api(
      t,
      "GET",
      `/api/projects/${project.id}/policy/export?format=header&companions=true`,
    );
    const text = await res.text();
    expect(text).toContain("X-Content-Type-Options: nosniff");
    expect(text).not.toContain("Reporting-Endpoints");
    expect(text).not.toContain("report-to");
  });

  test("meta export of report-only is refused with a clear error", async () => {
    const res = await api(t, "GET", `/api/projects/${project.id}/policy/export?format=meta&reportOnly=true`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("meta_report_only");
  });

  test("unknown format is a 400 naming the field", async () => {
    const res = await api(t, "GET", `/api/projects/${project.id}/policy/export?format=xml`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^format: /);
  });
});
