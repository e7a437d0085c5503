// The grouping ladder (docs/architecture.md, product rule 2): a blocked value → 'self', an origin or a scheme; *.domain collapses.
import { getDomain } from "tldts";
import { selfMatches } from "./match.ts";
import { parsedSource } from "./source.ts";

/** What a blocked value becomes in a policy. */
export type LadderSource =
  | { kind: "source"; source: string }
  | { kind: "inline" | "eval" | "inline-or-eval" | "wasm-eval" | "trusted-types" | "unusable" };

const BARE_SCHEME = /^[a-z][a-z0-9+.-]*$/;
const ORIGIN_SCHEMES = new Set(["http:", "https:", "ws:", "wss:"]);

/**
 * The source for one blocked value: same-origin URLs become 'self' (rule 6), other URLs their origin
 * (the ladder's default rung), bare schemes (data, blob) a scheme source.
 */
export function sourceFor(blocked: string, page: string | undefined): LadderSource {
  if (blocked === "inline") return { kind: "inline" };
  if (blocked === "eval") return { kind: "eval" };
  // A blank script-src report whose policy cannot tell inline code from eval (reports/ambiguous.ts).
  if (blocked === "inline-or-eval") return { kind: "inline-or-eval" };
  if (blocked === "wasm-eval") return { kind: "wasm-eval" };
  if (blocked.startsWith("trusted-types")) return { kind: "trusted-types" };
  if (BARE_SCHEME.test(blocked)) {
    // Keywords of old browsers ("self", "null") and browser internals are not schemes a policy needs.
    return ["data", "blob", "mediastream", "filesystem"].includes(blocked)
      ? { kind: "source", source: `${blocked}:` }
      : { kind: "unusable" };
  }
  let url: URL;
  try {
    url = new URL(blocked);
  } catch {
    return { kind: "unusable" };
  }
  if (!ORIGIN_SCHEMES.has(url.protocol)) return { kind: "unusable" };
  if (page !== undefined) {
    const self = pageUrl(page);
    if (self && selfMatches(url, self)) return { kind: "source", source: "'self'" };
  }
  return { kind: "source", source: url.origin };
}

// Pages repeat across groups (a site has few): each parsed once (null when unparsable). Bounded; the URL
// objects are only read, so sharing them is safe.
const PAGES = new Map<string, URL | null>();
function pageUrl(page: string): URL | null {
  let u = PAGES.get(page);
  if (u === undefined) {
    try {
      u = new URL(page);
    } catch {
      u = null; // an unparsable page URL has no origin to compare with
    }
    if (PAGES.size >= 1024) PAGES.clear();
    PAGES.set(page, u);
  }
  return u;
}

/** A proposed `*.domain` collapse over several subdomains of one registrable domain. */
export type Collapse = { wildcard: string; covers: string[] };

/**
 * Host sources in `sources` that share scheme, port and registrable domain (Public Suffix List via tldts,
 * private suffixes included so `a.github.io` and `b.github.io` stay apart), with at least `min`
 * distinct subdomains. The apex is never covered: `*.example.com` does not match example.com (§6.7.2.9).
 */
export function wildcardCollapses(sources: readonly string[], min: number): Collapse[] {
  const buckets = new Map<string, string[]>();
  for (const raw of sources) {
    const s = parsedSource(raw);
    if (s.kind !== "host" || s.host.startsWith("*") || s.path !== "") continue;
    const domain = getDomain(s.host, { allowPrivateDomains: true });
    if (!domain || domain === s.host) continue;
    const key = `${s.scheme ? `${s.scheme}://` : ""}*.${domain}${s.port ? `:${s.port}` : ""}`;
    const list = buckets.get(key) ?? [];
    if (!list.includes(raw)) list.push(raw);
    buckets.set(key, list);
  }
  return [...buckets.entries()]
    .filter(([, covers]) => covers.length >= min)
    .map(([wildcard, covers]) => ({ wildcard, covers: [...covers].sort() }))
    .sort((a, b) => (a.wildcard < b.wildcard ? -1 : a.wildcard > b.wildcard ? 1 : 0));
}
