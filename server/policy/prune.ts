// Progressive tightening: which of the base policy's sources the evidence window supports, and which go.
import { checkedDirective } from "./allow.ts";
import type { UnsafeAcceptance } from "./build-types.ts";
import { effectiveDirective } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { isFetchDirective } from "./directives.ts";
import { pageOf } from "./evidence.ts";
import type { PolicyGroup } from "./groups.ts";
import { hashSource, isWholeSample } from "./hash.ts";
import { hashFailed } from "./inline.ts";
import { urlMatchesParsedSource } from "./match.ts";
import { isForbidden } from "./placement.ts";
import type { Plan } from "./plan.ts";
import { isUnsafeKeyword, parsedSource } from "./source.ts";

/** What pruning needs from the build input. */
export type PruneContext = {
  dropUnused: boolean;
  acceptUnsafe: readonly UnsafeAcceptance[];
  hashVersions: Readonly<Record<string, number>>;
  /** groupUrls, memoized by the caller (optional). */
  urlsOf?: (g: PolicyGroup) => readonly URL[];
};

const LOOSE_SCHEMES = new Set(["http", "https", "ws", "wss"]);

/** The URLs a group stands for: its samples' blocked URLs, else its key (an origin or `scheme:`). */
export function groupUrls(g: PolicyGroup): URL[] {
  const raw = g.samples.map((s) => s.blockedUrl).filter((u) => u.includes(":"));
  const candidates =
    raw.length > 0 ? raw : [/^[a-z][a-z0-9+.-]*$/i.test(g.blocked) ? `${g.blocked}:` : g.blocked];
  const out: URL[] = [];
  for (const c of candidates) {
    try {
      out.push(new URL(c));
    } catch {
      // keywords (inline, eval) have no URL
    }
  }
  return out;
}

function selfOf(g: PolicyGroup): URL | null {
  const page = pageOf(g);
  try {
    return page ? new URL(page) : null;
  } catch {
    return null;
  }
}

/** Is the keyword explicitly accepted for this directive? Accepts "unsafe-inline" or "'unsafe-inline'". */
export function isAcceptedUnsafe(
  list: readonly UnsafeAcceptance[],
  directive: string,
  keyword: string,
): boolean {
  const norm = (k: string) => (k.startsWith("'") ? k : `'${k}'`).toLowerCase();
  return list.some((a) => a.directive === directive && norm(a.keyword) === keyword);
}

/**
 * Plan removals for the base's sources: unsafe keywords not explicitly accepted, loose sources (`*`,
 * http:, https:, ws:, wss:) and rule-3 violations (replaced by the specific sources reports show),
 * hashes that failed verification, and — when dropUnused — sources no report in the window matched.
 * 'self', 'none', nonces and other keywords are kept.
 */
export function planBaseSources(
  plan: Plan,
  base: Policy,
  groups: readonly PolicyGroup[],
  ctx: PruneContext,
): void {
  // The groups each directive of the base governs (in `groups` order), looked up once per reported name.
  const governingOf = new Map<string, string | undefined>();
  const governedBy = new Map<string, PolicyGroup[]>();
  for (const g of groups) {
    const checked = checkedDirective(g);
    let name = governingOf.get(checked);
    if (name === undefined && !governingOf.has(checked))
      governingOf.set(checked, (name = effectiveDirective(base, checked)?.name));
    if (name === undefined) continue;
    const list = governedBy.get(name);
    if (list) list.push(g);
    else governedBy.set(name, [g]);
  }
  // Each group's URLs and page origin, worked out once.
  const cache = new Map<PolicyGroup, { urls: readonly URL[]; self: URL | null }>();
  const urlsAndSelf = (g: PolicyGroup) => {
    let u = cache.get(g);
    if (!u) {
      u = { urls: ctx.urlsOf ? ctx.urlsOf(g) : groupUrls(g), self: selfOf(g) };
      cache.set(g, u);
    }
    return u;
  };
  for (const d of base.directives) {
    if (!isFetchDirective(d.name)) continue;
    // The groups this directive governed: evidence for (or against) its sources.
    const governed = governedBy.get(d.name) ?? [];
    for (const raw of d.values) {
      const s = parsedSource(raw);
      if (s.kind === "keyword") {
        // 'unsafe-hashes' stays: it only widens hashes the user listed; inline and eval need acceptance.
        if (
          isUnsafeKeyword(s.keyword) &&
          s.keyword !== "'unsafe-hashes'" &&
          !isAcceptedUnsafe(ctx.acceptUnsafe, d.name, s.keyword)
        ) {
          const used = governed.filter((g) =>
            s.keyword === "'unsafe-eval'" ? g.blocked === "eval" : g.blocked === "inline",
          );
          plan.suggest(
            "remove",
            d.name,
            s.keyword,
            `${s.keyword} is never kept without explicit acceptance; accept the decision "${d.name} ${s.keyword}" to keep it`,
            used,
          );
          plan.decide(
            "unsafe-keyword",
            `${d.name} ${s.keyword}`,
            d.name,
            { add: [s.keyword] },
            {
              reason: `the base policy has ${s.keyword} in ${d.name}`,
              risk: `${s.keyword} weakens ${d.name} (csp_evaluator rates it high for scripts)`,
            },
            used,
          );
        }
        continue;
      }
      if (s.kind === "hash") {
        const source = `'${s.algorithm}-${s.value}'`;
        const failing = governed.filter(
          (g) =>
            g.blocked === "inline" &&
            g.samples.some((x) => isWholeSample(x.sample) && hashSource(x.sample, s.algorithm) === source) &&
            hashFailed(source, g, ctx.hashVersions),
        );
        if (failing.length > 0) {
          plan.suggest(
            "remove",
            d.name,
            source,
            "the hash failed verification: its inline code kept reporting under the version that carried it; use a nonce",
            failing,
          );
        }
        continue;
      }
      if (s.kind === "nonce" || s.kind === "invalid") continue;
      const matches = (g: PolicyGroup) => {
        const { urls, self } = urlsAndSelf(g);
        return urls.some((u) => urlMatchesParsedSource(u, s, self));
      };
      const loose =
        s.kind === "wildcard" ||
        (s.kind === "scheme" && LOOSE_SCHEMES.has(s.scheme)) ||
        (s.kind === "host" && s.host === "*");
      const forbidden = isForbidden(d.name, raw);
      if (forbidden || loose) {
        plan.suggest(
          "remove",
          d.name,
          raw,
          forbidden
            ? `${raw} is never allowed in ${d.name} (it allows scripts from anywhere)`
            : `${raw} is too broad: replaced by 'self' and the specific sources the reports show`,
          governed.filter(matches),
        );
      } else if (ctx.dropUnused && !governed.some(matches)) {
        // Unused needs no matching group, not all of them: 'self' under default-src parsed every group's page per
        // build (~6 ms at 20,000 groups, 2026-12-07).
        plan.suggest(
          "remove",
          d.name,
          raw,
          "no report in the window matched it; reports only show what a policy blocked, so if the deployed policy " +
            "already allows this source and it is still used, reject this suggestion",
        );
      }
    }
  }
}
