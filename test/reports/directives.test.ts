// Directive names and ambiguous blanks (#11 items 3, 16, 17): junk names never reach the builder, a junk
// effective-directive gives way to a valid violated-directive, and a blank script-src report is read from its policy.
import { describe, expect, test } from "vitest";
import { parseReportBody } from "../../server/reports/parse.ts";
import type { Violation } from "../../server/reports/types.ts";

function one(fields: Record<string, unknown>): Violation {
  const outcome = parseReportBody("application/csp-report", JSON.stringify({ "csp-report": fields }));
  if (!outcome.ok) throw new Error(`parse failed: ${outcome.message}`);
  expect(outcome.violations).toHaveLength(1);
  return outcome.violations[0]!;
}

const DOC = "https://app.example.com/a";

describe("directive names", () => {
  test.each([
    {
      name: "valid effective wins",
      effective: "img-src",
      violated: "script-src",
      directive: "img-src",
      noise: null,
    },
    {
      name: "junk effective, valid violated",
      effective: "not-a-directive",
      violated: "img-src 'self'",
      directive: "img-src",
      noise: null,
    },
    {
      name: "inherited name, valid violated",
      effective: "constructor",
      violated: "script-src-elem",
      directive: "script-src-elem",
      noise: null,
    },
    {
      name: "__proto__ alone",
      effective: "__proto__",
      violated: undefined,
      directive: "__proto__",
      noise: "unknown-directive",
    },
    {
      name: "constructor alone",
      effective: "constructor",
      violated: undefined,
      directive: "constructor",
      noise: "unknown-directive",
    },
    {
      name: "toString alone",
      effective: "toString",
      violated: "hasOwnProperty",
      directive: "tostring",
      noise: "unknown-directive",
    },
    {
      name: "a keyword",
      effective: "'unsafe-inline'",
      violated: undefined,
      directive: "'unsafe-inline'",
      noise: "unknown-directive",
    },
    {
      name: "an invented name",
      effective: "blink-src",
      violated: "not-a-directive",
      directive: "blink-src",
      noise: "unknown-directive",
    },
    {
      name: "markup",
      effective: 'style-src-elem"><svg/onload=alert(1)>',
      violated: undefined,
      directive: 'style-src-elem"><svg/onload=alert(1)>',
      noise: "unknown-directive",
    },
    { name: "a tag", effective: "<img", violated: undefined, directive: "<img", noise: "unknown-directive" },
    {
      name: "obsolete but real",
      effective: "prefetch-src",
      violated: undefined,
      directive: "prefetch-src",
      noise: null,
    },
    {
      name: "upper case",
      effective: "SCRIPT-SRC-ATTR",
      violated: undefined,
      directive: "script-src-attr",
      noise: null,
    },
  ])("$name → $directive ($noise)", ({ effective, violated, directive, noise }) => {
    const v = one({
      "document-uri": DOC,
      "effective-directive": effective,
      ...(violated === undefined ? {} : { "violated-directive": violated }),
      "blocked-uri": "https://cdn.example.net/x.js",
    });
    expect({ directive: v.directive, noise: v.noise }).toEqual({ directive, noise });
  });

  test("a report naming no directive at all is still refused", () => {
    const outcome = parseReportBody(
      "application/csp-report",
      JSON.stringify({ "csp-report": { "document-uri": DOC, "blocked-uri": "eval" } }),
    );
    expect(outcome).toEqual({
      ok: false,
      status: 400,
      error: "not_a_report",
      message: '"csp-report" names no directive (effective-directive or violated-directive)',
    });
  });
});

describe("ambiguous blanks under script-src", () => {
  test.each([
    { name: "no policy", blocked: "", policy: undefined, violated: "script-src", out: "inline-or-eval" },
    {
      name: "missing blocked-uri, no policy",
      blocked: undefined,
      policy: undefined,
      violated: "script-src",
      out: "inline-or-eval",
    },
    {
      name: "policy allows inline",
      blocked: "",
      policy: "script-src 'self' 'unsafe-inline'",
      violated: "script-src",
      out: "eval",
    },
    {
      name: "policy allows eval",
      blocked: "self",
      policy: "default-src 'self'; script-src 'self' 'unsafe-eval'",
      violated: "script-src",
      out: "inline",
    },
    {
      name: "policy allows both",
      blocked: "",
      policy: "script-src 'unsafe-inline' 'unsafe-eval'",
      violated: "script-src",
      out: "inline-or-eval",
    },
    {
      name: "policy allows neither",
      blocked: "",
      policy: "script-src 'self'",
      violated: "script-src",
      out: "inline-or-eval",
    },
    {
      name: "'unsafe-inline' voided by a nonce",
      blocked: "",
      policy: "script-src 'unsafe-inline' 'nonce-abc'",
      violated: "script-src",
      out: "inline-or-eval",
    },
    {
      name: "'unsafe-inline' voided by strict-dynamic, eval allowed",
      blocked: "",
      policy: "script-src 'unsafe-inline' 'strict-dynamic' 'unsafe-eval' 'nonce-x'",
      violated: "script-src",
      out: "inline",
    },
    {
      name: "default-src governs",
      blocked: "",
      policy: "default-src 'self' 'unsafe-inline'; img-src *",
      violated: "script-src",
      out: "eval",
    },
    {
      name: "first script-src wins",
      blocked: "",
      policy: "script-src 'unsafe-eval'; script-src 'unsafe-inline'",
      violated: "script-src",
      out: "inline",
    },
    {
      name: "Firefox list in violated-directive",
      blocked: "self",
      policy: undefined,
      violated: "script-src 'self' 'unsafe-inline'",
      out: "eval",
    },
    {
      name: "quoted 'self'",
      blocked: "'self'",
      policy: "script-src 'unsafe-eval'",
      violated: "script-src",
      out: "inline",
    },
  ])("$name → $out", ({ blocked, policy, violated, out }) => {
    const v = one({
      "document-uri": DOC,
      "violated-directive": violated,
      ...(blocked === undefined ? {} : { "blocked-uri": blocked }),
      ...(policy === undefined ? {} : { "original-policy": policy }),
    });
    expect({ directive: v.directive, blocked: v.blocked, blockedKey: v.blockedKey, noise: v.noise }).toEqual({
      directive: "script-src",
      blocked: out,
      blockedKey: out,
      noise: null,
    });
  });

  test("the Reporting API spelling originalPolicy is read too", () => {
    const outcome = parseReportBody(
      "application/reports+json",
      JSON.stringify([
        {
          type: "csp-violation",
          url: DOC,
          body: {
            effectiveDirective: "script-src",
            blockedURL: "",
            originalPolicy: "script-src 'unsafe-inline'",
          },
        },
      ]),
    );
    expect(outcome.ok && outcome.violations.map((v) => v.blocked)).toEqual(["eval"]);
  });

  test.each([
    { directive: "script-src-elem", blocked: "", out: "inline" },
    { directive: "script-src-attr", blocked: "self", out: "inline" },
    { directive: "style-src", blocked: "'self'", out: "inline" },
    { directive: "img-src", blocked: "'self'", out: "self" },
    { directive: "script-src", blocked: "'eval'", out: "eval" },
  ])("$directive / $blocked is not ambiguous → $out", ({ directive, blocked, out }) => {
    expect(one({ "effective-directive": directive, "blocked-uri": blocked }).blocked).toBe(out);
  });
});
