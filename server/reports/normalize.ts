// Normalization: raw wire fields → the canonical Violation (directive, blocked, URLs, numbers, sample).
import type { Disposition, Violation } from "./types.ts";
import type { RawReport } from "./wire.ts";
import { browserLabel } from "./browser.ts";
import { canonicalUrl } from "./url.ts";
import { readBlank } from "./ambiguous.ts";
import { isDeprecatedDirective, isKnownDirective } from "../policy/directives.ts";

/** Longest directive name kept (the longest real one, "require-trusted-types-for", has 25 chars). */
export const MAX_DIRECTIVE_LENGTH = 64;
/** Longest sample kept, after control characters are removed (browsers send at most 40 chars + "..."). */
export const MAX_SAMPLE_LENGTH = 256;

/** blocked-uri keywords of CSP3 §5.3 (and Trusted Types), kept as-is. */
export const BLOCKED_KEYWORDS = [
  "inline",
  "eval",
  "wasm-eval",
  "trusted-types-sink",
  "trusted-types-policy",
  // Cinch's own: a blank script-src report the policy cannot tell apart (see ambiguous.ts). The builder has no
  // automatic fix for it, so it never offers an inline hash for what may be an eval.
  "inline-or-eval",
] as const;
export type BlockedKeyword = (typeof BLOCKED_KEYWORDS)[number];
const KEYWORDS: ReadonlySet<string> = new Set(BLOCKED_KEYWORDS);

/** True for a directive name of the CSP vocabulary, current or obsolete (lower-case). */
export function isDirectiveName(name: string): boolean {
  return isKnownDirective(name) || isDeprecatedDirective(name);
}

/** Guard for the blocked keywords. */
export function isBlockedKeyword(value: string): value is BlockedKeyword {
  return KEYWORDS.has(value);
}

/** Per-request memo: a batch repeats the same document URL and source file in every entry. */
export type NormalizeContext = {
  urls: Map<string, { value: string; key: string }>;
  userAgent?: string | undefined;
  /** Told each report's original-policy (the Violation does not keep it): alerts' policy-drift digest. */
  onPolicy?: ((policy: string, documentUrl: string) => void) | undefined;
};

/**
 * A fresh context for one request; `userAgent` is the request's UA, used when a report carries none; `onPolicy`, when
 * given, hears each report's original-policy.
 */
export function newContext(
  userAgent?: string,
  onPolicy?: (policy: string, documentUrl: string) => void,
): NormalizeContext {
  return { urls: new Map(), userAgent, onPolicy };
}

/**
 * The canonical Violation for one report, or null when it names no directive (then it is not a report).
 * `noise` is left null here; classification is noise.ts's job.
 */
export function normalizeReport(raw: RawReport, ctx: NormalizeContext = newContext()): Violation | null {
  const directive = directiveOf(raw.effectiveDirective, raw.violatedDirective);
  if (directive === "") return null;
  const blocked = blockedOf(raw, directive, ctx);
  const doc = raw.documentUrl === undefined ? "" : urlOf(raw.documentUrl, ctx).value;
  if (ctx.onPolicy && raw.originalPolicy) ctx.onPolicy(raw.originalPolicy, doc);
  return {
    directive,
    blocked: blocked.value,
    blockedKey: blocked.key,
    documentUrl: doc,
    disposition: dispositionOf(raw.disposition),
    sourceFile: raw.sourceFile === undefined ? "" : urlOf(raw.sourceFile, ctx).value,
    line: raw.line ?? null,
    column: raw.column ?? null,
    sample: cleanSample(raw.sample ?? ""),
    statusCode: raw.statusCode ?? null,
    browser: browserLabel(raw.userAgent ?? ctx.userAgent),
    noise: null,
  };
}

/**
 * The effective directive, lower-case. Firefox sends no effective-directive and puts the source list in
 * violated-directive ("style-src http://cdn.example.com"); some browsers put the source list in
 * effective-directive too. Either way the directive is the first token. A junk effective-directive
 * ("constructor", "'unsafe-inline'") gives way to a valid violated-directive; when neither is a CSP directive
 * the effective one is kept as sent, and noise.ts marks the report "unknown-directive".
 */
export function directiveOf(effective: string | undefined, violated: string | undefined): string {
  const e = directiveToken(effective);
  if (isDirectiveName(e)) return e;
  const v = directiveToken(violated);
  if (isDirectiveName(v)) return v;
  return e !== "" ? e : v;
}

function directiveToken(source: string | undefined): string {
  if (source === undefined) return "";
  const token = firstToken(source);
  return (token.length > MAX_DIRECTIVE_LENGTH ? token.slice(0, MAX_DIRECTIVE_LENGTH) : token).toLowerCase();
}

function firstToken(s: string): string {
  let start = 0;
  while (start < s.length && isSpace(s.charCodeAt(start))) start++;
  let end = start;
  while (end < s.length && !isSpace(s.charCodeAt(end))) end++;
  return s.slice(start, end);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

// Old Blink sent "" and old Firefox sent "self" for inline code; it only means inline for the directives
// that govern inline code (script-src*, style-src*).
function governsInline(directive: string): boolean {
  return directive.startsWith("script-src") || directive.startsWith("style-src");
}

function blockedOf(raw: RawReport, directive: string, ctx: NormalizeContext): { value: string; key: string } {
  const trimmed = (raw.blocked ?? "").trim();
  const lower = trimmed.length <= 32 ? unquote(trimmed.toLowerCase()) : "";
  if (isBlockedKeyword(lower)) return { value: lower, key: lower };
  if (trimmed === "" || lower === "self") {
    // Eval is always reported under script-src itself (CSP3 §6.1.11.3), so script-src-elem/-attr and style-src*
    // blanks are inline; a script-src blank may be either, and the violated policy is asked.
    if (directive === "script-src") {
      const reading = readBlank(raw.originalPolicy, raw.violatedDirective);
      return { value: reading, key: reading };
    }
    return governsInline(directive) ? { value: "inline", key: "inline" } : { value: lower, key: lower };
  }
  return urlOf(trimmed, ctx);
}

// Some reports quote keywords the way a policy does ("'self'", "'eval'"): read them like the bare word.
function unquote(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
}

function urlOf(raw: string, ctx: NormalizeContext): { value: string; key: string } {
  const hit = ctx.urls.get(raw);
  if (hit !== undefined) return hit;
  const canonical = canonicalUrl(raw);
  if (ctx.urls.size < 64) ctx.urls.set(raw, canonical); // bounded: a hostile batch of unique URLs stays small
  return canonical;
}

function dispositionOf(raw: string | undefined): Disposition | null {
  if (raw === undefined) return null;
  const lower = raw.trim().toLowerCase();
  return lower === "enforce" || lower === "report" ? lower : null;
}

// C0 and C1 controls except tab (U+0009) and newline (U+000A), plus DEL. One character class, no
// alternation: linear time on hostile samples.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g; // eslint-disable-line no-control-regex

/**
 * A sample as safe text: control characters removed (samples are attacker-chosen and may hold binary, see
 * the eval-with-binary-sample fixture), capped at MAX_SAMPLE_LENGTH without splitting a surrogate pair.
 */
export function cleanSample(raw: string): string {
  if (raw === "") return "";
  const bounded = raw.length > MAX_SAMPLE_LENGTH * 4 ? raw.slice(0, MAX_SAMPLE_LENGTH * 4) : raw;
  let s = bounded.replace(CONTROL_CHARS, "");
  if (s.length > MAX_SAMPLE_LENGTH) {
    s = s.slice(0, MAX_SAMPLE_LENGTH);
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
  }
  return s;
}
