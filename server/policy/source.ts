// Source expressions (CSP3 §2.3.1): classify, canonicalize and order them.

/** Keyword sources known to CSP3 and its extensions (single-quoted, ASCII case-insensitive). */
export const KEYWORDS = [
  "'self'",
  "'none'",
  "'unsafe-inline'",
  "'unsafe-eval'",
  "'strict-dynamic'",
  "'unsafe-hashes'",
  "'report-sample'",
  "'unsafe-allow-redirects'",
  "'wasm-unsafe-eval'",
  "'trusted-types-eval'",
  "'report-sha256'",
  "'report-sha384'",
  "'report-sha512'",
  "'inline-speculation-rules'",
  // WebTransport serverCertificateHashes under connect-src (CSP3, Chrome): csp_evaluator 1.1 calls it invalid.
  "'unsafe-webtransport-hashes'",
] as const;

/** Keywords the builder never adds without the user's explicit acceptance (docs/architecture.md, product rule 4). */
export const UNSAFE_KEYWORDS = ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"] as const;
export type UnsafeKeyword = (typeof UNSAFE_KEYWORDS)[number];

/** True for an unsafe keyword (lower-case, quoted). */
export function isUnsafeKeyword(value: string): value is UnsafeKeyword {
  return (UNSAFE_KEYWORDS as readonly string[]).includes(value);
}

export type HostSource = {
  kind: "host";
  /** Lower-case scheme without ":", or null for a scheme-less source. */
  scheme: string | null;
  /** Lower-case host; may be "*" or start with "*.". */
  host: string;
  /** Digits, "*", or null when absent. */
  port: string | null;
  /** The path part, or "" when absent. */
  path: string;
};

/** A classified source expression. */
export type Source =
  | { kind: "wildcard" }
  | { kind: "keyword"; keyword: string }
  | { kind: "nonce"; value: string }
  | { kind: "hash"; algorithm: "sha256" | "sha384" | "sha512"; value: string }
  | { kind: "scheme"; scheme: string }
  | HostSource
  | { kind: "invalid"; raw: string };

// CSP3 §2.3.1 grammar: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); host-char = ALPHA / DIGIT / "-".
const SCHEME_SOURCE = /^([a-z][a-z0-9+.-]*):$/i;
const HOST_SOURCE =
  /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)(?::(\*|[0-9]+))?(\/[^\s;,]*)?$/i;
const NONCE = /^'nonce-([A-Za-z0-9+/_-]+={0,2})'$/i;
const HASH = /^'(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})'$/i;

/** Classify one source expression (CSP3 §2.3.1). Unknown quoted words are "invalid". */
export function parseSource(raw: string): Source {
  if (raw === "*") return { kind: "wildcard" };
  const nonce = NONCE.exec(raw);
  if (nonce) return { kind: "nonce", value: nonce[1]! };
  const hash = HASH.exec(raw);
  if (hash) {
    return {
      kind: "hash",
      algorithm: hash[1]!.toLowerCase() as "sha256" | "sha384" | "sha512",
      value: hash[2]!,
    };
  }
  if (raw.startsWith("'")) {
    const lower = raw.toLowerCase();
    return (KEYWORDS as readonly string[]).includes(lower)
      ? { kind: "keyword", keyword: lower }
      : { kind: "invalid", raw };
  }
  const scheme = SCHEME_SOURCE.exec(raw);
  if (scheme) return { kind: "scheme", scheme: scheme[1]!.toLowerCase() };
  const host = HOST_SOURCE.exec(raw);
  if (host) {
    return {
      kind: "host",
      scheme: host[1]?.toLowerCase() ?? null,
      host: host[2]!.toLowerCase(),
      port: host[3] ?? null,
      path: host[4] ?? "",
    };
  }
  return { kind: "invalid", raw };
}

// Policies repeat the same source strings across directives, builds and passes (minify, sort, grade):
// parsed once, shared read-only. Bounded: cleared when full.
const PARSED = new Map<string, Source>();
const PARSED_MAX = 100_000;

/** parseSource, memoized: the result is shared and must not be modified (parseSource gives a fresh one). */
export function parsedSource(raw: string): Readonly<Source> {
  let s = PARSED.get(raw);
  if (s === undefined) {
    s = parseSource(raw);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(raw, s);
  }
  return s;
}

/**
 * Canonical spelling used in the builder's output: keywords and schemes lower-cased, hosts lower-cased
 * (paths, nonces and hashes are case-sensitive and kept).
 */
export function canonicalSource(raw: string): string {
  let c = CANONICAL.get(raw);
  if (c === undefined) {
    c = canonical(raw);
    if (CANONICAL.size >= PARSED_MAX) CANONICAL.clear();
    CANONICAL.set(raw, c);
  }
  return c;
}

const CANONICAL = new Map<string, string>();

function canonical(raw: string): string {
  const s = parsedSource(raw);
  switch (s.kind) {
    case "wildcard":
      return "*";
    case "keyword":
      return s.keyword;
    case "nonce":
      return `'nonce-${s.value}'`;
    case "hash":
      return `'${s.algorithm}-${s.value}'`;
    case "scheme":
      return `${s.scheme}:`;
    case "host":
      return formatHost(s);
    case "invalid":
      return raw;
  }
}

/** Serialize a host source. */
export function formatHost(s: HostSource): string {
  return `${s.scheme ? `${s.scheme}://` : ""}${s.host}${s.port ? `:${s.port}` : ""}${s.path}`;
}

// The documented source order: 'none', 'self', other keywords, nonces, hashes, schemes, `*`, hosts;
// alphabetical (code-unit order, locale-independent) within each rank.
const RANK: Record<Source["kind"], number> = {
  keyword: 2,
  nonce: 3,
  hash: 4,
  scheme: 5,
  wildcard: 6,
  host: 7,
  invalid: 8,
};

/** The rank compareSources orders by (see RANK). */
export function rankOf(raw: string): number {
  const s = parsedSource(raw);
  if (s.kind === "keyword") return s.keyword === "'none'" ? 0 : s.keyword === "'self'" ? 1 : 2;
  return RANK[s.kind];
}

/** Compare two sources in the documented stable order (see RANK above). */
export function compareSources(a: string, b: string): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}
