// The builder's accumulator: suggestions and decisions keyed by stable id, merging evidence per group.
import type { Decision, DecisionKind, Suggestion, SuggestionAction } from "./build-types.ts";
import { addEvidence, emptyEvidence } from "./evidence.ts";
import type { PolicyGroup } from "./groups.ts";

/** The stable id of a suggestion: `${directive} ${source}`, removals `${directive} -${source}`. */
export function suggestionId(action: SuggestionAction, directive: string, source: string): string {
  return action === "remove" ? `${directive} -${source}` : `${directive} ${source}`;
}

/** Suggestions and decisions being collected for one build. */
export class Plan {
  readonly suggestions = new Map<string, Suggestion>();
  readonly decisions = new Map<string, Decision>();

  /** Record (or merge into) a suggestion; `group` adds its evidence. */
  suggest(
    action: SuggestionAction,
    directive: string,
    source: string,
    reason: string,
    groups: readonly PolicyGroup[] = [],
    verify = false,
  ): Suggestion {
    const id = suggestionId(action, directive, source);
    let s = this.suggestions.get(id);
    if (!s) {
      s = { id, directive, source, action, reason, evidence: emptyEvidence(), groupIds: [], applied: false };
      if (verify) s.verify = true;
      this.suggestions.set(id, s);
    }
    for (const g of groups) {
      if (s.groupIds.includes(g.id)) continue;
      s.groupIds.push(g.id);
      addEvidence(s.evidence, g);
    }
    return s;
  }

  /** Record (or merge into) a decision left to the user. */
  decide(
    kind: DecisionKind,
    id: string,
    directive: string,
    change: { add: string[]; remove?: string[] },
    text: { reason: string; risk: string },
    groups: readonly PolicyGroup[] = [],
  ): Decision {
    let d = this.decisions.get(id);
    if (!d) {
      d = {
        id,
        kind,
        directive,
        add: change.add,
        remove: change.remove ?? [],
        reason: text.reason,
        risk: text.risk,
        evidence: emptyEvidence(),
        groupIds: [],
        accepted: false,
      };
      this.decisions.set(id, d);
    }
    for (const g of groups) {
      if (d.groupIds.includes(g.id)) continue;
      d.groupIds.push(g.id);
      addEvidence(d.evidence, g);
    }
    return d;
  }
}
