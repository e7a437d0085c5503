// The injector-host list's update command (scripts/noise-update.ts): reading the sources' lists and curating them.
import { describe, expect, test } from "vitest";
import {
  curate,
  entriesFromNelmioDomains,
  entriesFromNelmioRegex,
  entriesFromSentry,
  hostOfEntry,
  render,
} from "../../scripts/noise-update.ts";

describe("hostOfEntry", () => {
  test.each([
    { raw: "cdncash.com", host: "cdncash.com" },
    { raw: " CDNCash.COM ", host: "cdncash.com" },
    { raw: "*.superfish.com", host: "superfish.com" },
    { raw: "proxyfr09.corp.thales/", host: "proxyfr09.corp.thales" },
    { raw: "example.com:*", host: "example.com" },
    { raw: "chrome-extension://*", host: null },
    { raw: "about", host: null },
    { raw: "localhost", host: null },
    { raw: "www.127.0.0.1", host: null },
    { raw: "%3c", host: null },
    { raw: "data:text/html,chromewebdata", host: null },
  ])("$raw → $host", ({ raw, host }) => {
    expect(hostOfEntry(raw)).toBe(host);
  });
});

describe("reading the sources", () => {
  test("Nelmio's domain list: the keys of `'host' => true`", () => {
    const php = `static $domains = [\n  '%3c' => true,\n  'cdncash.com' => true,\n  'about' => true,\n];`;
    expect(entriesFromNelmioDomains(php)).toEqual(["%3c", "cdncash.com", "about"]);
  });

  test("Nelmio's regex list: literal hosts after a subdomain wildcard; other patterns are left out", () => {
    const php = [
      "'/^https?:\\/\\/.*\\.pinterest\\.com/',",
      "'/^https?:\\/\\/.+\\.tlscdn\\.com/',",
      "'/^https?:\\/\\/\\d+\\.media\\.tumblr\\.com/',",
      "'/^https?:\\/\\/browser\\.gwdang\\.com/',",
      "'/^https?:\\/\\/.*\\.dnsqa365\\./',",
      "'/^https?:\\/\\/(a|b)\\.example\\.com/',",
    ].join("\n");
    expect(entriesFromNelmioRegex(php)).toEqual([
      "pinterest.com",
      "tlscdn.com",
      "media.tumblr.com",
      "browser.gwdang.com",
    ]);
  });

  test("Sentry's DEFAULT_DISALLOWED_SOURCES tuple", () => {
    const py = `X = ("no",)\nDEFAULT_DISALLOWED_SOURCES = (\n    "about",  # Noise\n    '*.superfish.com',\n)\nY = ("no",)`;
    expect(entriesFromSentry(py)).toEqual(["about", "*.superfish.com"]);
    expect(entriesFromSentry("nothing here")).toEqual([]);
  });

  test("curate: hosts only, de-duplicated, sorted, excluded services dropped", () => {
    expect(
      curate([
        "b.example",
        "*.superfish.com",
        "www.superfish.com",
        "b.example",
        "localhost",
        "connect.facebook.net",
      ]),
    ).toEqual(["b.example", "superfish.com", "www.superfish.com"]);
  });

  test("render names every source and lists the hosts", () => {
    const text = render({
      nelmio: { read: "DomainsNoiseDetector.php", hosts: ["a.example"] },
      sentry: { read: "security.py", hosts: ["b.example"] },
    });
    expect(text).toContain("NelmioSecurityBundle");
    expect(text).toContain("MIT licence");
    expect(text).toContain("getsentry/sentry");
    expect(text).toContain('"a.example",');
    expect(text).toContain('"kaspersky-labs.com",');
  });
});
