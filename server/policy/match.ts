// URL ↔ source matching (CSP3 §6.7.2.5-§6.7.2.12): schemes with upgrades, hosts, ports, paths, 'self'.
import { parseSource } from "./source.ts";
import type { HostSource, Source } from "./source.ts";

// URL Standard "default port".
// A Map: the scheme comes from report data, and a plain object answers "constructor" with a function.
const DEFAULT_PORTS = new Map<string, number>([
  ["http", 80],
  ["https", 443],
  ["ws", 80],
  ["wss", 443],
  ["ftp", 21],
]);

/** The URL's scheme without ":" (URL.protocol keeps the colon). */
function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1);
}

function portOf(url: URL): number | null {
  return url.port === "" ? null : Number(url.port);
}

function effectivePort(url: URL): number | undefined {
  return portOf(url) ?? DEFAULT_PORTS.get(schemeOf(url));
}

/**
 * CSP3 §6.7.2.8 "scheme-part match": an insecure scheme in a source also matches its secure upgrade
 * (http→https, ws→wss), and ws/wss also match http(s).
 */
export function schemePartMatches(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === "http") return b === "https";
  if (a === "ws") return b === "wss" || b === "http" || b === "https";
  if (a === "wss") return b === "https";
  return false;
}

/** CSP3 §6.7.2.9 "host-part match": `*.x` matches strict subdomains of x, never x itself. */
export function hostPartMatches(a: string, b: string): boolean {
  const host = b.toLowerCase().replace(/\.$/, "");
  if (a === "*") return true;
  if (a.startsWith("*.")) return host.endsWith(a.slice(1));
  // §6.7.2.9 step 3 refuses IP literals other than 127.0.0.1; Chromium and Firefox match them exactly
  // (csp-evaluator's IP_SOURCE finding exists because they work), and the preview must follow browsers.
  return a.replace(/\.$/, "") === host;
}

/**
 * CSP3 §6.7.2.10 "port-part match". No port means the URL scheme's default port; 80 in an `http`
 * source also matches https's 443 after an upgrade (§1.3 item 3, as Chromium implements it).
 */
export function portPartMatches(port: string | null, url: URL): boolean {
  if (port === "*") return true;
  const scheme = schemeOf(url);
  const urlPort = effectivePort(url);
  if (port === null) return urlPort === DEFAULT_PORTS.get(scheme);
  const n = Number(port);
  if (n === urlPort) return true;
  return n === 80 && portOf(url) === null && (scheme === "https" || scheme === "wss");
}

function decode(piece: string): string {
  try {
    return decodeURIComponent(piece);
  } catch {
    return piece;
  }
}

/** CSP3 §6.7.2.11 "path-part match": a path ending in "/" is a prefix, any other is exact. */
export function pathPartMatches(pathA: string, pathB: string): boolean {
  if (pathA === "") return true;
  if (pathA === "/" && pathB === "") return true;
  const exact = !pathA.endsWith("/");
  const listA = pathA.split("/");
  const listB = pathB.split("/");
  if (listA.length > listB.length) return false;
  if (exact && listA.length !== listB.length) return false;
  if (!exact) listA.pop();
  return listA.every((piece, i) => decode(piece) === decode(listB[i] ?? ""));
}

function hostSourceMatches(s: HostSource, url: URL, self: URL | null): boolean {
  const scheme = schemeOf(url);
  if (url.hostname === "") return false;
  if (s.scheme !== null && !schemePartMatches(s.scheme, scheme)) return false;
  // §6.7.2.6 step 3.2: a scheme-less source takes the protected resource's scheme (with upgrades).
  if (s.scheme === null) {
    const base = self ? schemeOf(self) : "https";
    if (!schemePartMatches(base, scheme)) return false;
  }
  if (!hostPartMatches(s.host, url.hostname.replace(/^\[|\]$/g, ""))) return false;
  if (!portPartMatches(s.port, url)) return false;
  return pathPartMatches(s.path, url.pathname);
}

/** CSP3 §6.7.2.6 step 4: 'self' is the same origin, or the same host upgraded to https/wss. */
export function selfMatches(url: URL, self: URL | null): boolean {
  if (!self) return false;
  const origin = url.origin; // URL getters build a new string on each access
  if (origin !== "null" && origin === self.origin) return true;
  if (url.hostname !== self.hostname) return false;
  const samePort =
    portOf(url) === portOf(self) ||
    (effectivePort(url) === DEFAULT_PORTS.get(schemeOf(url)) &&
      effectivePort(self) === DEFAULT_PORTS.get(schemeOf(self)));
  if (!samePort) return false;
  const scheme = schemeOf(url);
  return (
    scheme === "https" ||
    scheme === "wss" ||
    (schemeOf(self) === "http" && (scheme === "http" || scheme === "ws"))
  );
}

/**
 * CSP3 §6.7.2.6 "does url match expression in origin": one parsed source against a URL, `self` being
 * the protected resource's origin. Keywords other than 'self', nonces and hashes never match a URL.
 */
export function urlMatchesParsedSource(url: URL, source: Source, self: URL | null): boolean {
  switch (source.kind) {
    case "wildcard": {
      // `*` matches HTTP(S) URLs and URLs of the page's own scheme only, never data:/blob: (§6.7.2.6 step 1).
      const scheme = schemeOf(url);
      return scheme === "http" || scheme === "https" || (self !== null && scheme === schemeOf(self));
    }
    case "scheme":
      return schemePartMatches(source.scheme, schemeOf(url));
    case "host":
      return hostSourceMatches(source, url, self);
    case "keyword":
      return source.keyword === "'self'" && selfMatches(url, self);
    case "nonce":
    case "hash":
    case "invalid":
      return false;
  }
}

/** Does `url` match the source expression `source` for a page at `self`? (CSP3 §6.7.2.6) */
export function urlMatchesSource(url: URL | string, source: string, self: URL | string | null): boolean {
  return urlMatchesParsedSource(toUrl(url), parseSource(source), self === null ? null : toUrl(self));
}

/**
 * Does `url` match the source list (CSP3 §6.7.2.5)? An empty list, or the list « 'none' », matches
 * nothing; 'none' has no effect next to other sources.
 */
export function urlMatchesSourceList(
  url: URL | string,
  list: readonly string[],
  self: URL | string | null,
): boolean {
  const u = toUrl(url);
  const s = self === null ? null : toUrl(self);
  return list.some((raw) => urlMatchesParsedSource(u, parseSource(raw), s));
}

function toUrl(value: URL | string): URL {
  return typeof value === "string" ? new URL(value) : value;
}
