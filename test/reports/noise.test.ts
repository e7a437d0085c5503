// Noise classification (extension, injector, browser-internal) and project ignore rules.
import { describe, expect, test } from "vitest";
import { buildPolicy } from "../../server/policy/build.ts";
import { groupsFromViolations } from "../../server/policy/groups.ts";
import { INJECTOR_HOSTS_BY_SOURCE, INJECTOR_HOSTS_READ } from "../../server/reports/injector-hosts.ts";
import {
  applyIgnoreRules,
  classifyNoise,
  ignoreRulesSchema,
  INJECTOR_SAMPLE_SIGNATURES,
  isInjectorHost,
} from "../../server/reports/noise.ts";
import { parseReportBody } from "../../server/reports/parse.ts";
import type { IgnoreRules, Violation } from "../../server/reports/types.ts";
import { CINCH_HOSTS, EXCLUDED } from "../../scripts/noise-update.ts";

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
      noise: "injector",
    },
    {
      name: "superfish subdomain",
      over: { blocked: "https://www.superfish.com/ws/sf_main.js" },
      noise: "injector",
    },
    { name: "look-alike host is not", over: { blocked: "https://notkaspersky-labs.com/x.js" }, noise: null },
    {
      name: "injector as source file",
      over: { blocked: "inline", sourceFile: "https://injections.adguard.com/x" },
      noise: "injector",
    },
    {
      name: "extension scheme wins over an injector host",
      over: { blocked: "chrome-extension", sourceFile: "https://injections.adguard.com/x" },
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

describe("injected-software samples: a signature anywhere in the sample", () => {
  test.each([
    { name: "at the start", sample: "var lastpass_it = 1", noise: "extension" },
    { name: "after a prefix", sample: "(function(){ var lastpass_it = 1", noise: "extension" },
    { name: "after Firefox's ellipsis", sample: "...installGlobalHook(window)", noise: "extension" },
    { name: "in the middle", sample: "x=1;window.devToolsOptions={};y", noise: "extension" },
    { name: "AdGuard", sample: "  AG_onLoad = function(){}", noise: "extension" },
    {
      name: "at the end of a 256-char sample",
      sample: `${"a".repeat(231)}var lastpass_it`,
      noise: "extension",
    },
    { name: "cut in two by the cap is not", sample: `${"a".repeat(250)}var lastpass_it`, noise: null },
    { name: "ordinary code", sample: "window.dataLayer=window.dataLayer||[]", noise: null },
    { name: "case matters: code", sample: "VAR LASTPASS_IT", noise: null },
    { name: "a prefix alone is not", sample: "var lastpass", noise: null },
  ])("$name → $noise", ({ sample, noise }) => {
    expect(classifyNoise(v({ blocked: "inline", sample }))).toBe(noise);
  });

  test.each(INJECTOR_SAMPLE_SIGNATURES.map((s) => ({ s })))("$s after other code is noise", ({ s }) => {
    expect(classifyNoise(v({ blocked: "inline", sample: `foo();${s}` }))).toBe("extension");
  });

  test("a hostile sample costs a bounded scan", () => {
    // Many "://" with scheme characters before each: every one is looked at once, walked back at most 32.
    const hostile = "a".repeat(200) + "://".repeat(10_000);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) classifyNoise(v({ blocked: "inline", sample: hostile }));
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe("injector and adware hosts", () => {
  test.each([
    { name: "a host on Nelmio's list", host: "cdncash.com", on: true },
    { name: "a subdomain of it", host: "static.cdncash.com", on: true },
    { name: "a deep subdomain", host: "a.b.c.cdncash.com", on: true },
    { name: "a host on Sentry's list", host: "pulseadnetwork.com", on: true },
    { name: "a listed subdomain", host: "savingsslider-a.akamaihd.net", on: true },
    { name: "its sibling on the shared CDN is not", host: "other-a.akamaihd.net", on: false },
    { name: "the shared CDN's apex is not", host: "akamaihd.net", on: false },
    { name: "a listed host's parent is not", host: "adsrun.net", on: false },
    { name: "a look-alike suffix is not", host: "notcdncash.com", on: false },
    { name: "a trailing dot", host: "cdncash.com.", on: true },
    { name: "Cinch's own: Kaspersky", host: "gc.kis.v2.scr.kaspersky-labs.com", on: true },
    { name: "legitimate, listed by a source but excluded", host: "www.googletagmanager.com", on: false },
    { name: "legitimate, excluded: Facebook SDK", host: "connect.facebook.net", on: false },
    { name: "legitimate, never listed", host: "cdn.jsdelivr.net", on: false },
    { name: "a top-level label alone", host: "com", on: false },
    { name: "inherited name", host: "constructor", on: false },
    { name: "empty", host: "", on: false },
    { name: "IPv6 literal", host: "[::1]", on: false },
  ])("$name: $host → $on", ({ host, on }) => {
    expect(isInjectorHost(host)).toBe(on);
  });

  test.each([
    { name: "blocked URL on the list", over: { blocked: "https://cdncash.com/x.js" } },
    { name: "blocked URL on a subdomain", over: { blocked: "https://js.cdncash.com/x.js" } },
    { name: "source file on the list", over: { blocked: "inline", sourceFile: "https://cdncash.com/i.js" } },
  ])("$name is noise 'injector'", ({ over }) => {
    expect(classifyNoise(v(over))).toBe("injector");
  });

  test("a legitimate host is not noise", () => {
    expect(classifyNoise(v({ blocked: "https://www.googletagmanager.com/gtm.js" }))).toBeNull();
  });

  test("the list: hundreds of lower-case host names, none of them excluded, every source present", () => {
    const all = Object.values(INJECTOR_HOSTS_BY_SOURCE).flat();
    expect(new Set(all).size).toBeGreaterThan(250);
    expect(INJECTOR_HOSTS_BY_SOURCE.nelmio.length).toBeGreaterThan(200);
    expect(INJECTOR_HOSTS_BY_SOURCE.sentry.length).toBeGreaterThan(25);
    expect([...INJECTOR_HOSTS_BY_SOURCE.cinch].sort()).toEqual(Object.keys(CINCH_HOSTS).sort());
    // Each source says which copy it was read from.
    expect(INJECTOR_HOSTS_READ.nelmio).toMatch(/^DomainsNoiseDetector\.php .*sha256 [0-9a-f]{12}/);
    expect(INJECTOR_HOSTS_READ.sentry).toMatch(/^security\.py.*sha256 [0-9a-f]{12}/);
    for (const h of all) {
      expect(h).toMatch(/^(?:[a-z0-9_-]+\.)+[a-z][a-z-]*[a-z]$/);
      expect(Object.hasOwn(EXCLUDED, h), h).toBe(false);
    }
  });

  test("two reports from an adware host do not make the builder allow it", () => {
    const report = (page: string) =>
      JSON.stringify({
        "csp-report": {
          "document-uri": page,
          "effective-directive": "script-src-elem",
          "violated-directive": "script-src-elem",
          "original-policy": "script-src 'self'; report-uri /r",
          "blocked-uri": "https://js.cdncash.com/inject.js?u=1",
          disposition: "report",
        },
      });
    const violations = ["https://app.example.com/", "https://app.example.com/b"].flatMap((page) => {
      const outcome = parseReportBody("application/csp-report", report(page));
      return outcome.ok ? outcome.violations : [];
    });
    expect(violations.map((x) => x.noise)).toEqual(["injector", "injector"]);
    const result = buildPolicy({ groups: groupsFromViolations(violations), minCount: 2 });
    expect(result.policy).not.toContain("cdncash");
    expect(result.suggestions.filter((s) => s.source.includes("cdncash"))).toEqual([]);

    // The same two reports from a host not on the list are allowed: the list, not the threshold, kept it out.
    const legit = violations.map((x) => ({
      ...x,
      blocked: "https://js.vendor.example/inject.js",
      blockedKey: "https://js.vendor.example",
      noise: null,
    }));
    expect(buildPolicy({ groups: groupsFromViolations(legit), minCount: 2 }).policy).toContain(
      "https://js.vendor.example",
    );
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
    expect(result.success ? "" : result.error.issues[0]?.message).toBe(
      'use a host like ads.example.net or *.example.net, not "a b"',
    );
  });

  test.each([
    { pasted: "https://Ads.Example.net/x.js?y=1", host: "ads.example.net" },
    { pasted: "http://ads.example.net:8080/", host: "ads.example.net:8080" },
    { pasted: "https://*.example.net/", host: "*.example.net" },
  ])("a pasted URL is its host: $pasted → $host (#16)", ({ pasted, host }) => {
    expect(ignoreRulesSchema.parse({ hosts: [pasted] }).hosts).toEqual([host]);
  });
});
