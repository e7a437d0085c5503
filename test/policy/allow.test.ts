// "Would this policy allow this violation": URLs through fallbacks, schemes, inline, eval, wasm-eval.
import { describe, expect, test } from "vitest";
import { allowsViolation } from "../../server/policy/allow.ts";
import { hashSource } from "../../server/policy/hash.ts";

const DOC = "https://app.example.com/page";
const H = hashSource("a=1;");

describe("allowsViolation", () => {
  test.each([
    // URLs, through the fallback chain
    {
      policy: "default-src 'self'",
      directive: "script-src-elem",
      blocked: "https://app.example.com/a.js",
      allowed: true,
      by: "default-src",
    },
    {
      policy: "default-src 'self'; script-src https://cdn.example",
      directive: "script-src-elem",
      blocked: "https://app.example.com/a.js",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "default-src 'self'",
      directive: "img-src",
      blocked: "https://img.example/x.png",
      allowed: false,
      by: "default-src",
    },
    { policy: "img-src *", directive: "img-src", blocked: "data", allowed: false, by: "img-src" },
    { policy: "img-src * data:", directive: "img-src", blocked: "data", allowed: true, by: "img-src" },
    {
      policy: "script-src 'self'",
      directive: "img-src",
      blocked: "https://img.example/x.png",
      allowed: true,
      by: null,
    },
    {
      policy: "default-src 'none'; form-action 'self'",
      directive: "form-action",
      blocked: "https://other.example/post",
      allowed: false,
      by: "form-action",
    },
    {
      policy: "default-src *",
      directive: "frame-ancestors",
      blocked: "https://evil.example",
      allowed: true,
      by: null,
    },
    {
      policy: "default-src 'self'; child-src https://w.example",
      directive: "worker-src",
      blocked: "https://w.example/w.js",
      allowed: true,
      by: "child-src",
    },
    // inline (§6.7.3.2): unsafe-inline is void next to a nonce or hash, and for scripts with strict-dynamic
    {
      policy: "script-src 'unsafe-inline'",
      directive: "script-src-elem",
      blocked: "inline",
      allowed: true,
      by: "script-src",
    },
    {
      policy: "script-src 'unsafe-inline' 'nonce-abc'",
      directive: "script-src-attr",
      blocked: "inline",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "script-src 'unsafe-inline' 'strict-dynamic'",
      directive: "script-src-elem",
      blocked: "inline",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "style-src 'unsafe-inline' 'strict-dynamic'",
      directive: "style-src-elem",
      blocked: "inline",
      allowed: true,
      by: "style-src",
    },
    {
      policy: `script-src ${H}`,
      directive: "script-src-elem",
      blocked: "inline",
      sample: "a=1;",
      allowed: true,
      by: "script-src",
      condition: "sample-hash",
    },
    {
      policy: `script-src ${H}`,
      directive: "script-src-attr",
      blocked: "inline",
      sample: "a=1;",
      allowed: false,
      by: "script-src",
    },
    {
      policy: `script-src 'unsafe-hashes' ${H}`,
      directive: "script-src-attr",
      blocked: "inline",
      sample: "a=1;",
      allowed: true,
      by: "script-src",
      condition: "sample-hash",
    },
    {
      policy: "script-src 'nonce-abc'",
      directive: "script-src-elem",
      blocked: "inline",
      allowed: true,
      by: "script-src",
      condition: "nonce",
    },
    {
      policy: "script-src 'nonce-abc'",
      directive: "script-src-attr",
      blocked: "inline",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "default-src 'self'",
      directive: "style-src-attr",
      blocked: "inline",
      allowed: false,
      by: "default-src",
    },
    // eval and wasm-eval are checked against script-src (§6.1.11.4)
    {
      policy: "default-src 'self'",
      directive: "script-src",
      blocked: "eval",
      allowed: false,
      by: "default-src",
    },
    {
      policy: "default-src 'self' 'unsafe-eval'; script-src 'self'",
      directive: "script-src",
      blocked: "eval",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "script-src 'unsafe-eval'",
      directive: "script-src",
      blocked: "eval",
      allowed: true,
      by: "script-src",
    },
    {
      policy: "script-src 'wasm-unsafe-eval'",
      directive: "script-src",
      blocked: "wasm-eval",
      allowed: true,
      by: "script-src",
    },
    {
      policy: "script-src 'wasm-unsafe-eval'",
      directive: "script-src",
      blocked: "eval",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "script-src 'unsafe-eval'",
      directive: "script-src",
      blocked: "wasm-eval",
      allowed: true,
      by: "script-src",
    },
    // strict-dynamic ignores host sources for scripts (§8.2)
    {
      policy: "script-src 'strict-dynamic' https://cdn.example",
      directive: "script-src-elem",
      blocked: "https://cdn.example/a.js",
      allowed: false,
      by: "script-src",
    },
    {
      policy: "script-src 'nonce-abc' 'strict-dynamic'",
      directive: "script-src-elem",
      blocked: "https://cdn.example/a.js",
      allowed: true,
      by: "script-src",
      condition: "strict-dynamic",
    },
    // Trusted Types
    {
      policy: "require-trusted-types-for 'script'",
      directive: "require-trusted-types-for",
      blocked: "trusted-types-sink",
      allowed: false,
      by: "require-trusted-types-for",
    },
    {
      policy: "default-src 'self'",
      directive: "require-trusted-types-for",
      blocked: "trusted-types-sink",
      allowed: true,
      by: null,
    },
  ])(
    "$policy | $directive $blocked → $allowed",
    ({ policy, directive, blocked, sample, allowed, by, condition }) => {
      const r = allowsViolation(policy, { directive, blocked, documentUrl: DOC, sample });
      expect(r.allowed).toBe(allowed);
      expect(r.directive).toBe(by);
      expect(r.condition).toBe(condition);
    },
  );

  test("several policies: every one must allow (CSP3 §2.2.2)", () => {
    const v = { directive: "img-src", blocked: "https://img.example/x.png", documentUrl: DOC };
    expect(allowsViolation("img-src *", v).allowed).toBe(true);
    expect(allowsViolation("img-src *, img-src 'self'", v).allowed).toBe(false);
  });
});
