// Source matching (CSP3 §6.7.2.5-12), from the spec's examples and their edge cases.
import { describe, expect, test } from "vitest";
import { pathPartMatches, urlMatchesSource, urlMatchesSourceList } from "../../server/policy/match.ts";

const PAGE = "https://example.com/page";

describe("urlMatchesSource", () => {
  test.each([
    // `*`: http(s) or the page's own scheme, never data:/blob: (§6.7.2.6 step 1)
    { source: "*", url: "https://any.example.org/x", self: PAGE, match: true },
    { source: "*", url: "http://any.example.org/x", self: PAGE, match: true },
    { source: "*", url: "data:text/plain,hi", self: PAGE, match: false },
    { source: "*", url: "blob:https://example.com/uuid", self: PAGE, match: false },
    { source: "*", url: "wss://rt.example.org/", self: PAGE, match: false },
    // scheme sources and upgrades (§6.7.2.8)
    { source: "https:", url: "https://a.example/", self: PAGE, match: true },
    { source: "https:", url: "http://a.example/", self: PAGE, match: false },
    { source: "http:", url: "https://a.example/", self: PAGE, match: true },
    { source: "ws:", url: "wss://a.example/", self: PAGE, match: true },
    { source: "ws:", url: "https://a.example/", self: PAGE, match: true },
    { source: "wss:", url: "ws://a.example/", self: PAGE, match: false },
    { source: "data:", url: "data:image/png;base64,AA", self: PAGE, match: true },
    { source: "DATA:", url: "data:image/png;base64,AA", self: PAGE, match: true },
    // hosts: exact, case-insensitive, wildcard subdomains but not the apex (§6.7.2.9)
    { source: "https://cdn.example.com", url: "https://CDN.example.com/a.js", self: PAGE, match: true },
    { source: "http://cdn.example.com", url: "https://cdn.example.com/a.js", self: PAGE, match: true },
    { source: "https://cdn.example.com", url: "http://cdn.example.com/a.js", self: PAGE, match: false },
    { source: "*.example.com", url: "https://a.b.example.com/", self: PAGE, match: true },
    { source: "*.example.com", url: "https://example.com/", self: PAGE, match: false },
    { source: "*.example.com", url: "https://badexample.com/", self: PAGE, match: false },
    { source: "https://*", url: "https://x.example/", self: PAGE, match: true },
    // scheme-less hosts take the page's scheme, with upgrade (§6.7.2.6 step 3.2)
    { source: "cdn.example.com", url: "https://cdn.example.com/", self: PAGE, match: true },
    { source: "cdn.example.com", url: "http://cdn.example.com/", self: PAGE, match: false },
    { source: "cdn.example.com", url: "https://cdn.example.com/", self: "http://example.com/", match: true },
    { source: "cdn.example.com", url: "http://cdn.example.com/", self: "http://example.com/", match: true },
    // ports (§6.7.2.10): none = default, explicit, `*`, and 80 → 443 on upgrade
    { source: "https://a.example", url: "https://a.example:443/", self: PAGE, match: true },
    { source: "https://a.example", url: "https://a.example:8443/", self: PAGE, match: false },
    { source: "https://a.example:8443", url: "https://a.example:8443/", self: PAGE, match: true },
    { source: "https://a.example:*", url: "https://a.example:9999/", self: PAGE, match: true },
    { source: "http://a.example:80", url: "https://a.example/", self: PAGE, match: true },
    { source: "http://a.example:8080", url: "https://a.example/", self: PAGE, match: false },
    // paths (§6.7.2.11): ending "/" is a prefix, otherwise exact; percent-decoding
    {
      source: "https://example.com/scripts/",
      url: "https://example.com/scripts/app.js",
      self: PAGE,
      match: true,
    },
    { source: "https://example.com/scripts/", url: "https://example.com/scripts", self: PAGE, match: false },
    {
      source: "https://example.com/scripts/app.js",
      url: "https://example.com/scripts/app.js",
      self: PAGE,
      match: true,
    },
    {
      source: "https://example.com/scripts/app.js",
      url: "https://example.com/scripts/app.js/x",
      self: PAGE,
      match: false,
    },
    { source: "https://example.com/a%20b/", url: "https://example.com/a%20b/c.js", self: PAGE, match: true },
    { source: "https://example.com/", url: "https://example.com/anything/at/all", self: PAGE, match: true },
    // 'self' (§6.7.2.6 step 4): same origin, or the https/wss upgrade on the same host
    { source: "'self'", url: "https://example.com/x.js", self: PAGE, match: true },
    { source: "'SELF'", url: "https://example.com/x.js", self: PAGE, match: true },
    { source: "'self'", url: "wss://example.com/socket", self: PAGE, match: true },
    { source: "'self'", url: "https://example.com/x", self: "http://example.com/", match: true },
    { source: "'self'", url: "http://example.com/x", self: PAGE, match: false },
    { source: "'self'", url: "https://sub.example.com/x", self: PAGE, match: false },
    { source: "'self'", url: "https://example.com:8443/x", self: PAGE, match: false },
    // keywords, nonces and hashes never match URLs
    { source: "'none'", url: "https://example.com/", self: PAGE, match: false },
    { source: "'nonce-abc'", url: "https://example.com/", self: PAGE, match: false },
    { source: "'sha256-abc='", url: "https://example.com/", self: PAGE, match: false },
  ])("$source vs $url (page $self) → $match", ({ source, url, self, match }) => {
    expect(urlMatchesSource(url, source, self)).toBe(match);
  });
});

describe("urlMatchesSourceList (§6.7.2.5)", () => {
  test.each([
    { list: [], url: "https://a.example/", match: false },
    { list: ["'none'"], url: "https://a.example/", match: false },
    { list: ["'none'", "https://a.example"], url: "https://a.example/", match: true },
    { list: ["'self'", "https://b.example"], url: "https://b.example/x", match: true },
  ])("$list vs $url → $match", ({ list, url, match }) => {
    expect(urlMatchesSourceList(url, list, PAGE)).toBe(match);
  });
});

describe("pathPartMatches", () => {
  test.each([
    { a: "", b: "/x", match: true },
    { a: "/", b: "", match: true },
    { a: "/a/", b: "/a/b/c", match: true },
    { a: "/a/b", b: "/a/b", match: true },
    { a: "/a/b", b: "/a/b/", match: false },
    { a: "/a/b/c/", b: "/a/b", match: false },
  ])("$a vs $b → $match", ({ a, b, match }) => {
    expect(pathPartMatches(a, b)).toBe(match);
  });
});
