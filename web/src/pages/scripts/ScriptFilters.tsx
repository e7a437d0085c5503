// Filters of the Scripts page: status, origin, and three switches (payment pages, missing SRI, changed). They live
// in the URL, so a filtered inventory can be linked and survives a reload.
import { useEffect, useId, useState } from "react";
import type { ScriptQuery } from "../../api/client.ts";
import { useDebounced } from "../../hooks/useDebounced.ts";
import { isScriptStatus, SCRIPT_STATUSES, STATUS_TEXT } from "../../lib/scripts-vocabulary.ts";

/** The filter query of `params` (unknown values ignored). */
export function scriptQueryOf(params: URLSearchParams): ScriptQuery {
  const status = params.get("status");
  return {
    status: isScriptStatus(status) ? status : undefined,
    origin: params.get("origin") ?? undefined,
    payment: params.get("payment") === "1",
    missingSri: params.get("missingSri") === "1",
    changed: params.get("changed") === "1",
  };
}

/**
 * The origin a filter text names ("" for none), or null while it is not one yet: the API takes only
 * `scheme://host[:port]`, so a pasted script URL is cut to its origin and half-typed text waits.
 */
export function originOf(text: string): string | null {
  const t = text.trim();
  if (!t) return "";
  if (!/^https?:\/\/[^/\s?#]+/i.test(t)) return null;
  try {
    return new URL(t).origin;
  } catch {
    return null;
  }
}

const FLAGS = [
  { key: "payment", label: "Payment pages" },
  { key: "missingSri", label: "Missing SRI" },
  { key: "changed", label: "Changed" },
] as const;

export function ScriptFilters({
  query,
  onChange,
}: {
  query: ScriptQuery;
  /** URL parameters to merge: null removes one. */
  onChange: (update: Record<string, string | null>) => void;
}) {
  const id = useId();
  const [origin, setOrigin] = useState(query.origin ?? "");
  const settled = useDebounced(origin, 350);
  useEffect(() => setOrigin(query.origin ?? ""), [query.origin]);
  const typed = originOf(settled);
  useEffect(() => {
    if (typed !== null && typed !== (query.origin ?? "")) onChange({ origin: typed || null });
    // only the settled draft triggers an update
  }, [typed]);
  const active =
    (query.status ? 1 : 0) + (query.origin ? 1 : 0) + FLAGS.filter((f) => query[f.key] === true).length;
  return (
    <form role="search" aria-label="Filter scripts" onSubmit={(e) => e.preventDefault()}>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select
            id={`${id}-status`}
            value={query.status ?? ""}
            onChange={(e) => onChange({ status: e.target.value || null })}
          >
            <option value="">Any</option>
            {SCRIPT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_TEXT[s].label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-origin`}>Origin</label>
          <input
            id={`${id}-origin`}
            type="search"
            value={origin}
            placeholder="https://cdn.example.com"
            aria-invalid={originOf(origin) === null}
            aria-describedby={originOf(origin) === null ? `${id}-origin-hint` : undefined}
            onChange={(e) => setOrigin(e.target.value)}
            onKeyDown={(e) => {
              const o = originOf(origin);
              if (e.key === "Enter" && o !== null) onChange({ origin: o || null });
            }}
          />
          {originOf(origin) === null ? (
            <p className="field-hint" id={`${id}-origin-hint`}>
              An origin such as https://cdn.example.com
            </p>
          ) : null}
        </div>
        {active > 0 ? (
          <div className="field field-action">
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() =>
                onChange({ status: null, origin: null, payment: null, missingSri: null, changed: null })
              }
            >
              Clear {active} {active === 1 ? "filter" : "filters"}
            </button>
          </div>
        ) : null}
      </div>
      <fieldset className="segmented-radio">
        <legend>Only</legend>
        {FLAGS.map((f) => (
          <label key={f.key}>
            <input
              type="checkbox"
              checked={query[f.key] === true}
              onChange={(e) => onChange({ [f.key]: e.target.checked ? "1" : null })}
            />
            {f.label}
          </label>
        ))}
      </fieldset>
    </form>
  );
}
