// parseReportBody: content types, body shapes, batch rules and the exact error texts.
import { describe, expect, test } from "vitest";
import { parseReportBody } from "../../server/reports/parse.ts";

const legacy = (fields: Record<string, unknown>) => JSON.stringify({ "csp-report": fields });
const one = legacy({ "violated-directive": "img-src", "blocked-uri": "https://img.example.net/a.png" });
const cspEntry = (blockedURL: string) => ({
  type: "csp-violation",
  url: "https://example.com/",
  user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  body: { effectiveDirective: "img-src", blockedURL, documentURL: "https://example.com/" },
});

describe("content types", () => {
  test.each([
    { type: "application/csp-report" },
    { type: "application/reports+json" },
    { type: "application/json" },
    { type: "Application/CSP-Report; charset=UTF-8" },
    { type: " application/json ;charset=utf-8; foo=bar" },
  ])("accepts $type", ({ type }) => {
    expect(parseReportBody(type, one).ok).toBe(true);
  });

  test.each([
    { type: "text/html", shown: '"text/html"' },
    { type: "application/x-www-form-urlencoded", shown: '"application/x-www-form-urlencoded"' },
    { type: "", shown: '""' },
    { type: undefined, shown: "none" },
  ])("rejects $type with 415 naming it", ({ type, shown }) => {
    expect(parseReportBody(type, one)).toEqual({
      ok: false,
      status: 415,
      error: "unsupported_media_type",
      message: `unsupported Content-Type ${shown}; expected one of application/csp-report, application/reports+json, application/json`,
    });
  });
});

describe("body shapes", () => {
  test.each([
    { name: "legacy wrapper", body: one, directives: ["img-src"] },
    {
      name: "unwrapped old WebKit",
      body: JSON.stringify({
        "document-url": "https://a.example/",
        "violated-directive": "default-src 'self'",
      }),
      directives: ["default-src"],
    },
    {
      name: "array of legacy reports",
      body: JSON.stringify([JSON.parse(one), JSON.parse(legacy({ "effective-directive": "font-src" }))]),
      directives: ["img-src", "font-src"],
    },
    { name: "Reporting API array", body: JSON.stringify([cspEntry("eval")]), directives: ["img-src"] },
    { name: "Reporting API lone object", body: JSON.stringify(cspEntry("eval")), directives: ["img-src"] },
    {
      name: "Chrome's first Reporting API draft (type csp, hyphenated body)",
      body: JSON.stringify([{ type: "csp", body: { "effective-directive": "img-src" } }]),
      directives: ["img-src"],
    },
    { name: "empty batch", body: "[]", directives: [] },
  ])("$name", ({ body, directives }) => {
    const outcome = parseReportBody("application/reports+json", body);
    expect(outcome.ok && outcome.violations.map((v) => v.directive)).toEqual(directives);
  });

  test("Reporting API user_agent gives the browser; url backs up a missing documentURL", () => {
    const entry = cspEntry("eval");
    const { documentURL: _omit, ...body } = entry.body;
    const outcome = parseReportBody("application/reports+json", JSON.stringify([{ ...entry, body }]));
    expect(outcome.ok && outcome.violations[0]).toMatchObject({
      browser: "Firefox 128",
      documentUrl: "https://example.com/",
    });
  });

  test("legacy reports take the request's User-Agent", () => {
    const ua =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
    const outcome = parseReportBody("application/csp-report", one, { userAgent: ua });
    expect(outcome.ok && outcome.violations[0]?.browser).toBe("Safari 17");
  });
});

describe("batches", () => {
  test("non-CSP and malformed entries are skipped and counted, the rest kept in order", () => {
    const body = JSON.stringify([
      { type: "deprecation", body: { id: "x" } },
      cspEntry("https://a.example/1.png"),
      42,
      null,
      { type: "csp-violation", body: "nope" },
      { type: "csp-violation", body: { blockedURL: "eval" } }, // no directive
      { hello: "world" },
      cspEntry("https://b.example/2.png"),
    ]);
    const outcome = parseReportBody("application/reports+json", body);
    expect(outcome.ok && outcome.violations.map((v) => v.blocked)).toEqual([
      "https://a.example/1.png",
      "https://b.example/2.png",
    ]);
    expect(outcome.ok && outcome.skipped).toBe(6);
  });

  test("a lone non-CSP Reporting API report is accepted and skipped", () => {
    expect(
      parseReportBody("application/reports+json", JSON.stringify({ type: "intervention", body: {} })),
    ).toEqual({
      ok: true,
      violations: [],
      scripts: [],
      skipped: 1,
    });
  });

  test.each([
    { entries: 100, max: undefined, status: 204 },
    { entries: 101, max: undefined, status: 413 },
    { entries: 3, max: 2, status: 413 },
    { entries: 2, max: 2, status: 204 },
  ])("$entries entries with maxEntries $max → $status", ({ entries, max, status }) => {
    const body = JSON.stringify(Array.from({ length: entries }, () => cspEntry("eval")));
    const outcome = parseReportBody(
      "application/reports+json",
      body,
      max === undefined ? {} : { maxEntries: max },
    );
    expect(outcome.ok ? 204 : outcome.status).toBe(status);
  });

  test("413 names the count and the cap", () => {
    expect(parseReportBody("application/json", JSON.stringify([1, 2, 3]), { maxEntries: 2 })).toEqual({
      ok: false,
      status: 413,
      error: "too_many_reports",
      message: "batch has 3 entries; at most 2 are accepted",
    });
  });
});

describe("bodies that are not reports → 400", () => {
  test.each([
    { name: "empty body", body: "", error: "malformed_json", message: "body is empty; expected JSON" },
    {
      name: "whitespace body",
      body: " \n",
      error: "malformed_json",
      message: "body is empty; expected JSON",
    },
    {
      name: "csp-report is a string",
      body: '{"csp-report":"nope"}',
      error: "not_a_report",
      message: '"csp-report" must be an object, got string "nope"',
    },
    {
      name: "csp-report is null",
      body: '{"csp-report":null}',
      error: "not_a_report",
      message: '"csp-report" must be an object, got null',
    },
    {
      name: "csp-report without a directive",
      body: '{"csp-report":{"blocked-uri":"eval"}}',
      error: "not_a_report",
      message: '"csp-report" names no directive (effective-directive or violated-directive)',
    },
    { name: "a number", body: "42", error: "not_a_report", message: "expected a report object, got number" },
    { name: "null", body: "null", error: "not_a_report", message: "expected a report object, got null" },
    {
      name: "an unrelated object",
      body: '{"hello":"world"}',
      error: "not_a_report",
      message: 'not a CSP report: expected "csp-report", a Reporting API report or report fields',
    },
    {
      name: "a lone csp-violation with an array body",
      body: '{"type":"csp-violation","body":[]}',
      error: "not_a_report",
      message: 'Reporting API "body" must be an object, got an array',
    },
  ])("$name", ({ body, error, message }) => {
    expect(parseReportBody("application/csp-report", body)).toEqual({
      ok: false,
      status: 400,
      error,
      message,
    });
  });

  test("malformed JSON says so", () => {
    const outcome = parseReportBody("application/csp-report", '{"csp-report": {');
    expect(outcome).toMatchObject({ ok: false, status: 400, error: "malformed_json" });
    expect(!outcome.ok && outcome.message).toMatch(/^body is not valid JSON: /);
  });
});
