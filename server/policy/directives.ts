// The CSP3 directive vocabulary: known, deprecated and source-list directives, and every fallback chain.

/** Fetch directives (CSP3 §6.1); each takes a source list. */
export const FETCH_DIRECTIVES = [
  "default-src",
  "child-src",
  "connect-src",
  "fenced-frame-src",
  "font-src",
  "frame-src",
  "img-src",
  "manifest-src",
  "media-src",
  "object-src",
  "script-src",
  "script-src-elem",
  "script-src-attr",
  "style-src",
  "style-src-elem",
  "style-src-attr",
  "worker-src",
] as const;

/** Document, navigation, reporting and other current directives (CSP3 §6.2-6.5, Trusted Types). */
export const OTHER_DIRECTIVES = [
  "base-uri",
  "sandbox",
  "form-action",
  "frame-ancestors",
  "report-uri",
  "report-to",
  "upgrade-insecure-requests",
  "require-trusted-types-for",
  "trusted-types",
  "webrtc",
] as const;

/** Obsolete directives: still parsed and kept, but flagged (CSP3 §1.3 and Mixed Content §4). */
export const DEPRECATED_DIRECTIVES = [
  "block-all-mixed-content",
  "plugin-types",
  "prefetch-src",
  "navigate-to",
  "referrer",
  "reflected-xss",
  "disown-opener",
  "require-sri-for",
] as const;

export type FetchDirective = (typeof FETCH_DIRECTIVES)[number];
export type KnownDirective = FetchDirective | (typeof OTHER_DIRECTIVES)[number];

const FETCH = new Set<string>(FETCH_DIRECTIVES);
const KNOWN = new Set<string>([...FETCH_DIRECTIVES, ...OTHER_DIRECTIVES]);
const DEPRECATED = new Set<string>(DEPRECATED_DIRECTIVES);

/** Directives whose value is a source list (fetch directives plus base-uri, form-action, frame-ancestors). */
const SOURCE_LIST = new Set<string>([
  ...FETCH_DIRECTIVES,
  "base-uri",
  "form-action",
  "frame-ancestors",
  "navigate-to",
]);

/** True for a fetch directive name (lower-case). */
export function isFetchDirective(name: string): name is FetchDirective {
  return FETCH.has(name);
}

/** True for a current (non-obsolete) CSP3 directive name. */
export function isKnownDirective(name: string): name is KnownDirective {
  return KNOWN.has(name);
}

/**
 * True when a report's directive is a CSP directive at all (current or obsolete). Anything else ("<img",
 * "constructor", a name with markup in it) is kept in the database as reported, but never feeds a source:
 * an unknown name must not fall through to script-src, where its inline samples became applied hashes.
 */
export function isRecognisedDirective(name: string): boolean {
  return KNOWN.has(name) || DEPRECATED.has(name);
}

/** True for an obsolete directive name. */
export function isDeprecatedDirective(name: string): boolean {
  return DEPRECATED.has(name);
}

/** True when the directive's value is a source list that source matching applies to. */
export function takesSourceList(name: string): boolean {
  return SOURCE_LIST.has(name);
}

// CSP3 §6.8.3 "Get the effective directive for inline checks" / §6.8.4 "directive fallback list".
// A Map: the key is a report's directive, and "constructor" or "__proto__" on a plain object is inherited.
const CHAINS = new Map<string, readonly string[]>(
  Object.entries({
    "script-src-elem": ["script-src-elem", "script-src", "default-src"],
    "script-src-attr": ["script-src-attr", "script-src", "default-src"],
    "script-src": ["script-src", "default-src"],
    "style-src-elem": ["style-src-elem", "style-src", "default-src"],
    "style-src-attr": ["style-src-attr", "style-src", "default-src"],
    "style-src": ["style-src", "default-src"],
    "worker-src": ["worker-src", "child-src", "script-src", "default-src"],
    "frame-src": ["frame-src", "child-src", "default-src"],
    "fenced-frame-src": ["fenced-frame-src", "frame-src", "child-src", "default-src"],
    "child-src": ["child-src", "default-src"],
    "connect-src": ["connect-src", "default-src"],
    "manifest-src": ["manifest-src", "default-src"],
    "img-src": ["img-src", "default-src"],
    "font-src": ["font-src", "default-src"],
    "media-src": ["media-src", "default-src"],
    "object-src": ["object-src", "default-src"],
    "default-src": ["default-src"],
  }),
);

/**
 * The directives consulted, in order, for a violation of `directive` (CSP3 §6.8.4). Directives that do
 * not fall back (base-uri, form-action, frame-ancestors, sandbox, ...) return only themselves.
 */
export function fallbackChain(directive: string): readonly string[] {
  return CHAINS.get(directive) ?? [directive];
}

/**
 * The directive a builder creates to govern `directive` when the policy only has a fallback for it:
 * the family head (script-src for -elem/-attr), so one new list serves the whole family.
 */
export function familyHead(directive: string): string {
  if (directive.startsWith("script-src")) return "script-src";
  if (directive.startsWith("style-src")) return "style-src";
  return directive;
}
