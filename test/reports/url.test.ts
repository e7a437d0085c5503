// normalizeUrl / canonicalUrl / schemeOf: the canonical forms of URL-like report values.
import { describe, expect, test } from "vitest";
import { canonicalUrl, hostOf, normalizeUrl, portOf, schemeOf } from "../../server/reports/url.ts";

describe("normalizeUrl", () => {
  test.each([
    // network URLs: secrets out, case folded, default port dropped
    { input: "https://user:pw@CDN.Example.com:443/a.js?token=secret#x", out: "https://cdn.example.com/a.js" },
    { input: "HTTP://Example.COM:80/Path/Case", out: "http://example.com/Path/Case" },
    { input: "http://localhost:8000/lol.css", out: "http://localhost:8000/lol.css" },
    { input: "https://example.com:8443/", out: "https://example.com:8443/" },
    { input: "wss://chat.example.com:443/socket?id=1", out: "wss://chat.example.com/socket" },
    { input: "ws://chat.example.com:80", out: "ws://chat.example.com" },
    { input: "https://bücher.example/ä", out: "https://xn--bcher-kva.example/%C3%A4" },
    { input: "https://[::1]:8080/x", out: "https://[::1]:8080/x" },
    { input: "  https://example.com/  ", out: "https://example.com/" },
    { input: "https://example.com#frag", out: "https://example.com" },
    // Chromium reports frame-src as a bare origin: no "/" invented
    { input: "https://static.examplecdn.net", out: "https://static.examplecdn.net" },
    { input: "https://example.com?q=1", out: "https://example.com" },
    // non-network URLs become their bare scheme
    { input: "data:image/gif;base64,R0lGOD", out: "data" },
    { input: "blob:https://example.com/1234-5678", out: "blob" },
    { input: "chrome-extension://abcdef/content.js", out: "chrome-extension" },
    { input: "about:blank", out: "about" },
    { input: "chrome-error://chromewebdata/", out: "chrome-error" },
    { input: "view-source:https://example.com/", out: "view-source" },
    { input: "moz-extension", out: "moz-extension" },
    { input: "DATA", out: "data" },
    // unparsable network URLs keep only the scheme; junk becomes ""
    { input: "https://", out: "https" },
    { input: "http://exa mple.com/", out: "http" },
    { input: "", out: "" },
    { input: "/relative/path", out: "" },
    { input: "<script>", out: "" },
    { input: "1http://x", out: "" },
  ])("$input → $out", ({ input, out }) => {
    expect(normalizeUrl(input)).toBe(out);
  });

  test("over-long URLs are cut to 2048 chars", () => {
    expect(normalizeUrl(`https://a.example/${"x".repeat(10_000)}`)).toHaveLength(2048);
  });
});

describe("canonicalUrl keys", () => {
  test.each([
    { input: "https://cdn.example.com:8443/a/b.js?x", key: "https://cdn.example.com:8443" },
    { input: "https://cdn.example.com/a/b.js", key: "https://cdn.example.com" },
    { input: "data:text/plain,hi", key: "data" },
    { input: "", key: "" },
  ])("$input → $key", ({ input, key }) => {
    expect(canonicalUrl(input).key).toBe(key);
  });
});

describe("schemeOf / hostOf / portOf", () => {
  test.each([
    { input: "HTTPS://x", scheme: "https" },
    { input: "ms-appx-web:///x", scheme: "ms-appx-web" },
    { input: "inline", scheme: "inline" },
    { input: "-bad:x", scheme: "" },
    { input: ":x", scheme: "" },
    { input: `${"a".repeat(40)}:x`, scheme: "" },
  ])("schemeOf($input) = $scheme", ({ input, scheme }) => {
    expect(schemeOf(input)).toBe(scheme);
  });

  test.each([
    { url: "https://cdn.example.com/a.js", host: "cdn.example.com", port: "443" },
    { url: "http://localhost:8000/x", host: "localhost", port: "8000" },
    { url: "ws://a.example", host: "a.example", port: "80" },
    { url: "https://[::1]:8080/", host: "[::1]", port: "8080" },
    { url: "inline", host: "", port: "" },
    { url: "data", host: "", port: "" },
  ])("$url → host $host, port $port", ({ url, host, port }) => {
    expect([hostOf(url), portOf(url)]).toEqual([host, port]);
  });
});
