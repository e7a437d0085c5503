// Conformance: every corpus case through parseReportBody, checking status and every pinned field.
import { describe, expect, test } from "vitest";
import { parseReportBody } from "../../server/reports/parse.ts";
import { loadCases, pinned } from "./corpus.ts";

const cases = loadCases();

describe("report corpus", () => {
  test("the corpus is found", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  test.each(cases)("$name", (c) => {
    const outcome = parseReportBody(c.contentType, c.raw);
    expect(outcome.ok ? 204 : outcome.status).toBe(c.status);
    const violations = outcome.ok ? outcome.violations : [];
    expect(violations).toHaveLength(c.violations.length);
    c.violations.forEach((want, i) => {
      const got = violations[i] as unknown as Record<string, unknown>;
      expect(pinned(got, want), `violation ${i}`).toEqual(want);
    });
  });
});
