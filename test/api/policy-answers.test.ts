// The policy API's answers stay current while they are cached (new reports, settings and versions all show at
// once), long lists are paged, evidence carries samples, and path sources are judged on the reported URLs.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let project: { id: string; reportKey: string };

const report = (directive: string, blocked: string, page = "https://shop.example/cart") =>
  JSON.stringify({
    "csp-report": {
      "document-uri": page,
      "effective-directive": directive,
      "violated-directive": directive,
      "blocked-uri": blocked,
      disposition: "report",
    },
  });

async function send(body: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${t.url}/r/${project.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body,
    });
    expect(res.status).toBe(204);
  }
}

type Suggestion = {
  id: string;
  source: string;
  directive: string;
  applied: boolean;
  evidence: { count: number; samples: { blockedUrl: string }[] };
};
type Build = {
  policy: string;
  suggestions: Suggestion[];
  suggestionCount: number;
  offset: number;
  limit: number;
};
type Preview = {
  blocked: { groups: number };
  blockedGroups: { blocked: string }[];
  bySource: unknown[];
  counts: { blockedGroups: number; bySource: number; byPage: number };
  limit: number;
};

const suggestion = async (query = ""): Promise<Build> => {
  const res = await api(t, "GET", `/api/projects/${project.id}/policy/suggestion${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Build;
};
const preview = async (policy: string, query = ""): Promise<Preview> => {
  const res = await api(t, "POST", `/api/projects/${project.id}/policy/preview${query}`, { policy });
  expect(res.status).toBe(200);
  return (await res.json()) as Preview;
};

beforeAll(async () => {
  t = await startTestApp();
  project = (await (await api(t, "POST", "/api/projects", { name: "answers" })).json()) as typeof project;
  for (let i = 1; i <= 5; i++) {
    await send(report("img-src", `https://img${i}.example.org/a${i}.png`));
    await send(report("img-src", `https://img${i}.example.org/b${i}.png`));
  }
  await send(report("script-src-elem", "https://cdn.example.net/lib/app.js"), 2);
  await send(report("script-src-elem", "https://cdn.example.net/other/tracker.js"), 2);
  await send(report("script-src-elem", "https://assets.example.net/lib/a.js"), 2);
});
afterAll(async () => t.close());

describe("cached answers stay current", () => {
  test("a new report shows in the next suggestion and preview", async () => {
    const before = await suggestion();
    expect(await suggestion()).toEqual(before); // asked twice with nothing new: the same answer
    expect(before.policy).not.toContain("https://fonts.example.com");
    const p0 = await preview("default-src 'self'");
    await send(report("font-src", "https://fonts.example.com/a.woff2"), 2);
    const after = await suggestion();
    expect(after.policy).toContain("https://fonts.example.com");
    expect(after.suggestionCount).toBe(before.suggestionCount + 1);
    const p1 = await preview("default-src 'self'");
    expect(p1.blocked.groups).toBe(p0.blocked.groups + 1);
  });

  test("a settings change shows in the next suggestion", async () => {
    const low = await suggestion();
    expect(low.policy).toContain("https://img1.example.org");
    const res = await api(t, "PATCH", `/api/projects/${project.id}`, { settings: { evidenceThreshold: 3 } });
    expect(res.status).toBe(200);
    const high = await suggestion();
    // Every group has 2 reports: under a threshold of 3 nothing is applied.
    expect(high.policy).not.toContain("https://img1.example.org");
    await api(t, "PATCH", `/api/projects/${project.id}`, { settings: { evidenceThreshold: 2 } });
    expect((await suggestion()).policy).toContain("https://img1.example.org");
  });

  test("a new policy version becomes the next suggestion's base", async () => {
    const created = await api(t, "POST", `/api/projects/${project.id}/policy/versions`, {
      policy: "default-src 'self'; img-src 'self' https://img1.example.org",
    });
    expect(created.status).toBe(201);
    const { version } = (await created.json()) as { version: number };
    const moved = await api(t, "POST", `/api/projects/${project.id}/policy/versions/${version}/state`, {
      state: "report-only",
    });
    expect(moved.status).toBe(200);
    const b = (await (
      await api(t, "GET", `/api/projects/${project.id}/policy/suggestion`)
    ).json()) as Build & {
      baseVersion: number | null;
    };
    expect(b.baseVersion).toBe(version);
  });
});

describe("paging", () => {
  test("suggestions come in pages with the total", async () => {
    const all = await suggestion();
    expect(all.suggestionCount).toBe(all.suggestions.length);
    expect(all.suggestionCount).toBeGreaterThan(4);
    const first = await suggestion("?limit=2");
    const second = await suggestion("?limit=2&offset=2");
    expect(first.suggestionCount).toBe(all.suggestionCount);
    expect([...first.suggestions, ...second.suggestions].map((s) => s.id)).toEqual(
      all.suggestions.slice(0, 4).map((s) => s.id),
    );
    expect(first.policy).toBe(all.policy); // paging cuts the list, not the policy
  });

  test("the preview's lists are cut to the limit, the counts stay whole", async () => {
    const p = await preview("default-src 'self'", "?limit=2");
    expect(p.blockedGroups).toHaveLength(2);
    expect(p.bySource).toHaveLength(2);
    expect(p.counts.blockedGroups).toBe(p.blocked.groups);
    expect(p.counts.blockedGroups).toBeGreaterThan(2);
  });

  test.each(["?limit=0", "?limit=abc", "?limit=10001", "?offset=-1", "?nope=1"])(
    "bad paging %s is a 400",
    async (q) => {
      const res = await api(t, "GET", `/api/projects/${project.id}/policy/suggestion${q}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe("invalid_input");
    },
  );
});

describe("samples", () => {
  test("evidence carries the group's newest samples", async () => {
    const b = await suggestion();
    const img = b.suggestions.find((s) => s.source === "https://img3.example.org");
    expect(img?.evidence.samples.map((s) => s.blockedUrl)).toEqual([
      "https://img3.example.org/b3.png",
      "https://img3.example.org/a3.png",
    ]);
  });

  test("a path source is judged on every reported URL, not on the origin", async () => {
    // The policy allows /lib/ on both hosts: every URL reported from assets.example.net is under it, while the
    // CDN's tracker.js (under /other/) is still blocked.
    const p = await preview(
      "default-src 'self'; img-src *; font-src *; script-src 'self' https://cdn.example.net/lib/ https://assets.example.net/lib/",
    );
    expect(p.blockedGroups.map((g) => g.blocked)).toEqual(["https://cdn.example.net"]);
    const open = await preview(
      "default-src 'self'; img-src *; font-src *; script-src 'self' https://cdn.example.net https://assets.example.net",
    );
    expect(open.blocked.groups).toBe(0);
  });
});
