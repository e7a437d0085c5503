// "Would this policy allow this violation?": URLs, schemes, inline, eval and wasm-eval (CSP3 §6.7-6.8).
import { effectiveDirective, parsePolicyList } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { hashSource } from "./hash.ts";
import type { HashAlgorithm } from "./hash.ts";
import { urlMatchesParsedSource } from "./match.ts";
import { parsedSource } from "./source.ts";
import type { Source } from "./source.ts";

/** The parts of a canonical violation (server/reports/types.ts Violation) the check needs. */
export type ViolationLike = {
  /** Effective directive, lower-case. */
  directive: string;
  /** A URL, a bare scheme (data, blob) or a keyword (inline, eval, wasm-eval, trusted-types-*). */
  blocked: string;
  /** The protected page: its origin is 'self'. */
  documentUrl: string;
  sample?: string;
};

/**
 * Why a violation is allowed on a condition the reports cannot prove: "nonce" (the app marks the code
 * with the policy's nonce), "sample-hash" (the hash of the sample matches the whole script),
 * "strict-dynamic" (the script is nonced or loaded by a trusted script).
 */
export type AllowCondition = "nonce" | "sample-hash" | "strict-dynamic";

/** The verdict, with the directive whose list decided it (null when no directive governs the type). */
export type AllowResult = { allowed: boolean; directive: string | null; condition?: AllowCondition };

const INLINE_DIRECTIVES = new Set([
  "script-src",
  "script-src-elem",
  "script-src-attr",
  "style-src",
  "style-src-elem",
  "style-src-attr",
]);

/**
 * Would `policy` allow `v`? For several policies (a comma-separated header) every one must allow it
 * (CSP3 §2.2.2). Inline code allowed by a nonce or a hash of the sample is allowed with a condition.
 */
export function allowsViolation(policy: string | Policy | readonly Policy[], v: ViolationLike): AllowResult {
  const list =
    typeof policy === "string" ? parsePolicyList(policy) : "directives" in policy ? [policy] : policy;
  let last: AllowResult = { allowed: true, directive: null };
  for (const p of list) {
    const r = allowsOne(p, v);
    if (!r.allowed) return r;
    if (r.condition || r.directive) last = r;
  }
  return last;
}

/**
 * A parsed source list prepared for repeated checks: keyword flags, and host sources indexed by host so a
 * URL is only compared with the sources that can match its host (a 10,000-source list is otherwise
 * scanned once per URL). Answers exactly what a scan of `sources` in order would.
 */
export type CompiledSources = {
  sources: readonly Source[];
  keywords: ReadonlySet<string>;
  hasNonce: boolean;
  hasNonceOrHash: boolean;
  /** Hash sources as `'alg-value'`, and their algorithms. */
  hashes: ReadonlySet<string>;
  hashAlgorithms: readonly HashAlgorithm[];
  /** Sources that may match a URL whatever its host: `*`, schemes, 'self', host `*`. */
  general: readonly Source[];
  /** Host sources by host without a trailing dot (exact match). */
  exact: ReadonlyMap<string, readonly Source[]>;
  /** `*.suffix` host sources by host (suffix match). */
  wild: ReadonlyMap<string, readonly Source[]>;
};

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Prepare a parsed source list for allowsCompiled. */
export function compileSources(sources: readonly Source[]): CompiledSources {
  const keywords = new Set<string>();
  const hashes = new Set<string>();
  const hashAlgorithms: HashAlgorithm[] = [];
  const general: Source[] = [];
  const exact = new Map<string, Source[]>();
  const wild = new Map<string, Source[]>();
  let hasNonce = false;
  for (const s of sources) {
    switch (s.kind) {
      case "keyword":
        keywords.add(s.keyword);
        if (s.keyword === "'self'") general.push(s);
        break;
      case "nonce":
        hasNonce = true;
        break;
      case "hash":
        hashes.add(`'${s.algorithm}-${s.value}'`);
        if (!hashAlgorithms.includes(s.algorithm)) hashAlgorithms.push(s.algorithm);
        break;
      case "wildcard":
      case "scheme":
        general.push(s);
        break;
      case "host":
        if (s.host === "*") general.push(s);
        else if (s.host.startsWith("*.")) push(wild, s.host, s);
        else push(exact, s.host.replace(/\.$/, ""), s);
        break;
      case "invalid":
        break;
    }
  }
  return {
    sources,
    keywords,
    hasNonce,
    hasNonceOrHash: hasNonce || hashes.size > 0,
    hashes,
    hashAlgorithms,
    general,
    exact,
    wild,
  };
}

/** Does any source of the list match `url`? (Same answer as `sources.some(urlMatchesParsedSource)`.) */
function anyMatches(list: CompiledSources, url: URL, self: URL | null): boolean {
  if (someMatches(list.general, url, self)) return true;
  // The host as hostPartMatches compares it (§6.7.2.9): brackets, case and a trailing dot dropped.
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (someMatches(list.exact.get(host), url, self)) return true;
  if (list.wild.size === 0) return false;
  // `*.x` matches hosts ending in ".x": look up every suffix starting at a dot.
  for (let k = host.indexOf("."); k >= 0; k = host.indexOf(".", k + 1)) {
    if (someMatches(list.wild.get(`*${host.slice(k)}`), url, self)) return true;
  }
  return false;
}

function someMatches(sources: readonly Source[] | undefined, url: URL, self: URL | null): boolean {
  if (!sources) return false;
  for (const s of sources) if (urlMatchesParsedSource(url, s, self)) return true;
  return false;
}

function verdict(governing: string | null, allowed: boolean, condition?: AllowCondition): AllowResult {
  return condition ? { allowed, directive: governing, condition } : { allowed, directive: governing };
}

/** The same check on a compiled source list (compileSources): for checking many violations. */
export function allowsCompiled(
  directive: string,
  sources: CompiledSources | null,
  governing: string | null,
  v: ViolationLike,
  blockedUrl?: URL,
): AllowResult {
  if (sources === null) return { allowed: true, directive: null };
  const blocked = v.blocked;
  if (blocked === "inline") {
    const [allowed, condition] = inlineAllowed(directive, sources, v.sample ?? "");
    return verdict(governing, allowed, condition);
  }
  if (blocked === "eval") return verdict(governing, sources.keywords.has("'unsafe-eval'"));
  // Cinch's keyword for a blank that was inline code or eval, undecidably (reports/ambiguous.ts): allowed only
  // where both would be.
  if (blocked === "inline-or-eval") {
    const [inline] = inlineAllowed(directive, sources, v.sample ?? "");
    return verdict(governing, inline && sources.keywords.has("'unsafe-eval'"));
  }
  // WebAssembly CSP: 'wasm-unsafe-eval' or 'unsafe-eval' allow compilation.
  if (blocked === "wasm-eval")
    return verdict(
      governing,
      sources.keywords.has("'wasm-unsafe-eval'") || sources.keywords.has("'unsafe-eval'"),
    );
  const url = blockedUrl ?? toUrl(blocked);
  if (!url) return verdict(governing, false);
  const self = pageUrl(v.documentUrl);
  if (directive.startsWith("script-src") || directive === "worker-src") {
    // CSP3 §8.2: with 'strict-dynamic', host, scheme and 'self' sources are ignored for scripts.
    if (sources.keywords.has("'strict-dynamic'") && directive !== "worker-src") {
      const trusted = sources.hasNonceOrHash;
      return verdict(governing, trusted, trusted ? "strict-dynamic" : undefined);
    }
  }
  return verdict(governing, anyMatches(sources, url, self));
}

/** Compiled source lists of one policy, by directive name (the policy must not change meanwhile). */
export type CompiledPolicyCache = Map<string, CompiledSources>;

function allowsOne(
  policy: Policy,
  v: ViolationLike,
  cache?: CompiledPolicyCache,
  blockedUrl?: URL,
): AllowResult {
  const directive = checkedDirective(v);
  if (directive === "require-trusted-types-for") {
    const d = effectiveDirective(policy, directive);
    return { allowed: d === undefined, directive: d ? d.name : null };
  }
  if (directive === "trusted-types") {
    const d = effectiveDirective(policy, directive);
    if (!d) return { allowed: true, directive: null };
    const name = v.sample ?? "";
    return { allowed: d.values.includes("*") || (name !== "" && d.values.includes(name)), directive: d.name };
  }
  const d = effectiveDirective(policy, directive);
  if (!d) return { allowed: true, directive: null };
  let compiled = cache?.get(d.name);
  if (!compiled) {
    compiled = compileSources(d.values.map(parsedSource));
    cache?.set(d.name, compiled);
  }
  return allowsCompiled(directive, compiled, d.name, v, blockedUrl);
}

/**
 * allowsViolation for one parsed policy checked against many violations: source lists are parsed and
 * indexed once. The policy must not be edited while the checker is in use. `blockedUrl`, when given, is
 * `v.blocked` already parsed (`v.blocked` being its href), so it is not parsed again.
 */
export function policyChecker(policy: Policy): (v: ViolationLike, blockedUrl?: URL) => AllowResult {
  const cache: CompiledPolicyCache = new Map();
  return (v, blockedUrl) => allowsOne(policy, v, cache, blockedUrl);
}

/**
 * The directive whose list a violation is checked against: eval and wasm-eval are checked against
 * script-src (CSP3 §6.1.11.4), Trusted Types sinks against require-trusted-types-for.
 */
export function checkedDirective(v: Pick<ViolationLike, "directive" | "blocked">): string {
  if (v.blocked === "eval" || v.blocked === "wasm-eval") return "script-src";
  if (v.blocked === "trusted-types-sink") return "require-trusted-types-for";
  if (v.blocked === "trusted-types-policy") return "trusted-types";
  if (v.blocked === "inline" && !INLINE_DIRECTIVES.has(v.directive)) return "script-src-elem";
  return v.directive;
}

// CSP3 §6.7.3.2 "does a source list allow all inline behavior" and §6.7.3.3 element matching.
function inlineAllowed(
  directive: string,
  sources: CompiledSources,
  sample: string,
): [boolean] | [boolean, AllowCondition] {
  const isScript = directive.startsWith("script-src");
  const isAttr = directive.endsWith("-attr");
  const hasNonceOrHash = sources.hasNonceOrHash;
  const strictDynamic = isScript && sources.keywords.has("'strict-dynamic'");
  if (sources.keywords.has("'unsafe-inline'") && !hasNonceOrHash && !strictDynamic) return [true];
  // Hashes apply to attributes only with 'unsafe-hashes' (CSP3 §6.7.3.3 step 5).
  if (sample !== "" && (!isAttr || sources.keywords.has("'unsafe-hashes'"))) {
    const hit = sources.hashAlgorithms.some((alg) => sources.hashes.has(hashSource(sample, alg)));
    if (hit) return [true, "sample-hash"];
  }
  // Nonces never apply to attributes (event handlers, style attributes).
  if (!isAttr && sources.hasNonce) return [true, "nonce"];
  return [false];
}

// Pages repeat across groups (a site has few); parsing each once keeps a 10k-group preview fast.
// Bounded, and URL objects are never mutated here, so sharing them is safe.
const PAGE_CACHE = new Map<string, URL | null>();
function pageUrl(value: string): URL | null {
  let u = PAGE_CACHE.get(value);
  if (u === undefined) {
    u = toUrl(value);
    if (PAGE_CACHE.size >= 1024) PAGE_CACHE.clear();
    PAGE_CACHE.set(value, u);
  }
  return u;
}

/** A reported blocked value as the URL the check compares (a bare scheme stands for any URL of it); null if none. */
export function toUrl(value: string): URL | null {
  // A bare scheme ("data", "blob") as reported by browsers stands for any URL of that scheme.
  const text = /^[a-z][a-z0-9+.-]*$/i.test(value) ? `${value}:` : value;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
