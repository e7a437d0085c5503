// Hostile input against every endpoint: never a 500, always {error, message}, nothing accepted lost, no pollution.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rows, startTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let project: { id: string; reportKey: string };

const deep = (n: number): string => "[".repeat(n) + "]".repeat(n);
const deepObj = (n: number): string => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const long = "x".repeat(10_000);

/** Bodies that must be answered with a 4xx (or a 204 for tolerated reports), never a 5xx. */
const BODIES: { name: string; body: string }[] = [
  { name: "empty", body: "" },
  { name: "not JSON", body: "<script>alert(1)</script>" },
  { name: "truncated", body: '{"name": "a' },
  { name: "deep arrays", body: deep(20_000) },
  { name: "deep objects", body: deepObj(5_000) },
  { name: "__proto__", body: '{"__proto__": {"polluted": true}, "name": "p"}' },
  { name: "constructor.prototype", body: '{"constructor": {"prototype": {"polluted": true}}, "name": "p"}' },
  { name: "wrong types", body: '{"name": 12, "settings": "yes", "policy": [1], "state": {}}' },
  { name: "long fields", body: JSON.stringify({ name: long, policy: long, base: long, state: long }) },
  { name: "unknown keys", body: JSON.stringify({ name: "ok", extra: 1, "csp-report": 2 }) },
  { name: "null", body: "null" },
  { name: "number", body: "42" },
  { name: "nul bytes", body: '{"name": "a\\u0000b"}' },
  { name: "huge", body: JSON.stringify({ name: "x".repeat(400_000) }) },
];

type Route = { method: string; path: () => string; type?: string };
const ROUTES: Route[] = [
  { method: "POST", path: () => `/r/${project.reportKey}`, type: "application/csp-report" },
  { method: "POST", path: () => `/r/${project.reportKey}`, type: "application/reports+json" },
  { method: "POST", path: () => "/api/projects" },
  { method: "PATCH", path: () => `/api/projects/${project.id}` },
  { method: "POST", path: () => `/api/projects/${project.id}/policy/build` },
  { method: "POST", path: () => `/api/projects/${project.id}/policy/evaluate` },
  { method: "POST", path: () => `/api/projects/${project.id}/policy/preview` },
  { method: "POST", path: () => `/api/projects/${project.id}/policy/versions` },
];

beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
  const res = await fetch(`${t.url}/api/projects`, {
    method: "POST",
    headers: { ...t.auth, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "target" }),
  });
  project = (await res.json()) as typeof project;
});
afterAll(async () => t.close());

describe.each(ROUTES)("$method $type", (route) => {
  test.each(BODIES)("$name", async ({ body }) => {
    const res = await fetch(`${t.url}${route.path()}`, {
      method: route.method,
      headers: { ...t.auth, "Content-Type": route.type ?? "application/json" },
      body,
    });
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      const json = (await res.json()) as Record<string, unknown>;
      // error and message, and where one input caused it the field and line (#16), nothing else.
      const keys = Object.keys(json).sort();
      expect(keys.filter((k) => k !== "field" && k !== "line")).toEqual(["error", "message"]);
      if ("line" in json) expect(Number.isInteger(json.line)).toBe(true);
      expect(String(json.message)).not.toMatch(/at .*\.ts:\d+|node_modules|SqliteError|Prisma/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const QUERY_PAYLOADS = [
  "'",
  '"',
  "';--",
  "; DROP TABLE ViolationGroup;",
  "%",
  "_",
  "*",
  "\\",
  "%25",
  long,
  "\u202e",
];
const QUERY_PARAMS = [
  "directive",
  "noise",
  "disposition",
  "version",
  "env",
  "page",
  "text",
  "sort",
  "order",
  "limit",
  "offset",
  "since",
  "until",
];

describe("query parameters with quote, semicolon and wildcard payloads", () => {
  test.each(QUERY_PARAMS.flatMap((param) => QUERY_PAYLOADS.map((payload) => ({ param, payload }))))(
    "$param=$payload",
    async ({ param, payload }) => {
      const res = await fetch(
        `${t.url}/api/projects/${project.id}/violations?${param}=${encodeURIComponent(payload)}`,
        {
          headers: t.auth,
        },
      );
      expect([200, 400]).toContain(res.status);
      const json = (await res.json()) as { groups?: unknown[]; error?: string };
      if (res.status === 200) expect(json.groups).toEqual([]);
      else expect(json.error).toBe("invalid_input");
    },
  );

  test("the text filter matches % and _ literally", async () => {
    const post = (blocked: string) =>
      fetch(`${t.url}/r/${project.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body: JSON.stringify({
          "csp-report": {
            "document-uri": "https://a.example/",
            "effective-directive": "img-src",
            "blocked-uri": blocked,
          },
        }),
      });
    expect((await post("https://a_b.example/x.png")).status).toBe(204);
    expect((await post("https://axb.example/x.png")).status).toBe(204);
    const q = async (text: string) =>
      (
        (await (
          await fetch(`${t.url}/api/projects/${project.id}/violations?text=${encodeURIComponent(text)}`, {
            headers: t.auth,
          })
        ).json()) as {
          groups: { blocked: string }[];
        }
      ).groups.map((g) => g.blocked);
    expect(await q("a_b")).toEqual(["https://a_b.example"]);
    expect(await q("%")).toEqual([]);
    expect((await q("example")).sort()).toEqual(["https://a_b.example", "https://axb.example"]);
    // The earlier hostile bodies did not destroy anything: the table still answers.
    const groups = await rows<{ n: unknown }>(t, `SELECT COUNT(*) AS n FROM "ViolationGroup"`);
    expect(Number(groups[0]?.n)).toBeGreaterThan(0);
  });
});

describe("path parameters", () => {
  test.each(["../../etc/passwd", "%00", "'", "1;DROP", long.slice(0, 2000)])(
    "project id %s → 404 or 400",
    async (id) => {
      const res = await fetch(`${t.url}/api/projects/${encodeURIComponent(id)}/violations`, {
        headers: t.auth,
      });
      expect([400, 404]).toContain(res.status);
    },
  );
  test.each(["abc", "-1", "1e5", "99999999999999"])("group id %s → 400 or 404", async (gid) => {
    const res = await fetch(`${t.url}/api/projects/${project.id}/violations/${gid}`, { headers: t.auth });
    expect([400, 404]).toContain(res.status);
  });
});

describe("report data named like inherited properties (#11 items 3 and 17)", () => {
  const NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "<img", 'style-src-elem"><svg>'];
  let other: { id: string; reportKey: string };

  beforeAll(async () => {
    const res = await fetch(`${t.url}/api/projects`, {
      method: "POST",
      headers: { ...t.auth, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "inherited" }),
    });
    other = (await res.json()) as typeof other;
    for (const name of NAMES) {
      for (const env of ["constructor", "__proto__"]) {
        const r = await fetch(`${t.url}/r/${other.reportKey}?env=${env}`, {
          method: "POST",
          headers: { "Content-Type": "application/csp-report" },
          body: JSON.stringify({
            "csp-report": {
              "document-uri": "https://a.example/",
              "effective-directive": name,
              "blocked-uri": "https://evil.example/x.js",
            },
          }),
        });
        expect(r.status).toBe(204);
      }
    }
    // One real report, so the builder has something to build.
    const ok = await fetch(`${t.url}/r/${other.reportKey}?env=constructor`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": {
          "document-uri": "https://a.example/",
          "effective-directive": "constructor",
          "violated-directive": "img-src",
          "blocked-uri": "https://cdn.example/x.png",
        },
      }),
    });
    expect(ok.status).toBe(204);
  });

  test.each([
    { method: "GET", path: "/policy/suggestion" },
    { method: "POST", path: "/policy/build", body: {} },
    { method: "POST", path: "/policy/preview", body: { policy: "default-src 'self'; img-src 'self'" } },
    { method: "GET", path: "/violations?noise=include" },
    { method: "GET", path: "/stats" },
  ])(
    "$method $path answers 200 and names no junk directive as a policy source",
    async ({ method, path, body }) => {
      const res = await fetch(`${t.url}/api/projects/${other.id}${path}`, {
        method,
        headers: { ...t.auth, ...(method === "POST" ? { "Content-Type": "application/json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      if (path.startsWith("/policy")) expect(text).not.toContain("evil.example");
    },
  );

  test("junk directives are kept as noise 'unknown-directive'; a valid violated-directive wins", async () => {
    const res = await fetch(`${t.url}/api/projects/${other.id}/violations?noise=include`, {
      headers: t.auth,
    });
    const { groups } = (await res.json()) as { groups: { directive: string; noise: string | null }[] };
    const byDirective = new Map(groups.map((g) => [g.directive, g.noise]));
    expect(Object.fromEntries(byDirective)).toEqual({
      constructor: "unknown-directive",
      ["__proto__"]: "unknown-directive",
      tostring: "unknown-directive",
      hasownproperty: "unknown-directive",
      "<img": "unknown-directive",
      'style-src-elem"><svg>': "unknown-directive",
      "img-src": null,
    });
  });

  test("env tags named like inherited properties are counted, not lost", async () => {
    const list = await fetch(`${t.url}/api/projects/${other.id}/violations?noise=include`, {
      headers: t.auth,
    });
    const { groups } = (await list.json()) as { groups: { id: number; directive: string }[] };
    const g = groups.find((x) => x.directive === "constructor")!;
    const res = await fetch(`${t.url}/api/projects/${other.id}/violations/${g.id}`, { headers: t.auth });
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { byEnv: Record<string, number> };
    expect(JSON.parse(JSON.stringify(detail.byEnv))).toEqual({ constructor: 1, ["__proto__"]: 1 });
  });
});
