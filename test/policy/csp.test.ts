// Parsing and serializing policies (CSP3 §2.2): case, duplicates, separators, unknown and obsolete names.
import { describe, expect, test } from "vitest";
import {
  effectiveDirective,
  parsePolicy,
  parsePolicyList,
  serializePolicy,
} from "../../server/policy/csp.ts";
import { fallbackChain } from "../../server/policy/directives.ts";

describe("parsePolicy", () => {
  test.each([
    { name: "lower-cases names", input: "Script-SRC 'self'", out: "script-src 'self'", issues: [] },
    {
      name: "first duplicate wins",
      input: "script-src a.com; SCRIPT-SRC b.com",
      out: "script-src a.com",
      issues: ["duplicate"],
    },
    {
      name: "empty tokens and whitespace",
      input: " ;; img-src\t a.com  b.com ;",
      out: "img-src a.com b.com",
      issues: [],
    },
    {
      name: "value-less directive",
      input: "upgrade-insecure-requests",
      out: "upgrade-insecure-requests",
      issues: [],
    },
    {
      name: "unknown kept, flagged",
      input: "foo-src x; img-src y",
      out: "foo-src x; img-src y",
      issues: ["unknown"],
    },
    {
      name: "deprecated kept, flagged",
      input: "block-all-mixed-content; plugin-types a/b",
      out: "block-all-mixed-content; plugin-types a/b",
      issues: ["deprecated", "deprecated"],
    },
    {
      name: "invalid name dropped",
      input: "scr!pt-src a; img-src b",
      out: "img-src b",
      issues: ["invalid-name"],
    },
    {
      name: "comma: first policy only",
      input: "img-src a, script-src b",
      out: "img-src a",
      issues: ["multiple-policies"],
    },
    {
      name: "values keep their case",
      input: "script-src 'nonce-AbC' https://A.example.com/Path",
      out: "script-src 'nonce-AbC' https://A.example.com/Path",
      issues: [],
    },
  ])("$name", ({ input, out, issues }) => {
    const p = parsePolicy(input);
    expect(serializePolicy(p)).toBe(out);
    expect(p.issues.map((i) => i.kind)).toEqual(issues);
  });

  test("duplicate message names the directive", () => {
    expect(parsePolicy("img-src a; img-src b").issues[0]?.message).toBe(
      "duplicate img-src ignored (the first one wins)",
    );
  });

  test("parsePolicyList splits on commas; every policy is kept", () => {
    expect(parsePolicyList("img-src a; script-src 'self', img-src b").map(serializePolicy)).toEqual([
      "img-src a; script-src 'self'",
      "img-src b",
    ]);
  });
});

describe("fallback chains (CSP3 §6.8.4)", () => {
  test.each([
    { directive: "script-src-elem", chain: ["script-src-elem", "script-src", "default-src"] },
    { directive: "script-src-attr", chain: ["script-src-attr", "script-src", "default-src"] },
    { directive: "style-src-elem", chain: ["style-src-elem", "style-src", "default-src"] },
    { directive: "worker-src", chain: ["worker-src", "child-src", "script-src", "default-src"] },
    { directive: "frame-src", chain: ["frame-src", "child-src", "default-src"] },
    { directive: "img-src", chain: ["img-src", "default-src"] },
    { directive: "connect-src", chain: ["connect-src", "default-src"] },
    { directive: "base-uri", chain: ["base-uri"] },
    { directive: "form-action", chain: ["form-action"] },
    { directive: "frame-ancestors", chain: ["frame-ancestors"] },
  ])("$directive", ({ directive, chain }) => {
    expect(fallbackChain(directive)).toEqual(chain);
  });

  test.each([
    { policy: "default-src a; script-src b", directive: "script-src-elem", governs: "script-src" },
    { policy: "default-src a; script-src b", directive: "worker-src", governs: "script-src" },
    { policy: "default-src a; child-src c; script-src b", directive: "worker-src", governs: "child-src" },
    { policy: "default-src a", directive: "frame-src", governs: "default-src" },
    { policy: "default-src a", directive: "form-action", governs: null },
  ])("$directive under `$policy` is governed by $governs", ({ policy, directive, governs }) => {
    expect(effectiveDirective(parsePolicy(policy), directive)?.name ?? null).toBe(governs);
  });
});
