// Project settings: a PATCH changes exactly the fields it names (nested ignore rules too), and stored settings
// are read back field by field, so one bad stored key resets that field alone and is logged.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import pino from "pino";
import { Writable } from "node:stream";
import { readSettings, type ProjectSettings, type SettingsProblem } from "../../server/projects/settings.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

// Every field differs from its default, so a field reset to its default shows.
const STORED: ProjectSettings = {
  ignoreRules: { hosts: ["ads.example"], schemes: ["moz-extension"], sampleContains: ["lastpass"] },
  sampleRate: 0.5,
  dailyCap: 5000,
  allowedOrigins: ["https://shop.example"],
  evidenceThreshold: 4,
  reportScriptHashes: true,
  paymentPages: ["/checkout/*"],
  scriptGoneDays: 7,
};
const RULES = STORED.ignoreRules;

type Row = { name: string; patch: Record<string, unknown>; changed: Partial<ProjectSettings> };

const rows: Row[] = [
  { name: "nothing", patch: {}, changed: {} },
  { name: "sampleRate alone", patch: { sampleRate: 0.25 }, changed: { sampleRate: 0.25 } },
  { name: "dailyCap alone", patch: { dailyCap: 10 }, changed: { dailyCap: 10 } },
  { name: "dailyCap null (no cap)", patch: { dailyCap: null }, changed: { dailyCap: null } },
  { name: "dailyCap 0", patch: { dailyCap: 0 }, changed: { dailyCap: 0 } },
  {
    name: "allowedOrigins alone",
    patch: { allowedOrigins: ["https://a.example", "http://b.example:8080"] },
    changed: { allowedOrigins: ["https://a.example", "http://b.example:8080"] },
  },
  { name: "allowedOrigins emptied", patch: { allowedOrigins: [] }, changed: { allowedOrigins: [] } },
  { name: "evidenceThreshold alone", patch: { evidenceThreshold: 3 }, changed: { evidenceThreshold: 3 } },
  {
    name: "reportScriptHashes alone",
    patch: { reportScriptHashes: false },
    changed: { reportScriptHashes: false },
  },
  {
    name: "paymentPages alone",
    patch: { paymentPages: ["/pay", "/cart/*"] },
    changed: { paymentPages: ["/pay", "/cart/*"] },
  },
  { name: "scriptGoneDays alone", patch: { scriptGoneDays: 90 }, changed: { scriptGoneDays: 90 } },
  { name: "ignoreRules empty object", patch: { ignoreRules: {} }, changed: {} },
  {
    name: "ignoreRules.hosts alone (the builder's Ignore host)",
    patch: { ignoreRules: { hosts: ["ads.example", "*.tracker.example"] } },
    changed: { ignoreRules: { ...RULES, hosts: ["ads.example", "*.tracker.example"] } },
  },
  {
    name: "ignoreRules.hosts emptied",
    patch: { ignoreRules: { hosts: [] } },
    changed: { ignoreRules: { ...RULES, hosts: [] } },
  },
  {
    name: "ignoreRules.schemes alone",
    patch: { ignoreRules: { schemes: ["safari-extension"] } },
    changed: { ignoreRules: { ...RULES, schemes: ["safari-extension"] } },
  },
  {
    name: "ignoreRules.sampleContains alone",
    patch: { ignoreRules: { sampleContains: ["grammarly"] } },
    changed: { ignoreRules: { ...RULES, sampleContains: ["grammarly"] } },
  },
  {
    name: "two rule lists",
    patch: { ignoreRules: { hosts: [], schemes: [] } },
    changed: { ignoreRules: { hosts: [], schemes: [], sampleContains: ["lastpass"] } },
  },
  {
    name: "every rule list",
    patch: { ignoreRules: { hosts: ["x.example"], schemes: ["ms-browser-extension"], sampleContains: [] } },
    changed: { ignoreRules: { hosts: ["x.example"], schemes: ["ms-browser-extension"], sampleContains: [] } },
  },
  {
    name: "a rule list and a top-level field",
    patch: { ignoreRules: { schemes: [] }, evidenceThreshold: 1 },
    changed: { ignoreRules: { ...RULES, schemes: [] }, evidenceThreshold: 1 },
  },
  {
    name: "three top-level fields",
    patch: { sampleRate: 1, dailyCap: null, allowedOrigins: [] },
    changed: { sampleRate: 1, dailyCap: null, allowedOrigins: [] },
  },
  {
    name: "every field",
    patch: {
      ignoreRules: { hosts: [], schemes: [], sampleContains: [] },
      sampleRate: 1,
      dailyCap: 1_000_000,
      allowedOrigins: [],
      evidenceThreshold: 2,
    },
    changed: {
      ignoreRules: { hosts: [], schemes: [], sampleContains: [] },
      sampleRate: 1,
      dailyCap: 1_000_000,
      allowedOrigins: [],
      evidenceThreshold: 2,
    },
  },
];

describe("PATCH /api/projects/:id settings", () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp();
    id = (await t.deps.projects.create("shop")).id;
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.deps.projects.update(id, { settings: STORED });
  });

  test.each(rows)("$name changes only what it names", async ({ patch, changed }) => {
    const res = await api(t, "PATCH", `/api/projects/${id}`, { settings: patch });
    expect(res.status).toBe(200);
    const want = { ...STORED, ...changed };
    expect(((await res.json()) as { settings: unknown }).settings).toEqual(want);
    // And as stored: read back through the store, not the answer.
    expect((await t.deps.projects.get(id))?.settings).toEqual(want);
  });

  test("a name change alone leaves the settings as stored", async () => {
    const res = await api(t, "PATCH", `/api/projects/${id}`, { name: "renamed" });
    expect(res.status).toBe(200);
    expect((await t.deps.projects.get(id))?.settings).toEqual(STORED);
  });

  test.each([
    {
      patch: { ignoreRules: null },
      message: "Ignore rules: Invalid input: expected object, received null",
    },
    {
      patch: { ignoreRules: { hosts: null } },
      message: "Blocked hosts: Invalid input: expected array, received null",
    },
    {
      patch: { ignoreRules: { host: ["a.example"] } },
      message: 'Ignore rules: Unrecognized key: "host"',
    },
    { patch: { sampleRate: 0 }, message: "Share of reports stored: Too small: expected number to be >0" },
    {
      patch: { sampleRate: null },
      message: "Share of reports stored: Invalid input: expected number, received null",
    },
    {
      patch: { evidenceThreshold: null },
      message: "Evidence threshold: Invalid input: expected number, received null",
    },
    {
      patch: { allowedOrigins: ["https://a.example/path"] },
      message: "Allowed document origins, line 1: must be an origin such as https://www.example.com",
    },
    { patch: { allowOrigins: [] }, message: 'settings: Unrecognized key: "allowOrigins"' },
    {
      patch: { paymentPages: ["checkout"] },
      message: "settings.paymentPages.0: must be a path pattern such as /checkout/* (no query, no fragment)",
    },
    {
      patch: { scriptGoneDays: 0 },
      message: "settings.scriptGoneDays: Too small: expected number to be >=1",
    },
    {
      patch: { reportScriptHashes: "yes" },
      message: "settings.reportScriptHashes: Invalid input: expected boolean, received string",
    },
    {
      patch: { ignoreRules: { hosts: ["a b"] } },
      message: 'Blocked hosts, line 1: use a host like ads.example.net or *.example.net, not "a b"',
    },
  ])("rejects $patch with 400 and keeps every stored field", async ({ patch, message }) => {
    const res = await api(t, "PATCH", `/api/projects/${id}`, { settings: patch });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect({ error: body.error, message: body.message }).toEqual({ error: "invalid_input", message });
    expect((await t.deps.projects.get(id))?.settings).toEqual(STORED);
  });
});

describe("readSettings: stored settings, field by field", () => {
  const DEFAULTS = readSettings("{}");
  const stored = JSON.stringify(STORED);

  test("a new project's settings are the documented defaults", () => {
    expect(DEFAULTS).toEqual({
      ignoreRules: { hosts: [], schemes: [], sampleContains: [] },
      sampleRate: 1,
      dailyCap: 1_000_000,
      allowedOrigins: [],
      evidenceThreshold: 2,
      reportScriptHashes: false,
      paymentPages: [],
      scriptGoneDays: 30,
    });
  });

  const bad: {
    name: string;
    stored: Record<string, unknown>;
    reset: Partial<ProjectSettings>;
    problems: SettingsProblem[];
  }[] = [
    {
      name: "an unknown key is dropped, nothing reset",
      stored: { ...STORED, legacyMode: true },
      reset: {},
      problems: [{ field: "legacyMode", problem: "unknown setting dropped" }],
    },
    {
      name: "an invalid sampleRate resets sampleRate alone",
      stored: { ...STORED, sampleRate: 7 },
      reset: { sampleRate: 1 },
      problems: [
        { field: "sampleRate", problem: "invalid (Too big: expected number to be <=1); takes its default" },
      ],
    },
    {
      name: "an invalid dailyCap resets dailyCap alone",
      stored: { ...STORED, dailyCap: "lots" },
      reset: { dailyCap: 1_000_000 },
      problems: [
        {
          field: "dailyCap",
          problem: "invalid (Invalid input: expected number, received string); takes its default",
        },
      ],
    },
    {
      name: "an invalid evidenceThreshold resets it alone",
      stored: { ...STORED, evidenceThreshold: 0 },
      reset: { evidenceThreshold: 2 },
      problems: [
        {
          field: "evidenceThreshold",
          problem: "invalid (Too small: expected number to be >=1); takes its default",
        },
      ],
    },
    {
      name: "an invalid allowedOrigins resets it alone",
      stored: { ...STORED, allowedOrigins: "https://shop.example" },
      reset: { allowedOrigins: [] },
      problems: [
        {
          field: "allowedOrigins",
          problem: "invalid (Invalid input: expected array, received string); takes its default",
        },
      ],
    },
    {
      name: "an invalid rule list resets that list alone",
      stored: { ...STORED, ignoreRules: { ...RULES, schemes: [42] } },
      reset: { ignoreRules: { ...RULES, schemes: [] } },
      problems: [
        {
          field: "ignoreRules.schemes",
          problem: "invalid (Invalid input: expected string, received number); takes its default",
        },
      ],
    },
    {
      name: "an unknown rule key is dropped",
      stored: { ...STORED, ignoreRules: { ...RULES, paths: ["/x"] } },
      reset: {},
      problems: [{ field: "ignoreRules.paths", problem: "unknown setting dropped" }],
    },
    {
      name: "ignoreRules not an object resets the rules alone",
      stored: { ...STORED, ignoreRules: "none" },
      reset: { ignoreRules: { hosts: [], schemes: [], sampleContains: [] } },
      problems: [{ field: "ignoreRules", problem: "not an object; every ignore rule takes its default" }],
    },
    {
      name: "inherited names are unknown keys, not settings",
      stored: JSON.parse(`{"__proto__":{"sampleRate":0.1},"constructor":1,"sampleRate":0.5}`) as Record<
        string,
        unknown
      >,
      reset: { ...DEFAULTS, sampleRate: 0.5 },
      problems: [
        { field: "__proto__", problem: "unknown setting dropped" },
        { field: "constructor", problem: "unknown setting dropped" },
      ],
    },
    {
      name: "a missing field (an older version's settings) takes its default silently",
      stored: { sampleRate: 0.5 },
      reset: { ...DEFAULTS, sampleRate: 0.5 },
      problems: [],
    },
  ];

  test.each(bad)("$name", ({ stored: value, reset, problems }) => {
    const seen: SettingsProblem[] = [];
    expect(readSettings(JSON.stringify(value), (p) => seen.push(p))).toEqual({ ...STORED, ...reset });
    expect(seen).toEqual(problems);
  });

  test.each([
    { json: "not json", problem: "stored settings are not JSON; every setting takes its default" },
    { json: "[1]", problem: "stored settings are not an object; every setting takes its default" },
    { json: "null", problem: "stored settings are not an object; every setting takes its default" },
  ])("$json resets every field and says so", ({ json, problem }) => {
    const seen: SettingsProblem[] = [];
    expect(readSettings(json, (p) => seen.push(p))).toEqual(DEFAULTS);
    expect(seen).toEqual([{ field: "*", problem }]);
  });

  test("valid stored settings read back unchanged, with no problem", () => {
    const seen: SettingsProblem[] = [];
    expect(readSettings(stored, (p) => seen.push(p))).toEqual(STORED);
    expect(seen).toEqual([]);
  });
});

describe("a bad stored key over the API", () => {
  test("resets that field alone, keeps allowedOrigins, and is logged once", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const t = await startTestApp({}, { log: pino({ level: "warn" }, sink) });
    try {
      const p = await t.deps.projects.create("shop");
      await t.deps.db.prisma.project.update({
        where: { id: p.id },
        data: { settings: JSON.stringify({ ...STORED, sampleRate: "half", oldKey: 1 }) },
      });
      for (let i = 0; i < 3; i++) {
        const res = await api(t, "GET", `/api/projects/${p.id}`);
        expect(((await res.json()) as { settings: unknown }).settings).toEqual({ ...STORED, sampleRate: 1 });
      }
      const warnings = lines.filter((l) => l.includes("stored settings"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        `project ${p.id}: stored settings oldKey: unknown setting dropped; sampleRate: invalid (Invalid input: expected number, received string); takes its default`,
      );
      // Ingest still filters by the stored origins: the foreign page's report is counted, never stored.
      const r = await fetch(`${t.url}/r/${p.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body: JSON.stringify({
          "csp-report": {
            "document-uri": "https://evil.example/",
            "violated-directive": "script-src",
            "blocked-uri": "https://cdn.example/x.js",
          },
        }),
      });
      expect(r.status).toBe(204);
      await new Promise((done) => setTimeout(done, 30));
      const stats = await api(t, "GET", `/api/projects/${p.id}/stats`);
      expect(((await stats.json()) as { totals: unknown }).totals).toEqual({ "rejected:foreign_origin": 1 });
    } finally {
      await t.close();
    }
  });
});
