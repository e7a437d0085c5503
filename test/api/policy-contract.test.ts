// The policy API's contract (server/contract/policy.ts), end to end: every policy route answers exactly its DTO
// (a strict schema per DTO, itself checked against the DTO type at compile time: no key missing, none extra), and
// the dashboard's client (web/src/api/client.ts) returns what the server sent, with nothing filled in or dropped.
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from "vitest";
import { z } from "zod";
import { startTestApp, api, type TestApp } from "../helpers/app.ts";
import { ApiClient } from "../../web/src/api/client.ts";
import { EXPORT_FORMATS, VERSION_MOVES, VERSION_STATES } from "../../web/src/lib/policy-vocabulary.ts";
import { EXPORT_FORMATS as SERVER_EXPORT_FORMATS } from "../../server/policy/export/index.ts";
import { POLICY_STATES, canMove, type PolicyState } from "../../server/store/policies.ts";
import type * as C from "../../server/contract.ts";
import type { DecisionKind, SuggestionAction } from "../../server/policy/build-types.ts";
import type { AllowCondition } from "../../server/policy/allow.ts";
import type { PolicyIssueKind } from "../../server/policy/csp.ts";
import type { Severity } from "../../server/policy/findings.ts";
import type { Grade } from "../../server/policy/grade.ts";
import type { ExportFormat } from "../../server/policy/export/index.ts";
import type { DeployState } from "../../server/policy/versions.ts";
import type { buildSchema } from "../../server/api/policy.ts";

// ── One strict schema per DTO (unknown keys fail); expectTypeOf below makes each one its DTO, key for key ─────

const id = z.union([z.string(), z.number()]);
const grade = z.enum(["A", "B", "C", "D", "F"]);
const state = z.enum(["draft", "report-only", "enforced", "retired"]);

const evidence = z.strictObject({
  count: z.number(),
  pages: z.array(z.string()),
  firstSeen: z.number(),
  lastSeen: z.number(),
  samples: z.array(
    z.strictObject({
      sample: z.string(),
      documentUrl: z.string(),
      blockedUrl: z.string(),
      sourceFile: z.string(),
      line: z.number().nullable(),
      policyVersion: z.number().nullable().optional(),
    }),
  ),
});
const suggestion = z.strictObject({
  id: z.string(),
  directive: z.string(),
  source: z.string(),
  action: z.enum(["add", "remove", "refuse"]),
  reason: z.string(),
  evidence,
  groupIds: z.array(id),
  applied: z.boolean(),
  verify: z.boolean().optional(),
});
const decision = z.strictObject({
  id: z.string(),
  kind: z.enum(["unsafe-keyword", "nonce", "unsafe-hashes", "wildcard", "blocked-in-production"]),
  directive: z.string(),
  add: z.array(z.string()),
  remove: z.array(z.string()),
  reason: z.string(),
  risk: z.string(),
  evidence,
  groupIds: z.array(id),
  accepted: z.boolean(),
  blockedSince: z.number().optional(),
  blockedReports: z.number().optional(),
});
const finding = z.strictObject({
  severity: z.enum(["high", "medium", "low", "info", "syntax"]),
  directive: z.string(),
  value: z.string().nullable(),
  message: z.string(),
  check: z.string(),
  origin: z.enum(["csp_evaluator", "cinch"]),
  points: z.number(),
});
const reason = z.strictObject({
  points: z.number(),
  check: z.string(),
  directive: z.string(),
  message: z.string(),
});
const scoreBreakdown = z.strictObject({
  start: z.number(),
  deductions: z.array(reason),
  caps: z.array(
    z.strictObject({ label: z.string(), max: z.number(), asked: z.number(), counted: z.number() }),
  ),
  lost: z.number(),
  score: z.number(),
  grade,
  thresholds: z.array(z.strictObject({ grade, min: z.number() })),
  summary: z.string(),
});
const build = z.strictObject({
  policy: z.string(),
  base: z.string(),
  baseVersion: z.number().nullable(),
  suggestions: z.array(suggestion),
  suggestionCount: z.number(),
  offset: z.number(),
  limit: z.number(),
  decisions: z.array(decision),
  decisionCount: z.number(),
  decisionOffset: z.number(),
  decisionLimit: z.number(),
  grade,
  score: z.number(),
  findings: z.array(finding),
  reasons: z.array(reason),
  breakdown: scoreBreakdown.optional(),
  size: z.number(),
  warnings: z.array(z.string()),
});
const evaluation = z.strictObject({
  grade,
  score: z.number(),
  findings: z.array(finding),
  reasons: z.array(reason),
  breakdown: scoreBreakdown.optional(),
  size: z.number(),
  minified: z.string(),
  minifiedSize: z.number(),
  issues: z.array(
    z.strictObject({
      kind: z.enum([
        "duplicate",
        "unknown",
        "deprecated",
        "invalid-name",
        "invalid-source",
        "multiple-policies",
      ]),
      directive: z.string(),
      message: z.string(),
      value: z.string().optional(),
    }),
  ),
});
const totals = { groups: z.number(), reports: z.number(), recentReports: z.number() };
const previewGroup = z.strictObject({
  id,
  directive: z.string(),
  blocked: z.string(),
  count: z.number(),
  recentCount: z.number(),
  governing: z.string().nullable(),
  pages: z.array(z.string()),
  condition: z.enum(["nonce", "sample-hash", "strict-dynamic"]).optional(),
});
const bucket = z.strictObject({ ...totals, key: z.string() });
const preview = z.strictObject({
  total: z.strictObject(totals),
  blocked: z.strictObject(totals),
  conditional: z.strictObject(totals),
  byDirective: z.array(bucket),
  bySource: z.array(bucket),
  byPage: z.array(bucket),
  blockedGroups: z.array(previewGroup),
  conditionalGroups: z.array(previewGroup),
  counts: z.strictObject({
    blockedGroups: z.number(),
    conditionalGroups: z.number(),
    byDirective: z.number(),
    bySource: z.number(),
    byPage: z.number(),
  }),
  summary: z.string(),
  limit: z.number(),
});
const versionFields = {
  version: z.number(),
  state,
  policy: z.string(),
  servedPolicy: z.string(),
  notes: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
};
const version = z.strictObject(versionFields);
const versionList = z.strictObject({ versions: z.array(version) });
const moved = z.strictObject({ ...versionFields, deploy: z.string() });
const compareGroup = z.strictObject({
  id,
  directive: z.string(),
  blocked: z.string(),
  countFrom: z.number(),
  countTo: z.number(),
});
const compare = z.strictObject({
  from: z.number(),
  to: z.number(),
  added: z.array(compareGroup),
  resolved: z.array(compareGroup),
  persisting: z.array(compareGroup),
});
const versionRollout = z.strictObject({
  version: z.number(),
  state,
  reportOnlySince: z.number().nullable(),
  ranMs: z.number(),
  reports: z.number(),
  pages: z.number(),
  comparedWith: z.number().nullable(),
  newGroups: z.array(z.strictObject({ id, directive: z.string(), blocked: z.string(), count: z.number() })),
  hashes: z.strictObject({
    verified: z.array(z.string()),
    failed: z.array(z.string()),
    pending: z.array(z.string()),
  }),
  checklist: z.array(z.strictObject({ id: z.string(), ok: z.boolean(), text: z.string() })),
  ready: z.boolean(),
});
const rollout = z.strictObject({
  enforced: z.number().nullable(),
  reportOnly: z.number().nullable(),
  deploy: z.string(),
  untagged: z.strictObject({ reports: z.number(), since: z.iso.datetime() }).nullable(),
  versions: z.array(versionRollout),
});
const policyKey = z.strictObject({ policyKey: z.string(), url: z.string() });

/** A type spelled out key by key, nested ones too (`A & B` and the object with both keys compare equal). */
type Same<T> = T extends object ? { [K in keyof T]: Same<T[K]> } : T;

describe("each schema is its DTO, key for key (compile time)", () => {
  test("answers", () => {
    expectTypeOf<Same<z.infer<typeof build>>>().toEqualTypeOf<Same<C.BuildResultDto>>();
    expectTypeOf<Same<z.infer<typeof suggestion>>>().toEqualTypeOf<Same<C.SuggestionDto>>();
    expectTypeOf<Same<z.infer<typeof decision>>>().toEqualTypeOf<Same<C.DecisionDto>>();
    expectTypeOf<Same<z.infer<typeof evidence>>>().toEqualTypeOf<Same<C.EvidenceDto>>();
    expectTypeOf<Same<z.infer<typeof finding>>>().toEqualTypeOf<Same<C.FindingDto>>();
    expectTypeOf<Same<z.infer<typeof evaluation>>>().toEqualTypeOf<Same<C.EvaluationDto>>();
    expectTypeOf<Same<z.infer<typeof preview>>>().toEqualTypeOf<Same<C.PreviewDto>>();
    expectTypeOf<Same<z.infer<typeof version>>>().toEqualTypeOf<Same<C.PolicyVersionDto>>();
    expectTypeOf<Same<z.infer<typeof versionList>>>().toEqualTypeOf<Same<C.PolicyVersionListDto>>();
    expectTypeOf<Same<z.infer<typeof moved>>>().toEqualTypeOf<Same<C.PolicyVersionMovedDto>>();
    expectTypeOf<Same<z.infer<typeof compare>>>().toEqualTypeOf<Same<C.CompareDto>>();
    expectTypeOf<Same<z.infer<typeof rollout>>>().toEqualTypeOf<Same<C.RolloutDto>>();
    expectTypeOf<Same<z.infer<typeof policyKey>>>().toEqualTypeOf<Same<C.PolicyKeyDto>>();
  });

  test("requests: the client's build request is what the route accepts", () => {
    expectTypeOf<Same<C.BuildRequest>>().toEqualTypeOf<Same<z.input<typeof buildSchema>>>();
  });

  test("the contract's vocabularies are the engine's, both ways", () => {
    expectTypeOf<C.VersionState>().toEqualTypeOf<PolicyState>();
    expectTypeOf<C.ExportFormat>().toEqualTypeOf<ExportFormat>();
    expectTypeOf<C.DeployState>().toEqualTypeOf<DeployState>();
    expectTypeOf<C.Grade>().toEqualTypeOf<Grade>();
    expectTypeOf<C.Severity>().toEqualTypeOf<Severity>();
    expectTypeOf<C.SuggestionDto["action"]>().toEqualTypeOf<SuggestionAction>();
    expectTypeOf<C.DecisionDto["kind"]>().toEqualTypeOf<DecisionKind>();
    expectTypeOf<C.PolicyIssueDto["kind"]>().toEqualTypeOf<PolicyIssueKind>();
    expectTypeOf<NonNullable<C.PreviewGroupDto["condition"]>>().toEqualTypeOf<AllowCondition>();
  });

  test("the lists the dashboard iterates are the server's (run time)", () => {
    expect(EXPORT_FORMATS).toEqual(SERVER_EXPORT_FORMATS);
    expect(VERSION_STATES).toEqual(POLICY_STATES);
    for (const from of POLICY_STATES) {
      for (const to of POLICY_STATES)
        expect(VERSION_MOVES[from].includes(to), `${from} → ${to}`).toBe(canMove(from, to));
    }
  });
});

// ── Over HTTP: the server's answers against the schemas, and the client's return values against the answers ──

let t: TestApp;
let pid: string;
let reportKey: string;
/** The bodies the server sent to the client, in order. */
const sent: string[] = [];
let client: ApiClient;

const report = (directive: string, blocked: string, extra: Record<string, unknown> = {}) =>
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

async function send(body: string, times: number, query = ""): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${t.url}/r/${reportKey}${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body,
    });
    expect(res.status).toBe(204);
  }
}

/** The answer as sent, and what the client returned for it: the same value, key for key. */
async function viaClient<T>(call: Promise<T>): Promise<{ answer: unknown; returned: T }> {
  const before = sent.length;
  const returned = await call;
  expect(sent.length).toBe(before + 1);
  const text = sent[sent.length - 1]!;
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // a text answer (the export)
  }
  expect(returned).toStrictEqual(answer);
  return { answer, returned };
}

/** A route the dashboard does not call: its JSON answer, straight from HTTP. */
async function direct(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await api(t, method, `/api/projects/${pid}/policy${path}`, body);
  expect(res.status).toBeLessThan(300);
  return res.json();
}

beforeAll(async () => {
  t = await startTestApp();
  client = new ApiClient({
    base: t.url,
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("Authorization", t.auth.Authorization);
      const res = await fetch(input, { ...init, headers });
      sent.push(await res.clone().text());
      return res;
    },
  });
  const p = await client.createProject("contract");
  pid = p.id;
  reportKey = p.reportKey;
  await send(report("script-src-elem", "https://cdn.example.net/lib.js"), 3);
  await send(report("img-src", "https://images.example.org/a.png"), 3);
  await send(report("script-src-elem", "inline", { "script-sample": "window.ready=1;" }), 3);
  await send(report("script-src", "eval", { "script-sample": "1+1" }), 3);
  await send(report("style-src-attr", "inline", { "script-sample": "color:red" }), 3);
});
afterAll(async () => t.close());

/** Which routes the table below covered, as the route table names them. */
const covered = new Set<string>();

describe("every policy route answers its DTO, and the client passes it through", () => {
  test("suggestion and build", async () => {
    covered.add("GET /api/projects/:id/policy/suggestion");
    const s = build.parse(await direct("GET", "/suggestion"));
    expect(s.suggestions.some((x) => x.verify === true)).toBe(true);
    expect(s.decisions.length).toBeGreaterThan(0);

    covered.add("POST /api/projects/:id/policy/build");
    const { answer } = await viaClient(client.buildPolicy(pid, { accepted: [s.suggestions[0]!.id] }));
    build.parse(answer);
    // The second time the answer comes from the cache (JSON text): the same answer.
    expect(
      (await viaClient(client.buildPolicy(pid, { accepted: [s.suggestions[0]!.id] }))).answer,
    ).toStrictEqual(answer);
  });

  test("evaluate", async () => {
    covered.add("POST /api/projects/:id/policy/evaluate");
    const e = evaluation.parse(
      await direct("POST", "/evaluate", {
        policy:
          "default-src 'self'; img-src 'self'; img-src https:; script-src 'unsafe-inline' https://a.example/*x",
      }),
    );
    expect(e.issues.map((i) => i.kind)).toContain("duplicate");
    expect(e.findings.length).toBeGreaterThan(0);
  });

  test("preview", async () => {
    covered.add("POST /api/projects/:id/policy/preview");
    const { answer } = await viaClient(
      client.previewPolicy(pid, "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self'"),
    );
    const p = preview.parse(answer);
    expect(p.conditionalGroups.some((g) => g.condition === "nonce")).toBe(true);
    expect(p.blockedGroups.length).toBeGreaterThan(0);
  });

  test("versions: create, list, get, state change, compare, rollout", async () => {
    const base = (await client.buildPolicy(pid, {})).policy;
    covered.add("POST /api/projects/:id/policy/versions");
    const v1 = version.parse(
      (await viaClient(client.createVersion(pid, base, { from: "contract test" }))).answer,
    );
    covered.add("POST /api/projects/:id/policy/versions/:version/state");
    moved.parse((await viaClient(client.setVersionState(pid, v1.version, "enforced"))).answer);

    // Under v1 enforced: a script it blocked on real pages, reports tagged v1, and an untagged copy.
    await send(report("script-src-elem", "https://evil.example/x.js", { disposition: "enforce" }), 3, "?v=1");
    await send(report("img-src", "https://images.example.org/a.png"), 2, "?v=1");
    await send(report("font-src", "https://fonts.example.com/a.woff"), 2);
    const blocked = build.parse(await direct("GET", "/suggestion"));
    expect(blocked.decisions.find((d) => d.kind === "blocked-in-production")?.blockedSince).toBe(1);

    const v2 = (await client.createVersion(pid, `${base}; font-src https://fonts.example.com`)).version;
    await client.setVersionState(pid, v2, "report-only");
    await send(report("connect-src", "https://api.example.net/x"), 2, `?v=${v2}`);

    covered.add("GET /api/projects/:id/policy/versions");
    // The client returns the list inside the answer: that list, unchanged.
    const returned = await client.listVersions(pid);
    const answer = versionList.parse(JSON.parse(sent.at(-1)!));
    expect(returned).toStrictEqual(answer.versions);
    expect(returned).toHaveLength(2);

    covered.add("GET /api/projects/:id/policy/versions/:version");
    version.parse(await direct("GET", `/versions/${v2}`));

    covered.add("GET /api/projects/:id/policy/versions/compare");
    const cmp = compare.parse((await viaClient(client.compareVersions(pid, v1.version, v2))).answer);
    expect(cmp.added.length + cmp.resolved.length).toBeGreaterThan(0);

    covered.add("GET /api/projects/:id/policy/rollout");
    const r = rollout.parse((await viaClient(client.policyRollout(pid))).answer);
    expect(r.untagged?.reports).toBeGreaterThan(0);
    expect(r.versions.map((v) => v.version)).toEqual([v2, v1.version]);
  });

  test("export and the policy key", async () => {
    covered.add("GET /api/projects/:id/policy/export");
    const text = (await viaClient(client.exportPolicy(pid, { format: "nginx", companions: true }))).returned;
    expect(text).toContain("add_header Content-Security-Policy");

    covered.add("GET /api/projects/:id/policy/key");
    policyKey.parse((await viaClient(client.policyKey(pid))).answer);
    covered.add("POST /api/projects/:id/policy/key");
    const k = policyKey.parse((await viaClient(client.rotatePolicyKey(pid))).answer);
    // The URL pipelines fetch (PUBLIC_URL is not where the test app listens).
    const url = new URL(k.url);
    const res = await fetch(`${t.url}${url.pathname}${url.search}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cinch-Policy-Version")).toBe("1");
  });

  test("the table above covers every policy route of the API router", () => {
    const policyRoutes = t.app.api.routes
      .filter((r) => r.path.includes("/policy"))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(policyRoutes.length).toBeGreaterThan(10);
    expect([...covered].sort()).toEqual([...policyRoutes].sort());
  });
});
