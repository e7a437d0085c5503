// After enforcement, blocked means suspect: what a group blocked in production asks for becomes a decision.
import type { Decision, Suggestion } from "./build-types.ts";
import type { PolicyGroup } from "./groups.ts";
import type { Plan } from "./plan.ts";

/**
 * Was the group blocked by an enforced policy? Reports with disposition `enforce` under a version that was
 * enforced (the `?v=N` tag; the current one or an earlier, retired one) mean the browser refused the resource on a real page: an injected ad, an XSS payload or a
 * skimmer looks exactly like this, so no count of such reports is evidence that the resource is wanted.
 */
export function blockedInProduction(g: PolicyGroup): boolean {
  return (g.enforcedReports ?? 0) > 0;
}

const SCRIPT = new Set(["script-src", "script-src-elem", "script-src-attr", "worker-src"]);
const FRAME = new Set(["frame-src", "child-src", "frame-ancestors"]);
const STYLE = new Set(["style-src", "style-src-elem", "style-src-attr"]);
const EXFILTRATION = new Set([
  "connect-src",
  "img-src",
  "media-src",
  "font-src",
  "manifest-src",
  "form-action",
]);

/** The risk of allowing `source` in `directive` when the enforced policy blocked it in production. */
export function blockedRisk(directive: string, source: string, version: number | undefined): string {
  const since = version === undefined ? "the enforced policy" : `enforced v${version}`;
  const head = `${since} blocked ${source} on real pages; nobody has shown it is yours.`;
  if (SCRIPT.has(directive))
    return `${head} Allowing it runs its code with your page's rights: injected scripts (XSS payloads, card skimmers, ad injectors from browser extensions) look exactly like this. Allow it only if your own team added it.`;
  if (directive === "object-src") return `${head} Plugins execute code; object-src stays 'none'.`;
  if (FRAME.has(directive))
    return `${head} Allowing it lets that origin be framed in your pages: fake login or payment forms are delivered this way. Allow it only if your own team added it.`;
  if (STYLE.has(directive))
    return `${head} Injected CSS can restyle forms to phish and read attribute values out with selectors. Allow it only if your own team added it.`;
  if (EXFILTRATION.has(directive))
    return `${head} Allowing it lets page data be sent to that origin: skimmers send stolen form data this way. Allow it only if your own team added it.`;
  return `${head} Allow it only if your own team added it.`;
}

/** The decision id of a suspect suggestion (distinct from the suggestion id, so accepting one is deliberate). */
export const blockedDecisionId = (suggestionId: string): string => `blocked ${suggestionId}`;

/**
 * Turn what the suspect groups asked for into decisions of kind "blocked-in-production" on `plan`: additions
 * (sources and hashes alike: an inline script blocked in production is the shape of an XSS payload) become one
 * decision each; refusals and the suspect plan's own decisions join the plan unchanged. Returns the ids of the
 * suggestions that were turned into decisions, so the main plan never applies them on evidence either.
 */
export function suspectDecisions(
  plan: Plan,
  suspect: Plan,
  groups: readonly PolicyGroup[],
  version: number | undefined,
): Set<string> {
  const blockedOf = new Map(groups.map((g) => [g.id, g.enforcedReports ?? 0]));
  const sinceOf = new Map(groups.map((g) => [g.id, g.blockedSince]));
  const ids = new Set<string>();
  for (const s of suspect.suggestions.values()) {
    if (s.action !== "add") {
      mergeSuggestion(plan, s);
      continue;
    }
    ids.add(s.id);
    const blocked = s.groupIds.reduce<number>((n, id) => n + (blockedOf.get(id) ?? 0), 0);
    // The first enforced version that blocked any of its groups (an earlier, now retired one included).
    const since =
      s.groupIds.reduce<number | undefined>((v, id) => {
        const g = sinceOf.get(id);
        return g === undefined ? v : v === undefined ? g : Math.min(v, g);
      }, undefined) ?? version;
    const d: Decision = {
      id: blockedDecisionId(s.id),
      kind: "blocked-in-production",
      directive: s.directive,
      add: [s.source],
      remove: [],
      reason: `blocked in production since v${since ?? "?"}: ${blocked} blocked report(s) on ${s.evidence.pages.length} page(s); ${s.reason}`,
      risk: blockedRisk(s.directive, s.source, since),
      evidence: s.evidence,
      groupIds: s.groupIds,
      accepted: false,
      blockedReports: blocked,
      ...(since !== undefined ? { blockedSince: since } : {}),
    };
    plan.decisions.set(d.id, d);
  }
  for (const d of suspect.decisions.values()) if (!plan.decisions.has(d.id)) plan.decisions.set(d.id, d);
  return ids;
}

function mergeSuggestion(plan: Plan, s: Suggestion): void {
  if (!plan.suggestions.has(s.id)) plan.suggestions.set(s.id, s);
}
