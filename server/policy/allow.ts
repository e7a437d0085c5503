// "Would this policy allow this violation?": URLs, schemes, inline, eval and wasm-eval (CSP3 §6.7-6.8).
import { effectiveDirective, parsePolicyList } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { hashMatches } from "./hash.ts";
import { urlMatchesParsedSource } from "./match.ts";
import { parseSource } from "./source.ts";
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

/** The same check on a pre-parsed source list: used by the preview, which caches parsed lists. */
export function allowsWithSources(
  directive: string,
  sources: readonly Source[] | null,
  governing: string | null,
  v: ViolationLike,
): AllowResult {
  if (sources === null) return { allowed: true, directive: null };
  const verdict = (allowed: boolean, condition?: AllowCondition): AllowResult =>
    condition ? { allowed, directive: governing, condition } : { allowed, directive: governing };
  const blocked = v.blocked;
  if (blocked === "inline") {
    const [allowed, condition] = inlineAllowed(directive, sources, v.sample ?? "");
    return verdict(allowed, condition);
  }
  if (blocked === "eval") return verdict(hasKeyword(sources, "'unsafe-eval'"));
  // WebAssembly CSP: 'wasm-unsafe-eval' or 'unsafe-eval' allow compilation.
  if (blocked === "wasm-eval") return verdict(hasKeyword(sources, "'wasm-unsafe-eval'", "'unsafe-eval'"));
  const url = toUrl(blocked);
  if (!url) return verdict(false);
  const self = pageUrl(v.documentUrl);
  if (directive.startsWith("script-src") || directive === "worker-src") {
    // CSP3 §8.2: with 'strict-dynamic', host, scheme and 'self' sources are ignored for scripts.
    if (hasKeyword(sources, "'strict-dynamic'") && directive !== "worker-src") {
      const trusted = sources.some((s) => s.kind === "nonce" || s.kind === "hash");
      return verdict(trusted, trusted ? "strict-dynamic" : undefined);
    }
  }
  return verdict(sources.some((s) => urlMatchesParsedSource(url, s, self)));
}

function allowsOne(policy: Policy, v: ViolationLike): AllowResult {
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
  return allowsWithSources(directive, d.values.map(parseSource), d.name, v);
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

function hasKeyword(sources: readonly Source[], ...keywords: string[]): boolean {
  return sources.some((s) => s.kind === "keyword" && keywords.includes(s.keyword));
}

// CSP3 §6.7.3.2 "does a source list allow all inline behavior" and §6.7.3.3 element matching.
function inlineAllowed(
  directive: string,
  sources: readonly Source[],
  sample: string,
): [boolean] | [boolean, AllowCondition] {
  const isScript = directive.startsWith("script-src");
  const isAttr = directive.endsWith("-attr");
  const hasNonceOrHash = sources.some((s) => s.kind === "nonce" || s.kind === "hash");
  const strictDynamic = isScript && hasKeyword(sources, "'strict-dynamic'");
  if (hasKeyword(sources, "'unsafe-inline'") && !hasNonceOrHash && !strictDynamic) return [true];
  // Hashes apply to attributes only with 'unsafe-hashes' (CSP3 §6.7.3.3 step 5).
  if (sample !== "" && (!isAttr || hasKeyword(sources, "'unsafe-hashes'"))) {
    const hit = sources.some((s) => s.kind === "hash" && hashMatches(`'${s.algorithm}-${s.value}'`, sample));
    if (hit) return [true, "sample-hash"];
  }
  // Nonces never apply to attributes (event handlers, style attributes).
  if (!isAttr && sources.some((s) => s.kind === "nonce")) return [true, "nonce"];
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

function toUrl(value: string): URL | null {
  // A bare scheme ("data", "blob") as reported by browsers stands for any URL of that scheme.
  const text = /^[a-z][a-z0-9+.-]*$/i.test(value) ? `${value}:` : value;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
