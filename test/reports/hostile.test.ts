// Hostile input: anyone can POST anything to the public endpoint; parsing must never throw or pollute.
import { afterEach, describe, expect, test } from "vitest";
import { parseReportBody } from "../../server/reports/parse.ts";
import { MAX_URL_LENGTH } from "../../server/reports/url.ts";
import { MAX_SAMPLE_LENGTH } from "../../server/reports/normalize.ts";
import { loadCases } from "./corpus.ts";

const CT = "application/csp-report";
const legacy = (fields: Record<string, unknown>) => JSON.stringify({ "csp-report": fields });
const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const long = "x".repeat(10_000);

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>)["polluted"];
});

describe("never throws, always an outcome", () => {
  test.each([
    { name: "deep array body (10,000 levels)", body: deepArray(10_000), status: 204 },
    { name: "deep object body (10,000 levels)", body: deepObject(10_000), status: 400 },
    {
      name: "deep nesting inside a field",
      body: `{"csp-report":{"violated-directive":"img-src","blocked-uri":${deepArray(10_000)}}}`,
      status: 204,
    },
    {
      name: "deep nesting inside an unknown key",
      body: `{"csp-report":{"violated-directive":"img-src","x":${deepObject(10_000)}}}`,
      status: 204,
    },
    {
      name: "deep nesting next to a __proto__ key (the reviver path)",
      body: `{"csp-report":{"violated-directive":"img-src","__proto__":{"polluted":1},"x":${deepArray(10_000)}}}`,
      status: 204,
    },
    {
      name: "array of junk",
      body: JSON.stringify([1, "a", null, true, [], {}, [[{}]], { body: 1 }]),
      status: 204,
    },
    { name: "a string", body: '"csp-report"', status: 400 },
    { name: "a bare boolean", body: "true", status: 400 },
    { name: "NUL bytes", body: "\u0000\u0000", status: 400 },
    {
      name: "a BOM before JSON is ignored",
      body: "\uFEFF" + legacy({ "violated-directive": "img-src" }),
      status: 204,
    },
    {
      name: "huge number",
      body: legacy({ "violated-directive": "img-src", "line-number": 1e308 }),
      status: 204,
    },
  ])("$name → $status", ({ body, status }) => {
    const outcome = parseReportBody(CT, body);
    expect(outcome.ok ? 204 : outcome.status).toBe(status);
  });

  test("random mutations of the corpus never throw", () => {
    // Deterministic xorshift so failures reproduce.
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const junk = [
      '"',
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      "\\u0000",
      "null",
      "1e999",
      '"__proto__"',
      "\u2028",
      "\ud800",
    ];
    const bodies = loadCases().map((c) => c.raw);
    for (let i = 0; i < 3000; i++) {
      const base = bodies[rand(bodies.length)] ?? "";
      const at = rand(base.length + 1);
      const body = base.slice(0, at) + (junk[rand(junk.length)] ?? "") + base.slice(at + rand(4));
      expect(() => parseReportBody("application/reports+json", body)).not.toThrow();
    }
  });
});

describe("prototype pollution", () => {
  test.each([
    { name: "__proto__ at top level", body: '{"__proto__":{"polluted":1},"violated-directive":"img-src"}' },
    {
      name: "__proto__ in csp-report",
      body: '{"csp-report":{"__proto__":{"polluted":1},"violated-directive":"img-src"}}',
    },
    {
      name: "__proto__ in a batch entry",
      body: '[{"__proto__":{"polluted":1},"type":"csp-violation","body":{}}]',
    },
    {
      name: "__proto__ in a Reporting API body",
      body: '[{"type":"csp-violation","body":{"__proto__":{"polluted":1},"effectiveDirective":"img-src"}}]',
    },
    {
      name: "constructor.prototype",
      body: '{"csp-report":{"constructor":{"prototype":{"polluted":1}},"violated-directive":"img-src"}}',
    },
    {
      name: "__proto__ as the directive key's value",
      body: '{"csp-report":{"violated-directive":"__proto__"}}',
    },
  ])("$name", ({ body }) => {
    const outcome = parseReportBody(CT, body);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    for (const v of outcome.ok ? outcome.violations : []) {
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)).not.toContain("__proto__");
      expect((v as unknown as Record<string, unknown>)["polluted"]).toBeUndefined();
    }
  });
});

describe("huge and dirty fields are bounded", () => {
  test("10,000-char fields", () => {
    const outcome = parseReportBody(
      CT,
      legacy({
        "violated-directive": `img-src${long}`,
        "blocked-uri": `https://a.example/${long}`,
        "document-uri": `https://${"a".repeat(60)}.example/${long}?q=${long}`,
        "source-file": `https://a.example/${long}`,
        "script-sample": long,
        disposition: long,
      }),
    );
    expect(outcome.ok).toBe(true);
    const v = outcome.ok ? outcome.violations[0] : undefined;
    expect(v?.directive.length).toBeLessThanOrEqual(64);
    expect(v?.blocked.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
    expect(v?.documentUrl.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
    expect(v?.documentUrl).not.toContain("?");
    expect(v?.sourceFile.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
    expect(v?.sample).toHaveLength(MAX_SAMPLE_LENGTH);
    expect(v?.disposition).toBeNull();
  });

  test("control characters are removed from samples, tab and newline kept", () => {
    const outcome = parseReportBody(
      CT,
      legacy({
        "violated-directive": "script-src",
        "script-sample": "a\u0000b\u001b[31mc\td\ne\r\u007f\u0085f",
      }),
    );
    expect(outcome.ok && outcome.violations[0]?.sample).toBe("ab[31mc\td\nef");
  });

  test("a cut sample does not end in half a surrogate pair", () => {
    const outcome = parseReportBody(
      CT,
      legacy({ "violated-directive": "script-src", "script-sample": "a" + "😀".repeat(300) }),
    );
    const sample = outcome.ok ? (outcome.violations[0]?.sample ?? "") : "";
    expect(sample.length).toBeLessThanOrEqual(MAX_SAMPLE_LENGTH);
    expect(encodeURIComponent(sample)).toBeTruthy(); // throws URIError on a lone surrogate
  });
});

describe("wrong types and strings-for-numbers", () => {
  test.each([
    { field: "line-number", value: "12", line: 12 },
    { field: "line-number", value: " 12 ", line: 12 },
    { field: "line-number", value: 12, line: 12 },
    { field: "line-number", value: "12abc", line: null },
    { field: "line-number", value: "-1", line: null },
    { field: "line-number", value: -1, line: null },
    { field: "line-number", value: 1.5, line: null },
    { field: "line-number", value: "1e3", line: null },
    { field: "line-number", value: {}, line: null },
    { field: "line-number", value: [12], line: null },
    { field: "line-number", value: null, line: null },
    { field: "line-number", value: true, line: null },
    { field: "lineNumber", value: "7", line: 7 },
  ])("$field = $value → line $line", ({ field, value, line }) => {
    const outcome = parseReportBody(CT, legacy({ "violated-directive": "img-src", [field]: value }));
    expect(outcome.ok && outcome.violations[0]?.line).toBe(line);
  });

  test.each([
    { name: "blocked-uri as a number", fields: { "blocked-uri": 5 }, blocked: "" },
    { name: "blocked-uri as an object", fields: { "blocked-uri": { href: "x" } }, blocked: "" },
    { name: "document-uri as an array", fields: { "document-uri": ["https://a.example/"] }, blocked: "" },
    { name: "unknown keys are ignored", fields: { "effective-directive_full": "x", foo: [1] }, blocked: "" },
  ])("$name: the field is dropped, the report kept", ({ fields, blocked }) => {
    const outcome = parseReportBody(CT, legacy({ "violated-directive": "img-src", ...fields }));
    expect(outcome.ok && outcome.violations[0]).toMatchObject({
      directive: "img-src",
      blocked,
      documentUrl: "",
    });
  });

  test("a directive of the wrong type is not a report", () => {
    expect(parseReportBody(CT, legacy({ "violated-directive": 5 }))).toMatchObject({
      status: 400,
      error: "not_a_report",
    });
  });
});
