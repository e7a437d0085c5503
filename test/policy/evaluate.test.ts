// Grading: csp_evaluator findings plus Cinch's own, a letter A–F, and a reason for every point lost.
import { describe, expect, test } from "vitest";
import { evaluatePolicy } from "../../server/policy/grade.ts";

const TIGHT =
  "default-src 'self'; base-uri 'self'; connect-src 'self' https://api.example.com; form-action 'self'; " +
  "frame-ancestors 'none'; img-src 'self' https://img.example.net; object-src 'none'; " +
  "script-src 'self' https://static.example.net; style-src 'self'; report-uri https://cinch.example/r/k; report-to cinch";

describe("evaluatePolicy", () => {
  test("a tight policy on 'self' and explicit origins reaches A", () => {
    const e = evaluatePolicy(TIGHT);
    expect(e.grade).toBe("A");
    expect(e.findings.some((f) => f.value === "'self'" && f.severity === "low")).toBe(true);
    expect(e.findings.every((f) => f.severity !== "high" && f.severity !== "medium")).toBe(true);
  });

  test("every point lost has a reason", () => {
    for (const p of [TIGHT, "script-src 'unsafe-inline'", "default-src *", ""]) {
      const e = evaluatePolicy(p);
      const lost = e.reasons.reduce((s, r) => s + r.points, 0);
      expect(Math.max(0, 100 - lost)).toBe(e.score);
    }
  });

  test.each([
    { policy: TIGHT.replace("frame-ancestors 'none'; ", ""), grade: "B", check: "missing-frame-ancestors" },
    {
      policy: TIGHT.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
      grade: "C",
      check: "SCRIPT_UNSAFE_INLINE",
    },
    {
      policy: TIGHT.replace("object-src 'none'; ", "").replace("default-src 'self'", "default-src *"),
      grade: "C",
      check: "PLAIN_WILDCARD",
    },
    { policy: "", grade: "F", check: "MISSING_DIRECTIVES" },
  ])("$check costs the grade ($grade)", ({ policy, grade, check }) => {
    const e = evaluatePolicy(policy);
    expect(e.grade).toBe(grade);
    expect(e.reasons.map((r) => r.check)).toContain(check);
  });

  test.each([
    { check: "missing-form-action", policy: TIGHT.replace("form-action 'self'; ", "") },
    { check: "missing-base-uri", policy: TIGHT.replace("base-uri 'self'; ", "") },
    {
      check: "missing-reporting",
      policy: TIGHT.replace("; report-uri https://cinch.example/r/k; report-to cinch", ""),
    },
    { check: "covered-source", policy: TIGHT.replace("img-src 'self'", "img-src 'self' *.example.net") },
    { check: "duplicate", policy: `${TIGHT}; img-src *` },
    { check: "deprecated", policy: `${TIGHT}; block-all-mixed-content` },
  ])("Cinch check $check", ({ check, policy }) => {
    expect(
      evaluatePolicy(policy)
        .findings.filter((f) => f.origin === "cinch")
        .map((f) => f.check),
    ).toContain(check);
  });

  test("size over budget is a medium finding", () => {
    const f = evaluatePolicy(TIGHT, { budget: 100 }).findings.find((x) => x.check === "over-budget");
    expect(f?.severity).toBe("medium");
    expect(f?.message).toBe(
      `policy is ${TIGHT.length} characters, over the 100-character budget (proxies and CDNs cut long headers)`,
    );
  });

  test("CSP3 keywords csp_evaluator does not know are not flagged invalid", () => {
    const e = evaluatePolicy(
      `${TIGHT.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval' 'report-sha256'")}`,
    );
    expect(e.findings.filter((f) => f.check === "INVALID_KEYWORD")).toEqual([]);
  });
});
