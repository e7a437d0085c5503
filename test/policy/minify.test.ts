// The minifier: duplicates, covered sources, 'none', folding into fallbacks, and the size budget.
import { describe, expect, test } from "vitest";
import { minifyPolicy } from "../../server/policy/minify.ts";

describe("minifyPolicy", () => {
  test.each([
    {
      name: "duplicates (case-insensitive hosts and keywords)",
      input: "img-src 'SELF' https://A.example 'self' https://a.example",
      out: "img-src 'self' https://a.example",
    },
    {
      name: "host under *.domain",
      input: "img-src *.example.com https://a.example.com",
      out: "img-src *.example.com",
    },
    {
      name: "apex is not under *.domain",
      input: "img-src https://*.example.com https://example.com",
      out: "img-src https://*.example.com https://example.com",
    },
    {
      name: "http: source covers https hosts",
      input: "img-src http: https://a.example",
      out: "img-src http:",
    },
    {
      name: "https: does not cover http hosts",
      input: "img-src https: http://a.example",
      out: "img-src https: http://a.example",
    },
    {
      name: "* covers http(s) hosts, not data:",
      input: "img-src * https://a.example data:",
      out: "img-src * data:",
    },
    {
      name: "* does not cover wss hosts",
      input: "connect-src * wss://rt.example",
      out: "connect-src * wss://rt.example",
    },
    {
      name: "path prefix covers deeper paths",
      input: "script-src https://a.example/js/ https://a.example/js/app.js",
      out: "script-src https://a.example/js/",
    },
    {
      name: "explicit default port is the same source",
      input: "img-src https://a.example https://a.example:443",
      out: "img-src https://a.example",
    },
    {
      name: "'none' next to other sources",
      input: "img-src 'none' https://a.example",
      out: "img-src https://a.example",
    },
    { name: "'none' alone stays", input: "object-src 'none'", out: "object-src 'none'" },
    {
      name: "hashes are never covered",
      input: "script-src 'unsafe-inline' 'sha256-abc='",
      out: "script-src 'unsafe-inline' 'sha256-abc='",
    },
    {
      name: "directive identical to default-src",
      input: "default-src 'self'; img-src 'self'; script-src 'self' https://a.example",
      out: "default-src 'self'; script-src 'self' https://a.example",
    },
    {
      name: "-elem identical to its parent, not to default-src",
      input: "default-src 'self'; script-src 'none'; script-src-elem 'self'",
      out: "default-src 'self'; script-src 'none'; script-src-elem 'self'",
    },
    {
      name: "folds to a fixed point",
      input: "default-src 'self'; script-src 'self'; script-src-elem 'self'",
      out: "default-src 'self'",
    },
    {
      name: "non-fetch directives never fold",
      input: "default-src 'self'; base-uri 'self'",
      out: "default-src 'self'; base-uri 'self'",
    },
  ])("$name", ({ input, out }) => {
    expect(minifyPolicy(input).policy).toBe(out);
  });

  test("reports what it removed and why", () => {
    expect(minifyPolicy("img-src *.example.com https://a.example.com https://a.example.com").removed).toEqual(
      [
        { directive: "img-src", source: "https://a.example.com", reason: "duplicate" },
        { directive: "img-src", source: "https://a.example.com", reason: "covered by *.example.com" },
      ],
    );
  });

  test("warns when over the budget", () => {
    const hosts = Array.from({ length: 30 }, (_, i) => `https://host${i}.example${i}.org`).join(" ");
    const r = minifyPolicy(`img-src ${hosts}`, { budget: 200 });
    expect(r.overBudget).toBe(true);
    expect(r.warnings).toEqual([
      `policy is ${r.length} characters, over the 200-character budget even after minifying; collapse subdomains into *.domain sources or move rarely used sources out`,
    ]);
    expect(minifyPolicy("img-src 'self'").overBudget).toBe(false);
  });
});
