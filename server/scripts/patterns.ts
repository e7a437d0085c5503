// URL patterns for versioned script paths (#18): `https://cdn.example/npm/lib@*` + `/dist/x.js` groups every
// version of a library under one inventory entry once the user accepts it. Pure.

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 2048;

/** Why a pattern is not acceptable, or null: an http(s) URL with at least one `*`, none in the origin. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  const m = /^(https?:\/\/[^/*?#\s]+)(\/[^?#\s]*)$/.exec(pattern);
  if (!m) return "must be an http(s) URL with a path, no query or fragment, no * in the host";
  if (!m[2]!.includes("*")) return "must contain * in place of the version";
  if (m[2]!.includes("**")) return "must not contain **";
  return null;
}

/** Whether a script URL (canonical, no query) matches a pattern: `*` stands for one or more characters but no `/`. */
export function matchesPattern(url: string, pattern: string): boolean {
  const parts = pattern.split("*");
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === 0) {
      if (!url.startsWith(part)) return false;
      pos = part.length;
      continue;
    }
    // The wildcard before `part`: at least one character, no "/"; take the first place `part` fits.
    let found = -1;
    for (let j = pos + 1; j <= url.length; j++) {
      if (url[j - 1] === "/") break;
      if (i === parts.length - 1 ? url.slice(j) === part : url.startsWith(part, j)) {
        found = j;
        break;
      }
    }
    if (found === -1) return false;
    pos = found + part.length;
  }
  return pos === url.length;
}

/** The first accepted pattern a URL matches, or undefined. */
export function patternFor<P extends { pattern: string }>(
  url: string,
  patterns: readonly P[],
): P | undefined {
  return patterns.find((p) => matchesPattern(url, p.pattern));
}

// A path segment carrying a version: `lib@1.2.3`, `@scope/lib@1.2.3-beta.1`, `v3`, `3.7.1` (jsdelivr, unpkg,
// cdnjs, Google's hosted libraries, Stripe's `/v3/`).
const VERSION_IN_SEGMENT = /^(.*@)(\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?)$/;
const VERSION_SEGMENT = /^v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.-]+)?$/;

/** The pattern that would group a versioned URL (the version replaced by `*`), or null when it has no version. */
export function versionPattern(url: string): string | null {
  const m = /^(https?:\/\/[^/]+)(\/.*)$/.exec(url);
  if (!m) return null;
  const segments = m[2]!.split("/");
  let changed = false;
  const out = segments.map((s) => {
    const at = VERSION_IN_SEGMENT.exec(s);
    if (at) {
      changed = true;
      return `${at[1]}*`;
    }
    if (VERSION_SEGMENT.test(s)) {
      changed = true;
      return "*";
    }
    return s;
  });
  return changed ? m[1]! + out.join("/") : null;
}

/**
 * Patterns worth proposing: versioned URLs grouped by the pattern they share, with the URLs as examples (at most 5
 * each, sorted), skipping patterns already accepted. Sorted by pattern.
 */
export function suggestPatterns(
  urls: readonly string[],
  accepted: readonly string[],
): { pattern: string; examples: string[] }[] {
  const byPattern = new Map<string, string[]>();
  for (const url of urls) {
    const p = versionPattern(url);
    if (p === null || accepted.includes(p)) continue;
    const list = byPattern.get(p) ?? [];
    if (list.length < 5) list.push(url);
    byPattern.set(p, list);
  }
  return [...byPattern]
    .map(([pattern, examples]) => ({ pattern, examples: examples.sort() }))
    .sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
}
