// Bulk choices in the policy builder (#16: 23 cards and no bulk action): pick a directive or an origin, then
// include, leave out or clear every suggestion in it at once. Refused suggestions are never touched.
import { useId, useState } from "react";
import type { SuggestionDto } from "../../../server/contract.ts";
import { fmtInt } from "../lib/format.ts";
import { ignorableHost, type Choice } from "./SuggestionCard.tsx";

type Scope = { key: string; label: string; ids: string[] };

/** The scopes: one per directive, then one per host named by two or more suggestions. */
export function bulkScopes(suggestions: readonly SuggestionDto[]): Scope[] {
  const byDirective = new Map<string, SuggestionDto[]>();
  const byHost = new Map<string, SuggestionDto[]>();
  for (const s of suggestions) {
    if (s.action === "refuse") continue;
    byDirective.set(s.directive, [...(byDirective.get(s.directive) ?? []), s]);
    const host = ignorableHost(s);
    if (host) byHost.set(host, [...(byHost.get(host) ?? []), s]);
  }
  const scope = (key: string, label: string, list: SuggestionDto[]): Scope => ({
    key,
    label: `${label} (${fmtInt(list.length)})`,
    ids: list.map((s) => s.id),
  });
  return [
    ...[...byDirective].map(([d, list]) => scope(`d:${d}`, `Directive ${d}`, list)),
    ...[...byHost]
      .filter(([, list]) => list.length > 1)
      .map(([h, list]) => scope(`o:${h}`, `Origin ${h}`, list)),
  ];
}

export function BulkChoices({
  suggestions,
  onChoose,
}: {
  suggestions: readonly SuggestionDto[];
  onChoose: (ids: string[], c: Choice | undefined) => void;
}) {
  const id = useId();
  const scopes = bulkScopes(suggestions);
  const [key, setKey] = useState("");
  const [done, setDone] = useState("");
  const scope = scopes.find((s) => s.key === key) ?? scopes[0];
  if (!scope) return null;
  const act = (c: Choice | undefined, ids: string[], what: string) => {
    onChoose(ids, c);
    setDone(
      `${what}: ${fmtInt(ids.length)} ${ids.length === 1 ? "suggestion" : "suggestions"} in ${scope.label}.`,
    );
  };
  return (
    <div className="bulk" role="group" aria-label="Choose for many suggestions at once">
      <div className="field">
        <label htmlFor={id}>All suggestions in</label>
        <select id={id} value={scope.key} onChange={(e) => setKey(e.target.value)}>
          {scopes.map((s) => (
            <option key={s.key} value={s.key}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <div className="bulk-buttons">
        <button
          type="button"
          className="btn btn-small"
          title="Include every one of them, even below the evidence threshold"
          onClick={() => act("accept", scope.ids, "Included")}
        >
          Accept all
        </button>
        <button
          type="button"
          className="btn btn-small"
          title="Leave every one of them out of the candidate"
          onClick={() => act("reject", scope.ids, "Left out")}
        >
          Reject all
        </button>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          title="Forget your choices for them: the evidence threshold decides again"
          onClick={() => act(undefined, scope.ids, "Choices cleared")}
        >
          Clear choices
        </button>
      </div>
      <p className="bulk-done muted" role="status">
        {done}
      </p>
    </div>
  );
}
