// The ingest endpoint over HTTP: the conformance corpus, CORS, error answers, tags, limits and concurrency.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, rows, type TestApp } from "../helpers/app.ts";
import { loadCases, pinned } from "../reports/corpus.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
});
afterAll(async () => t.close());

async function newProject(name = "site"): Promise<{ id: string; reportKey: string }> {
  const res = await api(t, "POST", "/api/projects", { name });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; reportKey: string };
}

const post = (key: string, contentType: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/r/${key}`, { method: "POST", headers: { "Content-Type": contentType, ...headers }, body });

type Stored = Record<string, unknown>;

/** Every stored sample of a project, flattened to the fixtures' field names. */
async function stored(projectId: string): Promise<Stored[]> {
  const list = (await (
    await api(t, "GET", `/api/projects/${projectId}/violations?noise=include`)
  ).json()) as {
    groups: { id: number; directive: string; noise: string | null }[];
  };
  const out: Stored[] = [];
  for (const g of list.groups) {
    const d = (await (await api(t, "GET", `/api/projects/${projectId}/violations/${g.id}`)).json()) as {
      samples: Record<string, unknown>[];
    };
    for (const s of d.samples) {
      out.push({ ...s, directive: g.directive, noise: g.noise, blocked: s.blockedUrl });
    }
  }
  return out;
}

describe("conformance corpus through POST /r/:key", () => {
  test.each(loadCases())("$name", async (c) => {
    const p = await newProject(c.name);
    const res = await post(p.reportKey, c.contentType ?? "", c.raw);
    expect(res.status).toBe(c.status);
    if (res.status !== 204) {
      const body = (await res.json()) as { error: string; message: string };
      expect(typeof body.error).toBe("string");
      expect(typeof body.message).toBe("string");
    }
    const rows = await stored(p.id);
    expect(rows).toHaveLength(c.violations.length);
    for (const want of c.violations) {
      const match = rows.find((r) => JSON.stringify(pinned(r, want)) === JSON.stringify(want));
      expect(match ? pinned(match, want) : rows.map((r) => pinned(r, want))).toEqual(match ? want : [want]);
    }
  });
});

const legacy = (blocked: string, page = "https://shop.example/") =>
  JSON.stringify({
    "csp-report": {
      "document-uri": page,
      "effective-directive": "script-src-elem",
      "violated-directive": "script-src-elem",
      "blocked-uri": blocked,
      disposition: "report",
    },
  });

describe("answers", () => {
  test("CORS preflight allows any origin, POST and Content-Type, without credentials", async () => {
    const p = await newProject();
    const res = await fetch(`${t.url}/r/${p.reportKey}`, {
      method: "OPTIONS",
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("Content-Type");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
  });

  test("POST answers carry Access-Control-Allow-Origin: * (errors too)", async () => {
    const p = await newProject();
    const ok = await post(p.reportKey, "application/csp-report", legacy("https://cdn.example/a.js"));
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const bad = await post(p.reportKey, "application/csp-report", "{");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("*");
  });

  test.each([
    {
      name: "unknown key",
      key: "nope",
      type: "application/csp-report",
      body: "{}",
      status: 404,
      error: "not_found",
    },
    {
      name: "text/plain",
      key: null,
      type: "text/plain",
      body: "hi",
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "form",
      key: null,
      type: "application/x-www-form-urlencoded",
      body: "a=1",
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "broken JSON",
      key: null,
      type: "application/reports+json",
      body: "[{",
      status: 400,
      error: "malformed_json",
    },
    {
      name: "charset param",
      key: null,
      type: "application/csp-report; charset=utf-8",
      body: legacy("eval"),
      status: 204,
      error: null,
    },
    {
      name: "upper-case type",
      key: null,
      type: "Application/CSP-Report",
      body: legacy("eval"),
      status: 204,
      error: null,
    },
  ])("$name → $status", async ({ key, type, body, status, error }) => {
    const p = await newProject();
    const res = await post(key ?? p.reportKey, type, body);
    expect(res.status).toBe(status);
    if (error) expect(((await res.json()) as { error: string }).error).toBe(error);
  });

  test("a body over the limit is 413 and stores nothing", async () => {
    const p = await newProject();
    const big = legacy(`https://cdn.example/${"a".repeat(70 * 1024)}.js`);
    const res = await post(p.reportKey, "application/csp-report", big);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "body_too_large", message: "body exceeds 65536 bytes" });
    expect(await stored(p.id)).toEqual([]);
  });

  test("more entries than the batch cap is 413", async () => {
    const p = await newProject();
    const entry = {
      type: "csp-violation",
      body: { documentURL: "https://a.example/", blockedURL: "eval", effectiveDirective: "script-src" },
    };
    const res = await post(
      p.reportKey,
      "application/reports+json",
      JSON.stringify(new Array(101).fill(entry)),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("too_many_reports");
  });

  test("v and env tags are stored with the reports; bad tags are 400", async () => {
    const p = await newProject();
    expect(
      (
        await fetch(`${t.url}/r/${p.reportKey}?v=3&env=prod`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: legacy("eval"),
        })
      ).status,
    ).toBe(204);
    const rows = await stored(p.id);
    expect(rows.map((r) => [r.policyVersion, r.env])).toEqual([[3, "prod"]]);
    const bad = await fetch(`${t.url}/r/${p.reportKey}?v=abc`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: legacy("eval"),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid_tag", message: "v must be a positive integer" });
  });

  test("noise is stored and counted, with its reason", async () => {
    const p = await newProject();
    expect((await post(p.reportKey, "application/csp-report", legacy("chrome-extension"))).status).toBe(204);
    const noise = (await (await api(t, "GET", `/api/projects/${p.id}/violations?noise=only`)).json()) as {
      groups: { noise: string }[];
    };
    expect(noise.groups.map((g) => g.noise)).toEqual(["extension"]);
    const clean = (await (await api(t, "GET", `/api/projects/${p.id}/violations`)).json()) as {
      groups: unknown[];
    };
    expect(clean.groups).toEqual([]);
  });
});

describe("storage model", () => {
  test("duplicates aggregate into one group, counted exactly", async () => {
    const p = await newProject();
    for (let i = 0; i < 30; i++) {
      expect(
        (
          await post(
            p.reportKey,
            "application/csp-report",
            legacy("https://cdn.example/x.js?i=" + i, `https://shop.example/p${i % 3}`),
          )
        ).status,
      ).toBe(204);
    }
    const body = (await (await api(t, "GET", `/api/projects/${p.id}/violations`)).json()) as {
      groups: { blocked: string; count: number; pages: string[] }[];
      totals: { reports: number; groups: number };
    };
    expect(body.groups).toHaveLength(1);
    expect(body.groups[0]!.blocked).toBe("https://cdn.example");
    expect(body.groups[0]!.count).toBe(30);
    expect(body.groups[0]!.pages.sort()).toEqual([
      "https://shop.example/p0",
      "https://shop.example/p1",
      "https://shop.example/p2",
    ]);
    expect(body.totals).toMatchObject({ reports: 30, groups: 1 });
    // The listing carries each group's trend over the window (24 hourly slices for the default day).
    const trend = (body.groups[0] as unknown as { trend: number[] }).trend;
    expect(trend).toHaveLength(24);
    expect(trend.reduce((a, b) => a + b, 0)).toBe(30);
    expect(trend.at(-1)).toBe(30);
    const groups = await rows<{ n: unknown }>(
      t,
      `SELECT COUNT(*) AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
      p.id,
    );
    expect(Number(groups[0]?.n)).toBe(1);
  });

  test("N parallel posts from several clients give exactly N counted", async () => {
    const p = await newProject();
    const N = 300;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        post(p.reportKey, "application/csp-report", legacy(`https://cdn${i % 7}.example/a.js`), {
          "X-Forwarded-For": `10.0.0.${i % 5}`,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 204)).toHaveLength(N);
    const body = (await (await api(t, "GET", `/api/projects/${p.id}/violations`)).json()) as {
      totals: { reports: number; groups: number };
    };
    expect(body.totals).toEqual({ reports: N, groups: 7, byDirective: { "script-src-elem": N } });
    const stats = (await (await api(t, "GET", `/api/projects/${p.id}/stats`)).json()) as {
      totals: Record<string, number>;
    };
    expect(stats.totals.accepted).toBe(N);
  });
});
