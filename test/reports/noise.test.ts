// Noise classification (extension, browser-internal) and project ignore rules.
import { describe, expect, test } from "vitest";
import { applyIgnoreRules, classifyNoise, ignoreRulesSchema } from "../../server/reports/noise.ts";
import type { IgnoreRules, Violation } from "../../server/reports/types.ts";

const v = (over: Partial<Violation>): Violation => ({
  directive: "script-src-elem",
  blocked: "https://cdn.example.com/a.js",
  blockedKey: "https://cdn.example.com",
  documentUrl: "https://app.example.com/",
  disposition: "enforce",
  sourceFile: "",
  line: null,
  column: null,
  sample: "",
  statusCode: null,
  browser: "",
  noise: null,
  ...over,
});

describe("classifyNoise", () => {
  test.each([
    { name: "actionable", over: {}, noise: null },
    { name: "bare chrome-extension blocked", over: { blocked: "chrome-extension" }, noise: "extension" },
    { name: "bare moz-extension blocked", over: { blocked: "moz-extension" }, noise: "extension" },
    {
      name: "ms-browser-extension (Kaspersky)",
      over: { blocked: "ms-browser-extension" },
      noise: "extension",
    },
    { name: "webkit-masked-url", over: { blocked: "webkit-masked-url" }, noise: "extension" },
    { name: "ms-appx-web", over: { blocked: "ms-appx-web" }, noise: "extension" },
    {
      name: "extension source file",
      over: { blocked: "inline", sourceFile: "safari-web-extension" },
      noise: "extension",
    },
    {
      name: "extension URL in sample",
      over: { blocked: "inline", sample: "url(moz-extension://9c..." },
      noise: "extension",
    },
    {
      name: "upper-case scheme in sample",
      over: { blocked: "inline", sample: "x CHROME-EXTENSION://abc" },
      noise: "extension",
    },
    {
      name: "bare word in sample is not enough",
      over: { blocked: "inline", sample: "const res = none;" },
      noise: null,
    },
    {
      name: "https:// in sample is fine",
      over: { blocked: "inline", sample: "fetch('https://a.example')" },
      noise: null,
    },
    {
      name: "lastpass sample",
      over: { blocked: "inline", sample: "var lastpass_it = 1" },
      noise: "extension",
    },
    {
      name: "devtools hook sample",
      over: { blocked: "inline", sample: "installGlobalHook(window)" },
      noise: "extension",
    },
    {
      name: "kaspersky host",
      over: { blocked: "https://gc.kis.v2.scr.kaspersky-labs.com/x.js" },
      noise: "extension",
    },
    {
      name: "superfish subdomain",
      over: { blocked: "https://www.superfish.com/ws/sf_main.js" },
      noise: "extension",
    },
    { name: "look-alike host is not", over: { blocked: "https://notkaspersky-labs.com/x.js" }, noise: null },
    {
      name: "injector as source file",
      over: { blocked: "inline", sourceFile: "https://injections.adguard.com/x" },
      noise: "extension",
    },
    { name: "about blocked", over: { blocked: "about" }, noise: "browser-internal" },
    { name: "about:blank document", over: { documentUrl: "about" }, noise: "browser-internal" },
    { name: "chrome-error document", over: { documentUrl: "chrome-error" }, noise: "browser-internal" },
    {
      name: "view-source source file",
      over: { blocked: "inline", sourceFile: "view-source" },
      noise: "browser-internal",
    },
    { name: "android-webview", over: { blocked: "android-webview" }, noise: "browser-internal" },
    {
      name: "extension beats browser-internal",
      over: { blocked: "chrome-extension", documentUrl: "about" },
      noise: "extension",
    },
    { name: "data is not noise", over: { blocked: "data" }, noise: null },
    { name: "localhost is not noise", over: { blocked: "http://localhost:8000/x.css" }, noise: null },
  ])("$name → $noise", ({ over, noise }) => {
    expect(classifyNoise(v(over))).toBe(noise);
  });
});

describe("applyIgnoreRules", () => {
  const rules = (r: Partial<IgnoreRules>): IgnoreRules => ({
    hosts: [],
    schemes: [],
    sampleContains: [],
    ...r,
  });
  test.each([
    { name: "no rules", r: {}, over: {}, ignored: false },
    { name: "exact host", r: { hosts: ["cdn.example.com"] }, over: {}, ignored: true },
    { name: "exact host, case-insensitive rule", r: { hosts: ["CDN.Example.COM"] }, over: {}, ignored: true },
    {
      name: "exact host does not match a subdomain",
      r: { hosts: ["example.com"] },
      over: {},
      ignored: false,
    },
    { name: "wildcard matches a subdomain", r: { hosts: ["*.example.com"] }, over: {}, ignored: true },
    { name: "wildcard matches deeper subdomains", r: { hosts: ["*.com"] }, over: {}, ignored: true },
    {
      name: "wildcard does not match the apex (CSP semantics)",
      r: { hosts: ["*.example.com"] },
      over: { blocked: "https://example.com/x" },
      ignored: false,
    },
    {
      name: "wildcard is anchored at a label",
      r: { hosts: ["*.example.com"] },
      over: { blocked: "https://badexample.com/x" },
      ignored: false,
    },
    { name: "port must match when given", r: { hosts: ["cdn.example.com:8443"] }, over: {}, ignored: false },
    { name: "default port matches", r: { hosts: ["cdn.example.com:443"] }, over: {}, ignored: true },
    {
      name: "explicit port matches",
      r: { hosts: ["*.example.com:8443"] },
      over: { blocked: "https://a.example.com:8443/x" },
      ignored: true,
    },
    {
      name: "host rule on source file",
      r: { hosts: ["*.gtm.example"] },
      over: { blocked: "inline", sourceFile: "https://x.gtm.example/gtm.js" },
      ignored: true,
    },
    {
      name: "host rule never matches keywords",
      r: { hosts: ["inline"] },
      over: { blocked: "inline" },
      ignored: false,
    },
    { name: "scheme", r: { schemes: ["blob"] }, over: { blocked: "blob" }, ignored: true },
    {
      name: "scheme with colon, upper-case",
      r: { schemes: ["BLOB:"] },
      over: { blocked: "blob" },
      ignored: true,
    },
    { name: "scheme of a URL", r: { schemes: ["https"] }, over: {}, ignored: true },
    { name: "other scheme", r: { schemes: ["data"] }, over: {}, ignored: false },
    {
      name: "sample substring, case-insensitive",
      r: { sampleContains: ["GoogleTag"] },
      over: { sample: "window.googletag=1" },
      ignored: true,
    },
    {
      name: "sample substring absent",
      r: { sampleContains: ["foo"] },
      over: { sample: "bar" },
      ignored: false,
    },
  ])("$name", ({ r, over, ignored }) => {
    expect(applyIgnoreRules(v(over), rules(r)).noise).toBe(ignored ? "ignore-rule" : null);
  });

  test("built-in noise is kept, and the input is not mutated", () => {
    const ext = v({ blocked: "chrome-extension", noise: "extension" });
    expect(applyIgnoreRules(ext, rules({ schemes: ["chrome-extension"] })).noise).toBe("extension");
    const plain = v({});
    applyIgnoreRules(plain, rules({ hosts: ["cdn.example.com"] }));
    expect(plain.noise).toBeNull();
  });
});

describe("ignoreRulesSchema", () => {
  test("defaults to empty lists", () => {
    expect(ignoreRulesSchema.parse({})).toEqual({ hosts: [], schemes: [], sampleContains: [] });
  });

  test("normalizes hosts and schemes", () => {
    expect(
      ignoreRulesSchema.parse({
        hosts: [" *.Example.COM:8080 ", "bücher.example"],
        schemes: ["MS-APPX://", "blob:"],
      }),
    ).toEqual({
      hosts: ["*.example.com:8080", "xn--bcher-kva.example"],
      schemes: ["ms-appx", "blob"],
      sampleContains: [],
    });
  });

  test.each([
    { name: "bare wildcard", input: { hosts: ["*"] } },
    { name: "host with path", input: { hosts: ["example.com/x"] } },
    { name: "host with scheme", input: { hosts: ["https://example.com"] } },
    { name: "inner wildcard", input: { hosts: ["a.*.example.com"] } },
    { name: "too many hosts", input: { hosts: Array.from({ length: 201 }, (_, i) => `h${i}.example`) } },
    { name: "over-long sample pattern", input: { sampleContains: ["x".repeat(257)] } },
    { name: "empty sample pattern", input: { sampleContains: [""] } },
    { name: "invalid scheme", input: { schemes: ["1abc"] } },
    { name: "wrong type", input: { hosts: "example.com" } },
  ])("rejects $name", ({ input }) => {
    expect(ignoreRulesSchema.safeParse(input).success).toBe(false);
  });

  test("names the bad host pattern", () => {
    const result = ignoreRulesSchema.safeParse({ hosts: ["a b"] });
    expect(result.success ? "" : result.error.issues[0]?.message).toBe('invalid host pattern "a b"');
  });
});
