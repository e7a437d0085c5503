// Fallback-aware placement (docs/architecture.md, product rule 1) and the sources rule 3 forbids in script/object/base.
import { effectiveDirective, getDirective } from "./csp.ts";
import type { Directive, Policy } from "./csp.ts";
import { fallbackChain, familyHead } from "./directives.ts";
import { parsedSource } from "./source.ts";

/**
 * The directive a source for a `directive` violation goes into: the first directive present in its
 * fallback chain up to the family head (script-src for script-src-elem), else the family head, to be
 * created. Never default-src: adding there would widen every other type.
 */
export function placementTarget(policy: Pick<Policy, "directives">, directive: string): string {
  const head = familyHead(directive);
  const chain = fallbackChain(directive);
  const stop = chain.indexOf(head);
  const candidates = stop >= 0 ? chain.slice(0, stop + 1) : [directive];
  return candidates.find((name) => getDirective(policy, name) !== undefined) ?? head;
}

/** Rule 3: directives where `*`, http:, https: and data: (any scheme or wildcard) are never emitted. */
export function isGuardedDirective(directive: string): boolean {
  return directive.startsWith("script-src") || directive === "object-src" || directive === "base-uri";
}

/** True when rule 3 forbids `source` in `directive` (`*` or a scheme source in script/object/base). */
export function isForbidden(directive: string, source: string): boolean {
  if (!isGuardedDirective(directive)) return false;
  const s = parsedSource(source);
  return s.kind === "wildcard" || s.kind === "scheme" || (s.kind === "host" && s.host === "*");
}

// Keywords that only mean something for inline code or eval (CSP3 §6.7.3, §6.1.11.4): copying them into,
// say, worker-src or img-src would be noise.
const INLINE_ONLY = new Set(["'report-sample'", "'unsafe-inline'", "'unsafe-hashes'", "'strict-dynamic'"]);
const EVAL_ONLY = new Set(["'unsafe-eval'", "'wasm-unsafe-eval'", "'trusted-types-eval'"]);

/** Does `source` mean anything in `target` (so a fallback copy keeps it)? */
export function meaningfulIn(target: string, source: string): boolean {
  const s = parsedSource(source);
  const inlineCapable =
    target.startsWith("script-src") || target.startsWith("style-src") || target === "default-src";
  if (s.kind === "nonce" || s.kind === "hash") return inlineCapable;
  if (s.kind !== "keyword") return true;
  if (INLINE_ONLY.has(s.keyword)) return inlineCapable;
  if (EVAL_ONLY.has(s.keyword)) return target === "script-src" || target === "default-src";
  return true;
}

/**
 * Get `target`, creating it as a copy of the list that governs `directive` now (rule 1: a new
 * script-src starts as default-src's list, or it would replace the fallback), minus forbidden sources.
 */
export function ensureDirective(
  policy: Policy,
  target: string,
  directive: string,
  warnings: string[],
): Directive {
  const found = getDirective(policy, target);
  if (found) return found;
  const fallback = effectiveDirective(policy, directive);
  const copied = (fallback?.values ?? []).filter((v) => {
    if (!meaningfulIn(target, v)) return false;
    if (!isForbidden(target, v)) return true;
    warnings.push(
      `${v} from ${fallback?.name} not copied into the new ${target} (never in script, object or base)`,
    );
    return false;
  });
  const created = { name: target, values: copied };
  policy.directives.push(created);
  return created;
}
