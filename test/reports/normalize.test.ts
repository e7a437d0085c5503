// normalizeReport: directive, blocked, disposition, sample and browser rules; fingerprint stability.
import { describe, expect, test } from "vitest";
import { cleanSample, directiveOf, normalizeReport } from "../../server/reports/normalize.ts";
import { fingerprint } from "../../server/reports/fingerprint.ts";
import { browserLabel } from "../../server/reports/browser.ts";

describe("directiveOf", () => {
  test.each([
    { effective: "script-src-elem", violated: "script-src", out: "script-src-elem" },
    { effective: undefined, violated: "style-src http://cdn.example.com", out: "style-src" },
    { effective: "", violated: "IMG-SRC 'self'", out: "img-src" },
    { effective: "script-src 'report-sample' 'nonce-x'", violated: undefined, out: "script-src" },
    { effective: "  \tfont-src  ", violated: undefined, out: "font-src" },
    { effective: undefined, violated: undefined, out: "" },
    { effective: "   ", violated: "   ", out: "" },
  ])("($effective, $violated) → $out", ({ effective, violated, out }) => {
    expect(directiveOf(effective, violated)).toBe(out);
  });
});

describe("blocked", () => {
  test.each([
    { directive: "script-src-elem", blocked: "", out: "inline" },
    { directive: "style-src", blocked: "self", out: "inline" },
    { directive: "style-src-attr", blocked: "SELF", out: "inline" },
    { directive: "img-src", blocked: "", out: "" },
    { directive: "img-src", blocked: "self", out: "self" },
    { directive: "script-src", blocked: "EVAL", out: "eval" },
    { directive: "script-src", blocked: "wasm-eval", out: "wasm-eval" },
    { directive: "require-trusted-types-for", blocked: "trusted-types-sink", out: "trusted-types-sink" },
    { directive: "trusted-types", blocked: "trusted-types-policy", out: "trusted-types-policy" },
    { directive: "img-src", blocked: "data:image/png;base64,AAAA", out: "data" },
    { directive: "img-src", blocked: "null", out: "null" },
    {
      directive: "connect-src",
      blocked: "https://API.example.com/v1?key=s3cret",
      out: "https://api.example.com/v1",
    },
  ])("$directive / $blocked → $out", ({ directive, blocked, out }) => {
    const v = normalizeReport({ effectiveDirective: directive, blocked });
    expect(v?.blocked).toBe(out);
  });

  test("blockedKey is the origin for URLs, else the value", () => {
    const url = normalizeReport({ effectiveDirective: "img-src", blocked: "https://a.example:8443/x.png" });
    const kw = normalizeReport({ effectiveDirective: "script-src", blocked: "eval" });
    expect([url?.blockedKey, kw?.blockedKey]).toEqual(["https://a.example:8443", "eval"]);
  });
});

describe("other fields", () => {
  test.each([
    { disposition: "enforce", out: "enforce" },
    { disposition: "REPORT", out: "report" },
    { disposition: "monitor", out: null },
    { disposition: undefined, out: null },
  ])("disposition $disposition → $out", ({ disposition, out }) => {
    expect(normalizeReport({ effectiveDirective: "img-src", disposition })?.disposition).toBe(out);
  });

  test("source file is normalized like a URL; bare schemes are kept", () => {
    const a = normalizeReport({
      effectiveDirective: "img-src",
      sourceFile: "https://a.example/app.js?v=3#L1",
    });
    const b = normalizeReport({ effectiveDirective: "img-src", sourceFile: "chrome-extension" });
    expect([a?.sourceFile, b?.sourceFile]).toEqual(["https://a.example/app.js", "chrome-extension"]);
  });

  test.each([
    { sample: "var x = 1;", out: "var x = 1;" },
    { sample: "a\u0000\u0007b\r\n\tc\u009b", out: "ab\n\tc" },
    { sample: "s".repeat(300), out: "s".repeat(256) },
    { sample: "", out: "" },
  ])("cleanSample($sample)", ({ sample, out }) => {
    expect(cleanSample(sample)).toBe(out);
  });
});

describe("browserLabel", () => {
  test.each([
    {
      ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
      out: "Chrome 156",
    },
    {
      ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
      out: "Firefox 128",
    },
    {
      ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      out: "Safari 17",
    },
    {
      ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
      out: "Microsoft Edge 125",
    },
    { ua: "curl/8.5.0", out: "" },
    { ua: "", out: "" },
    { ua: undefined, out: "" },
  ])("$ua → $out", ({ ua, out }) => {
    expect(browserLabel(ua)).toBe(out);
  });
});

describe("fingerprint", () => {
  const base = { directive: "script-src-elem", blockedKey: "https://cdn.example.com", noise: null };
  test("stable 16-hex key", () => {
    expect(fingerprint(base)).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(base)).toBe(fingerprint({ ...base }));
  });
  test.each([
    { name: "directive", other: { ...base, directive: "script-src" } },
    { name: "blockedKey", other: { ...base, blockedKey: "https://cdn.example.net" } },
    { name: "noise", other: { ...base, noise: "extension" as const } },
  ])("differs by $name", ({ other }) => {
    expect(fingerprint(other)).not.toBe(fingerprint(base));
  });
  test("URLs on one origin share a group", () => {
    const a = normalizeReport({ effectiveDirective: "img-src", blocked: "https://a.example/1.png" });
    const b = normalizeReport({ effectiveDirective: "img-src", blocked: "https://a.example/2.png?x" });
    expect(a && fingerprint(a)).toBe(b && fingerprint(b));
  });
});
