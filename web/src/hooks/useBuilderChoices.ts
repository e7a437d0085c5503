// The policy builder's choices kept in the URL (#16: they vanished on reload and after following an evidence
// link): `accept`, `reject` and `ignore` hold suggestion ids, `risk` the accepted risky decisions, each a list
// joined by newlines (ids are "<action> <directive> <source>"; a CSP source never holds a newline). Replacing
// the URL (not pushing) keeps Back meaning "the page before the builder".
import { useMemo } from "react";
import { useSearchParams } from "../lib/router.tsx";
import type { Choice } from "../components/SuggestionCard.tsx";

const KEYS: readonly Choice[] = ["accept", "reject", "ignore"];
const SEP = "\n";

const listOf = (v: string | null): string[] => (v ? v.split(SEP).filter(Boolean) : []);

/** Choices from URL parameters (later keys win when an id appears twice). */
export function choicesFromParams(params: URLSearchParams): {
  choices: Record<string, Choice>;
  decisions: string[];
} {
  const choices: Record<string, Choice> = {};
  for (const k of KEYS) for (const id of listOf(params.get(k))) choices[id] = k;
  return { choices, decisions: [...new Set(listOf(params.get("risk")))] };
}

/** URL parameters for choices (null removes a key). */
export function choicesToParams(
  choices: Record<string, Choice>,
  decisions: readonly string[],
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of KEYS) {
    const ids = Object.keys(choices).filter((id) => choices[id] === k);
    out[k] = ids.length ? ids.join(SEP) : null;
  }
  out.risk = decisions.length ? decisions.join(SEP) : null;
  return out;
}

/** The builder's choices and setters, read from and written to the page URL. */
export function useBuilderChoices() {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const { choices, decisions } = useMemo(() => choicesFromParams(params), [search]);
  const write = (c: Record<string, Choice>, d: readonly string[]) => setParams(choicesToParams(c, d));
  // Read at the moment of the change, not from the last render: two quick changes (or one after an await)
  // must not undo each other.
  const current = () => choicesFromParams(new URLSearchParams(window.location.search));
  return {
    choices,
    decisions,
    /** Set (or with undefined clear) the choice of each id. */
    choose(ids: readonly string[], c: Choice | undefined) {
      const now = current();
      const drop = new Set(ids);
      const next = Object.fromEntries(Object.entries(now.choices).filter(([id]) => !drop.has(id)));
      if (c) for (const id of ids) next[id] = c;
      write(next, now.decisions);
    },
    setDecision(id: string, accepted: boolean) {
      const now = current();
      write(
        now.choices,
        accepted ? [...new Set([...now.decisions, id])] : now.decisions.filter((x) => x !== id),
      );
    },
    reset() {
      write({}, []);
    },
  };
}
