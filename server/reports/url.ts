// URL canonicalization for report fields: strips secrets, lower-cases, punycodes, bounds length.

/** Longest URL kept; longer canonical URLs are cut (real CDN paths stay far below this). */
export const MAX_URL_LENGTH = 2048;

// Only network URLs keep their path: every other scheme (data:, blob:, extension URLs) is reduced to the
// bare scheme, which is what CSP source expressions match on and what old browsers already sent.
const NETWORK_SCHEMES: ReadonlySet<string> = new Set(["http", "https", "ws", "wss"]);

/** A canonical URL-ish report value, with the parts grouping and noise checks need. */
export type CanonicalUrl = {
  /** Normalized URL, bare lower-case scheme, or "" when the input is not URL-like. */
  value: string;
  /** Origin ("scheme://host[:port]") for network URLs, else the same as value. */
  key: string;
};

const EMPTY: CanonicalUrl = { value: "", key: "" };

/**
 * The lower-case RFC 3986 scheme at the start of `raw` (the whole value when it has no colon), or "" when
 * the leading token is not a scheme. A hand loop, not a regex, so hostile input costs O(32).
 */
export function schemeOf(raw: string): string {
  const colon = raw.indexOf(":");
  const end = colon === -1 ? raw.length : colon;
  if (end === 0 || end > 32) return "";
  for (let i = 0; i < end; i++) {
    const c = raw.charCodeAt(i) | 0x20; // ASCII lower-case fold; non-letters are re-checked below
    const isAlpha = c >= 0x61 && c <= 0x7a;
    if (isAlpha) continue;
    const d = raw.charCodeAt(i);
    if (i > 0 && ((d >= 0x30 && d <= 0x39) || d === 0x2b || d === 0x2d || d === 0x2e)) continue;
    return "";
  }
  return raw.slice(0, end).toLowerCase();
}

/**
 * Canonicalize a URL-like report value. Network URLs lose credentials, query and fragment (secrets hide
 * there: reset tokens, session ids), get lower-case scheme and host, punycode IDN hosts and no default port
 * (all via the WHATWG URL parser, parsed once). Anything else becomes its bare scheme: `data:image/gif;...`
 * → `data` (old Firefox sent whole data: URIs), `chrome-extension` stays `chrome-extension`.
 */
export function canonicalUrl(input: string): CanonicalUrl {
  const raw = input.trim();
  if (raw === "") return EMPTY;
  const scheme = schemeOf(raw);
  if (scheme === "") return EMPTY;
  if (!NETWORK_SCHEMES.has(scheme)) return { value: scheme, key: scheme };
  // Cut query and fragment before parsing: less work, and they can never leak into a stored value.
  let end = raw.length;
  const q = raw.indexOf("?");
  if (q !== -1) end = q;
  const h = raw.indexOf("#");
  if (h !== -1 && h < end) end = h;
  const bare = raw.slice(0, Math.min(end, MAX_URL_LENGTH * 2));
  let url: URL;
  try {
    url = new URL(bare);
  } catch {
    return { value: scheme, key: scheme };
  }
  if (url.host === "") return { value: scheme, key: scheme };
  const origin = `${url.protocol}//${url.host}`;
  // Chromium reports frame-src violations as a bare origin without "/": keep the value as sent rather than
  // inventing the root path the URL parser adds.
  const path = url.pathname === "/" && !hasExplicitPath(bare) ? "" : url.pathname;
  const value =
    origin.length + path.length > MAX_URL_LENGTH ? (origin + path).slice(0, MAX_URL_LENGTH) : origin + path;
  return { value, key: origin.slice(0, MAX_URL_LENGTH) };
}

/** Canonical form of a URL-like report value (see canonicalUrl). */
export function normalizeUrl(input: string): string {
  return canonicalUrl(input).value;
}

// Whether the authority of "scheme://authority[/path]" is followed by a path separator.
function hasExplicitPath(bare: string): boolean {
  const start = bare.indexOf("//");
  if (start === -1) return true;
  for (let i = start + 2; i < bare.length; i++) {
    const c = bare.charCodeAt(i);
    if (c === 0x2f || c === 0x5c) return true; // "/" or "\" (WHATWG treats both as separators)
  }
  return false;
}

/** Host (without port) of a canonical network URL or origin, "" for keywords and bare schemes. */
export function hostOf(canonical: string): string {
  const sep = canonical.indexOf("://");
  if (sep === -1) return "";
  const start = sep + 3;
  let end = canonical.indexOf("/", start);
  if (end === -1) end = canonical.length;
  const hostPort = canonical.slice(start, end);
  // IPv6 literals carry colons inside brackets.
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    return close === -1 ? hostPort : hostPort.slice(0, close + 1);
  }
  const colon = hostPort.indexOf(":");
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

/** Port of a canonical network URL: explicit, else the scheme's default; "" when not a network URL. */
export function portOf(canonical: string): string {
  const sep = canonical.indexOf("://");
  if (sep === -1) return "";
  const start = sep + 3;
  let end = canonical.indexOf("/", start);
  if (end === -1) end = canonical.length;
  const hostPort = canonical.slice(start, end);
  const close = hostPort.lastIndexOf("]");
  const colon = hostPort.indexOf(":", close + 1);
  if (colon !== -1) return hostPort.slice(colon + 1);
  const scheme = canonical.slice(0, sep);
  return scheme === "https" || scheme === "wss" ? "443" : "80";
}
