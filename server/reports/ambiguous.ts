// Ambiguous blanks: old Chromium and Firefox reported inline code and eval alike as an empty or `self`
// blocked-uri under script-src. The report's own policy often tells which one it was.

/** What an ambiguous script-src blank was: inline code, eval, or (when the policy cannot tell) either. */
export type BlankReading = "inline" | "eval" | "inline-or-eval";

// Longest policy read; the bound keeps hostile input cheap (real policies stay far below it).
const MAX_POLICY_LENGTH = 16_384;
const HASH_OR_NONCE = /^'(?:nonce-|sha256-|sha384-|sha512-)/;

/**
 * The reading of a blank script-src report from the policy that was violated. `policy` is the report's
 * original-policy; `listed` is the source list some browsers append to violated-directive ("script-src 'self'
 * 'unsafe-inline'"), used when there is no original-policy. A policy whose script list allows inline code
 * (CSP3 §6.7.3.2: 'unsafe-inline' without a nonce, hash or 'strict-dynamic') did not block inline code, so the
 * report was eval; one with 'unsafe-eval' did not block eval, so it was inline. Anything else cannot be told.
 */
export function readBlank(policy: string | undefined, listed: string | undefined): BlankReading {
  const tokens = scriptList(policy) ?? listTokens(listed);
  if (tokens === null) return "inline-or-eval";
  const inlineAllowed =
    tokens.includes("'unsafe-inline'") &&
    !tokens.includes("'strict-dynamic'") &&
    !tokens.some((t) => HASH_OR_NONCE.test(t));
  const evalAllowed = tokens.includes("'unsafe-eval'");
  if (inlineAllowed && !evalAllowed) return "eval";
  if (evalAllowed && !inlineAllowed) return "inline";
  return "inline-or-eval";
}

// The lower-case tokens of the list that governs script-src (script-src, else default-src; CSP3 §6.8.3), or
// null when the policy has neither. The first occurrence of a directive wins (CSP3 §2.2.1), as in browsers.
function scriptList(policy: string | undefined): string[] | null {
  if (policy === undefined || policy === "") return null;
  const text = policy.length > MAX_POLICY_LENGTH ? policy.slice(0, MAX_POLICY_LENGTH) : policy;
  // Only the first policy of a comma-joined header: that is the one a legacy report names.
  const first = text.split(",", 1)[0] ?? "";
  const lists = new Map<string, string[]>();
  for (const part of first.split(";")) {
    const tokens = part
      .trim()
      .toLowerCase()
      .split(/[\t\n\f\r ]+/);
    const name = tokens[0] ?? "";
    if (name !== "" && !lists.has(name)) lists.set(name, tokens.slice(1));
  }
  return lists.get("script-src") ?? lists.get("default-src") ?? null;
}

function listTokens(listed: string | undefined): string[] | null {
  if (listed === undefined) return null;
  const tokens = listed
    .trim()
    .toLowerCase()
    .split(/[\t\n\f\r ]+/);
  return tokens.length > 1 ? tokens.slice(1) : null;
}
