// Malformed source tokens (#11 item 8) are syntax findings, never exceptions: in the grader, over the API
// (evaluate answers 200, a version must parse cleanly to be saved) and in `cinch evaluate`.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { evaluatePolicy } from "../../server/policy/grade.ts";
import { minifyPolicy } from "../../server/policy/minify.ts";
import { parsePolicy, policySyntaxError } from "../../server/policy/csp.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { previewImpact } from "../../server/policy/preview.ts";
import { group } from "./helpers.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

// Tokens outside the CSP3 source grammar, each of which made csp_evaluator's `new URL` throw.
const MALFORMED = [
  "a>b",
  "https://[::1",
  "x:y:z",
  "*.",
  "https://",
  "//",
  "%",
  "https://%zz",
  ":",
  "http://[",
];
// Inside the grammar, but csp_evaluator still cannot parse them as URLs.
const UNPARSABLE = ["https://xn--", "https://a.com:99999"];

describe("the grader", () => {
  test.each(
    MALFORMED.flatMap((token) => ["script-src", "img-src", "default-src"].map((d) => ({ d, token }))),
  )("$d $token: a syntax finding naming the token, no exception", ({ d, token }) => {
    const e = evaluatePolicy(`${d} 'self' ${token}; object-src 'none'`);
    expect(e.findings).toContainEqual({
      severity: "syntax",
      directive: d,
      value: token,
      message: `${d}: ${JSON.stringify(token)} is not a valid source expression: browsers ignore it`,
      check: "invalid-source",
      origin: "cinch",
      points: 5,
    });
    expect(e.reasons.some((r) => r.check === "invalid-source")).toBe(true);
  });

  test.each(UNPARSABLE)(
    "script-src %s: csp_evaluator skips it and says so, the rest is still checked",
    (token) => {
      const e = evaluatePolicy(`script-src ${token} 'unsafe-inline'; object-src 'none'`);
      expect(e.findings).toContainEqual(
        expect.objectContaining({ check: "unevaluable-source", directive: "script-src", value: token }),
      );
      expect(e.findings.some((f) => f.check === "SCRIPT_UNSAFE_INLINE")).toBe(true);
    },
  );

  test("minify, build and preview over a malformed base do not throw", () => {
    const base = `default-src 'self'; script-src 'self' ${MALFORMED.join(" ")} ${UNPARSABLE.join(" ")}`;
    expect(() => minifyPolicy(base)).not.toThrow();
    const b = buildPolicy({ base, groups: [group("script-src-elem", "https://cdn.example.net")] });
    expect(b.policy).toContain("https://cdn.example.net");
    expect(() =>
      previewImpact(base, [group("img-src", "https://img.example")], { now: 3_000 }),
    ).not.toThrow();
  });
});

describe("policySyntaxError", () => {
  test.each([
    { policy: "default-src 'self'; img-src https://img.example data:", error: null },
    { policy: "script-src 'self' a>b", error: 'script-src: "a>b" is not a valid source expression' },
    {
      policy: "img-src 'self'; connect-src x:y:z",
      error: 'connect-src: "x:y:z" is not a valid source expression',
    },
    {
      policy: "script-src 'unsafe-inlin'",
      error: "script-src: \"'unsafe-inlin'\" is not a valid source expression",
    },
    { policy: "default-src 'self', img-src *.", error: 'img-src: "*." is not a valid source expression' },
    { policy: "scr!pt-src 'self'", error: '"scr!pt-src" is not a valid directive name' },
    // Not source lists: their values are not source expressions.
    { policy: "sandbox allow-scripts; report-uri /r/k; trusted-types a b", error: null },
  ])("$policy → $error", ({ policy, error }) => {
    expect(policySyntaxError(policy)).toBe(error);
  });

  test("parsePolicy keeps the invalid source and flags it", () => {
    const p = parsePolicy("script-src 'self' a>b");
    expect(p.directives).toEqual([{ name: "script-src", values: ["'self'", "a>b"] }]);
    expect(p.issues).toEqual([
      {
        kind: "invalid-source",
        directive: "script-src",
        value: "a>b",
        message: 'script-src: "a>b" is not a valid source expression',
      },
    ]);
  });
});

describe("over the API", () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp();
    id = (await t.deps.projects.create("shop")).id;
  });
  afterAll(async () => t.close());

  test.each([...MALFORMED, ...UNPARSABLE])(
    "POST /policy/evaluate with script-src %s answers 200",
    async (token) => {
      const res = await api(t, "POST", `/api/projects/${id}/policy/evaluate`, {
        policy: `script-src 'self' ${token}; object-src 'none'`,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { findings: { check: string; value: string | null }[] };
      expect(body.findings.some((f) => f.value === token)).toBe(true);
    },
  );

  test("a version with an invalid source is refused, naming the token and directive", async () => {
    const res = await api(t, "POST", `/api/projects/${id}/policy/versions`, {
      policy: "default-src 'self'; script-src 'self' a>b",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "invalid_policy",
      message: 'script-src: "a>b" is not a valid source expression',
    });
    const list = await api(t, "GET", `/api/projects/${id}/policy/versions`);
    expect(((await list.json()) as { versions: unknown[] }).versions).toEqual([]);
    // And the suggestion still answers.
    expect((await api(t, "GET", `/api/projects/${id}/policy/suggestion`)).status).toBe(200);
  });
});

describe("cinch evaluate", () => {
  test("a malformed source is a finding in the output, exit 0", () => {
    const bin = new URL("../../bin/cinch.mjs", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [bin, "evaluate", "--json", "script-src https://[::1 a>b"], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as { findings: { value: string | null; severity: string }[] };
    expect(json.findings).toContainEqual(expect.objectContaining({ value: "a>b", severity: "syntax" }));
    expect(json.findings).toContainEqual(
      expect.objectContaining({ value: "https://[::1", severity: "syntax" }),
    );
  });
});
