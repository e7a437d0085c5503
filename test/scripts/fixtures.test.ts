// The script report cases (test/fixtures/script-reports, corpus style) through the pure parser: csp-hash and
// integrity-violation entries become script reports in batch order, csp-violation entries stay violations.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseReportBody } from "../../server/reports/parse.ts";
import { pinned } from "../reports/corpus.ts";

const DIR = fileURLToPath(new URL("../fixtures/script-reports/", import.meta.url));

type Expected = {
  status: number;
  violations?: Record<string, unknown>[];
  scripts?: Record<string, unknown>[];
};

const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .map((name) => {
    const request = JSON.parse(readFileSync(`${DIR}${name}/request.json`, "utf8")) as {
      contentType: string;
      body?: unknown;
      rawBody?: string;
    };
    const expected = JSON.parse(readFileSync(`${DIR}${name}/expected.json`, "utf8")) as Expected;
    return {
      name,
      contentType: request.contentType,
      raw: request.rawBody ?? JSON.stringify(request.body),
      expected,
    };
  });

describe("script report cases", () => {
  test("the folder has the captured and the hand-made cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  test.each(cases)("$name", ({ contentType, raw, expected }) => {
    const out = parseReportBody(contentType, raw);
    if (expected.status !== 204) {
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.status).toBe(expected.status);
      return;
    }
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.scripts).toEqual(expected.scripts ?? []);
    const want = expected.violations ?? [];
    expect(out.violations.map((v, i) => pinned(v, want[i] ?? {}))).toEqual(want);
  });
});
