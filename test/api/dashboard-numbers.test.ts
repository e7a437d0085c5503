// The dashboard's numbers agree (#16): one definition of violations (noise excluded) on the projects list, the
// explorer, the stat cards and the group page; the page filter counts only that page's reports (checked against
// the stored per-page counts); breakdowns with shares; filter values seen; labelled refusals; field-level 404.
// Both engines: CINCH_TEST_ENGINE=postgres npx vitest run test/api/dashboard-numbers.test.ts
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import type {
  BuildResultDto,
  EvaluationDto,
  FilterValuesDto,
  GroupDetailDto,
  ProjectDto,
  SummaryDto,
  ViolationsDto,
} from "../../server/contract.ts";
import { BREAKDOWN_LIMITS } from "../../server/store/breakdown.ts";

const CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

let t: TestApp;
let p: { id: string; reportKey: string };

const report = (blocked: string, page: string, directive = "script-src-elem") =>
  JSON.stringify({
    "csp-report": { "document-uri": page, "effective-directive": directive, "blocked-uri": blocked },
  });

async function send(body: string, ua = CHROME, query = ""): Promise<number> {
  const res = await fetch(`${t.url}/r/${p.reportKey}${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report", "User-Agent": ua },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const get = async <T>(path: string): Promise<T> => {
  const res = await api(t, "GET", path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

const A = "https://cdn-a.example/lib.js";
const B = "https://cdn-b.example/x.js";

beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
  p = (await (await api(t, "POST", "/api/projects", { name: "numbers" })).json()) as typeof p;
  const sends: Promise<number>[] = [];
  // Group A: 8 reports from /checkout (Firefox), 56 from / (Chrome), query strings vary.
  for (let i = 0; i < 8; i++) sends.push(send(report(A, `https://shop.example/checkout?s=${i}`), FIREFOX));
  for (let i = 0; i < 56; i++) sends.push(send(report(A, `https://shop.example/?ref=${i}`)));
  // Group B: 5 from /about.
  for (let i = 0; i < 5; i++) sends.push(send(report(B, "https://shop.example/about")));
  // Noise: 3 reports from an extension.
  for (let i = 0; i < 3; i++)
    sends.push(send(report("chrome-extension://abc/x.js", "https://shop.example/")));
  // Tagged: version 3 in staging, 2 reports of group B.
  for (let i = 0; i < 2; i++)
    sends.push(send(report(B, "https://shop.example/about"), CHROME, "?v=3&env=staging"));
  expect((await Promise.all(sends)).filter((s) => s !== 204)).toEqual([]);
  // Refused: a body that is not JSON, a bad version tag.
  expect(await send("{not json")).toBe(400);
  expect(await send(report(A, "https://shop.example/"), CHROME, "?v=abc")).toBe(400);
});
afterAll(async () => t.close());

const VIOLATIONS = 8 + 56 + 5 + 2;

describe("one definition of violations", () => {
  test("the projects list, the explorer and the summary agree: noise excluded, labelled", async () => {
    const list = await get<{ projects: ProjectDto[] }>("/api/projects");
    const mine = list.projects.find((x) => x.id === p.id)!;
    expect(mine.counts).toMatchObject({ last24h: VIOLATIONS, last7d: VIOLATIONS, noise24h: 3 });
    expect(mine.counts!.label).toBe("Violations (noise excluded) in the last 24 hours");
    expect(mine.counts!.hourly.reduce((a, b) => a + b, 0)).toBe(VIOLATIONS);

    const v = await get<ViolationsDto>(`/api/projects/${p.id}/violations`);
    expect(v.totals.reports).toBe(VIOLATIONS);
    expect(v.counting).toEqual({
      kind: "violations",
      label: "Violations (noise excluded) received in the window, matching the filters",
      page: null,
    });

    const s = await get<SummaryDto>(`/api/projects/${p.id}/summary`);
    const card = (id: string) => s.cards.find((c) => c.id === id)!;
    expect(card("violations")).toMatchObject({ value: VIOLATIONS, followsFilters: true });
    expect(card("groups").value).toBe(2);
    expect(card("noise").value).toBe(3);
    expect(card("rejected")).toMatchObject({ value: 2, followsFilters: false });
  });

  test("the cards follow the filters", async () => {
    const byDirective = await get<SummaryDto>(`/api/projects/${p.id}/summary?directive=img-src`);
    expect(byDirective.cards.find((c) => c.id === "violations")!.value).toBe(0);
    const byEnv = await get<SummaryDto>(`/api/projects/${p.id}/summary?env=staging`);
    expect(byEnv.cards.find((c) => c.id === "violations")!.value).toBe(2);
    const byPage = await get<SummaryDto>(`/api/projects/${p.id}/summary?page=/checkout`);
    expect(byPage.cards.find((c) => c.id === "violations")!.value).toBe(8);
    expect(byPage.page).toMatchObject({ page: "/checkout", listedOnly: 0 });
  });

  test("refused reports carry their label and description", async () => {
    const s = await get<SummaryDto>(`/api/projects/${p.id}/summary`);
    expect(s.rejected.map((r) => [r.id, r.known, r.count, r.label])).toEqual([
      ["invalid_tag", true, 1, "Bad version or environment tag"],
      ["malformed_json", true, 1, "Not valid JSON"],
    ]);
    for (const r of s.rejected) expect(r.description.length).toBeGreaterThan(20);
  });
});

describe("where and in which browsers", () => {
  test("the page filter counts only that page's reports, as the stored per-page counts say", async () => {
    const v = await get<ViolationsDto>(`/api/projects/${p.id}/violations?page=/checkout`);
    expect(v.groups.map((g) => [g.blocked, g.count, g.pageMatch])).toEqual([
      ["https://cdn-a.example", 8, "counted"],
    ]);
    expect(v.totals.reports).toBe(8);
    expect(v.counting?.page).toMatchObject({ page: "/checkout", listedOnly: 0 });
    // The trend adds up to the count: per UTC day too.
    expect(v.groups[0]!.trend!.reduce((a, b) => a + b, 0)).toBe(8);
    const stored = await rows<{ n: unknown }>(
      t,
      `SELECT SUM(count) AS n FROM "GroupBreakdown" WHERE "projectId" = ? AND kind = 'page' AND value LIKE ?`,
      p.id,
      "%/checkout%",
    );
    expect(Number(stored[0]!.n)).toBe(v.totals.reports);
    const series = await get<{ points: { count: number }[] }>(
      `/api/projects/${p.id}/violations/series?page=/checkout`,
    );
    expect(series.points.reduce((n, x) => n + x.count, 0)).toBe(8);
  });

  test("the group page has top pages and browsers with counts and shares", async () => {
    const v = await get<ViolationsDto>(`/api/projects/${p.id}/violations?directive=script-src-elem`);
    const a = v.groups.find((g) => g.blocked === "https://cdn-a.example")!;
    const d = await get<GroupDetailDto>(`/api/projects/${p.id}/violations/${a.id}`);
    expect(d.pageBreakdown).toMatchObject({
      dimension: "page",
      rows: [
        { value: "https://shop.example/", count: 56, share: 0.875 },
        { value: "https://shop.example/checkout", count: 8, share: 0.125 },
      ],
      other: { count: 0, share: 0 },
      counted: 64,
      uncounted: 0,
    });
    expect(d.browserBreakdown!.rows).toEqual([
      { value: "Chrome 131", count: 56, share: 0.875 },
      { value: "Firefox 140", count: 8, share: 0.125 },
    ]);
  });

  test("a group without per-page counts shows what is known, without counts", async () => {
    const proj = (await (await api(t, "POST", "/api/projects", { name: "old" })).json()) as typeof p;
    const res = await fetch(`${t.url}/r/${proj.reportKey}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: report(B, "https://old.example/legacy"),
    });
    expect(res.status).toBe(204);
    // As a group stored before GroupBreakdown existed.
    await rows(t, `DELETE FROM "GroupBreakdown" WHERE "projectId" = ? RETURNING "groupId"`, proj.id);
    const v = await get<ViolationsDto>(`/api/projects/${proj.id}/violations?page=/legacy`);
    expect(v.groups.map((g) => [g.count, g.pageMatch])).toEqual([[0, "listed"]]);
    expect(v.counting?.page?.listedOnly).toBe(1);
    const d = await get<GroupDetailDto>(`/api/projects/${proj.id}/violations/${v.groups[0]!.id}`);
    expect(d.pageBreakdown).toMatchObject({
      rows: [],
      counted: 0,
      uncounted: 1,
      listed: ["https://old.example/legacy"],
    });
  });

  test("version and environment filters offer the values seen, with their reports", async () => {
    const f = await get<FilterValuesDto>(`/api/projects/${p.id}/filter-values`);
    expect(f.versions).toEqual([
      { value: 0, count: VIOLATIONS - 2 },
      { value: 3, count: 2 },
    ]);
    expect(f.environments).toEqual([
      { value: "", count: VIOLATIONS - 2 },
      { value: "staging", count: 2 },
    ]);
    expect(f.directives).toEqual([{ value: "script-src-elem", count: VIOLATIONS }]);
    const noise = await get<FilterValuesDto>(`/api/projects/${p.id}/filter-values?noise=only`);
    expect(noise.versions).toEqual([{ value: 0, count: 3 }]);
  });
});

describe("storage stays bounded", () => {
  test("per group, day and kind at most the limit's values + other, and the counts sum to the group's", async () => {
    const proj = (await (await api(t, "POST", "/api/projects", { name: "many pages" })).json()) as typeof p;
    const n = BREAKDOWN_LIMITS.page + 15;
    // In several requests at once: several commits, each adding new pages to the same group and day.
    const sends: Promise<Response>[] = [];
    for (let i = 0; i < n * 2; i++) {
      sends.push(
        fetch(`${t.url}/r/${proj.reportKey}`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: report(A, `https://many.example/p${i % n}`),
        }),
      );
    }
    expect((await Promise.all(sends)).map((r) => r.status).filter((s) => s !== 204)).toEqual([]);
    const per = await rows<{ day: unknown; kind: string; named: unknown; total: unknown }>(
      t,
      `SELECT day, kind, SUM(CASE WHEN value <> '' THEN 1 ELSE 0 END) AS named, SUM(count) AS total
       FROM "GroupBreakdown" WHERE "projectId" = ? GROUP BY day, kind ORDER BY day, kind`,
      proj.id,
    );
    const totalBy = (kind: string) =>
      per.filter((r) => r.kind === kind).reduce((s, r) => s + Number(r.total), 0);
    expect(totalBy("page")).toBe(n * 2);
    expect(totalBy("browser")).toBe(n * 2);
    for (const r of per) {
      expect(Number(r.named)).toBeLessThanOrEqual(BREAKDOWN_LIMITS[r.kind as "page" | "browser"]);
    }
  });
});

describe("the grade", () => {
  test("evaluate and build answers say what the score is made of", async () => {
    const res = await api(t, "POST", `/api/projects/${p.id}/policy/evaluate`, {
      policy: "script-src * 'unsafe-inline'; object-src 'none'",
    });
    expect(res.status).toBe(200);
    const e = (await res.json()) as EvaluationDto;
    expect(e.breakdown).toMatchObject({ start: 100, score: e.score, grade: e.grade, deductions: e.reasons });
    expect(e.breakdown!.summary).toMatch(new RegExp(`= ${e.score} → ${e.grade}$`));
    const b = await get<BuildResultDto>(`/api/projects/${p.id}/policy/suggestion`);
    expect(b.breakdown).toMatchObject({ score: b.score, grade: b.grade, deductions: b.reasons });
  });
});

describe("errors", () => {
  test("a group that does not exist is a 404 that names it", async () => {
    const res = await api(t, "GET", `/api/projects/${p.id}/violations/999999`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: "group_not_found",
      message: "violation group 999999 does not exist in this project",
    });
  });

  test.each([
    { path: "summary?since=yesterday", message: "since: Invalid input" },
    { path: "summary?noise=maybe", message: "noise:" },
    { path: "summary?version=-1", message: "version: must be a non-negative integer" },
    { path: "summary?page=" + "x".repeat(501), message: "page:" },
    { path: "summary?bogus=1", message: "Unrecognized key" },
    { path: "filter-values?noise=maybe", message: "noise:" },
    { path: "filter-values?page=/x", message: "Unrecognized key" },
    { path: "filter-values?since=2&until=1", message: "since must not be after until" },
  ])("GET $path → 400", async ({ path, message }) => {
    const res = await api(t, "GET", `/api/projects/${p.id}/${path}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("invalid_input");
    expect(body.message).toContain(message);
  });

  test.each(["summary", "filter-values"])("GET %s of a missing project → 404", async (path) => {
    expect((await api(t, "GET", `/api/projects/nope/${path}`)).status).toBe(404);
  });
});
