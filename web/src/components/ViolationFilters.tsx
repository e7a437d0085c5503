// Filters of the violations explorer. Selects apply at once; text fields apply as the user pauses typing.
import { useEffect, useId, useState } from "react";
import { useDebounced } from "../hooks/useDebounced.ts";
import { COMMON_DIRECTIVES } from "../lib/directives.ts";
import { TRIAGE_STATES, TRIAGE_TEXT } from "../lib/alerts-vocabulary.ts";
import { fmtInt } from "../lib/format.ts";
import type { FilterValuesDto } from "../../../server/contract.ts";

export type FilterValues = {
  directive: string;
  disposition: string;
  version: string;
  env: string;
  page: string;
  text: string;
  /** A triage state (open, acknowledged, resolved, muted), or "" for any. */
  triage: string;
};

export const FILTER_KEYS = ["directive", "disposition", "version", "env", "page", "text", "triage"] as const;

function TextFilter({
  label,
  value,
  onChange,
  placeholder,
  inputMode,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
  inputMode?: "numeric" | "text" | "search";
}) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const settled = useDebounced(draft, 350);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (settled !== value) onChange(settled);
    // only the settled draft triggers an update
  }, [settled]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        inputMode={inputMode}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange(draft);
        }}
      />
    </div>
  );
}

/**
 * A filter offering the values seen in the window (with their report counts), plus the current value when it is
 * not among them (a permalink from another window keeps its filter).
 */
function SeenFilter({
  label,
  value,
  seen,
  show,
  onChange,
}: {
  label: string;
  value: string;
  seen: readonly { value: string; count: number }[];
  show: (v: string) => string;
  onChange: (v: string) => void;
}) {
  const id = useId();
  const options = seen.some((s) => s.value === value) || value === "" ? seen : [...seen, { value, count: 0 }];
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {show(o.value)} ({fmtInt(o.count)})
          </option>
        ))}
      </select>
    </div>
  );
}

export function ViolationFilters({
  values,
  directives,
  seen,
  onChange,
}: {
  values: FilterValues;
  /** Directive names seen in the data, merged with the common ones. */
  directives: readonly string[];
  /** Values seen in the window (GET /filter-values); without them version and environment are typed. */
  seen?: FilterValuesDto;
  onChange: (update: Partial<FilterValues>) => void;
}) {
  const id = useId();
  const options = [
    ...new Set([...directives, ...COMMON_DIRECTIVES, ...(values.directive ? [values.directive] : [])]),
  ];
  const active = FILTER_KEYS.filter((k) => values[k] !== "").length;
  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter violations"
      onSubmit={(e) => e.preventDefault()}
    >
      <div className="field">
        <label htmlFor={`${id}-directive`}>Directive</label>
        <select
          id={`${id}-directive`}
          value={values.directive}
          onChange={(e) => onChange({ directive: e.target.value })}
        >
          <option value="">All directives</option>
          {options.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-disposition`}>Disposition</label>
        <select
          id={`${id}-disposition`}
          value={values.disposition}
          onChange={(e) => onChange({ disposition: e.target.value })}
        >
          <option value="">Any</option>
          <option value="report">Report-only</option>
          <option value="enforce">Enforced</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-triage`}>Triage</label>
        <select
          id={`${id}-triage`}
          value={values.triage}
          onChange={(e) => onChange({ triage: e.target.value })}
        >
          <option value="">Any</option>
          {TRIAGE_STATES.map((s) => (
            <option key={s} value={s}>
              {TRIAGE_TEXT[s].label}
            </option>
          ))}
        </select>
      </div>
      {seen ? (
        <SeenFilter
          label="Policy version"
          value={values.version}
          // Version 0 is the server's "untagged"; env "" is untagged and cannot be asked for (""= any).
          seen={seen.versions.map((v) => ({ value: String(v.value), count: v.count }))}
          show={(v) => (v === "0" ? "untagged" : `v${v}`)}
          onChange={(v) => onChange({ version: v })}
        />
      ) : (
        <TextFilter
          label="Policy version"
          value={values.version}
          inputMode="numeric"
          placeholder="e.g. 3"
          onChange={(v) => onChange({ version: v.replace(/\D/g, "") })}
        />
      )}
      {seen ? (
        <SeenFilter
          label="Environment"
          value={values.env}
          seen={seen.environments.filter((e) => e.value !== "")}
          show={(v) => v}
          onChange={(v) => onChange({ env: v })}
        />
      ) : (
        <TextFilter
          label="Environment"
          value={values.env}
          placeholder="e.g. production"
          onChange={(v) => onChange({ env: v })}
        />
      )}
      <TextFilter
        label="Page contains"
        value={values.page}
        placeholder="/checkout"
        onChange={(v) => onChange({ page: v })}
      />
      <TextFilter
        label="Search"
        value={values.text}
        placeholder="Directive or blocked"
        onChange={(v) => onChange({ text: v })}
      />
      {active > 0 ? (
        <div className="field field-action">
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() =>
              onChange({
                directive: "",
                disposition: "",
                version: "",
                env: "",
                page: "",
                text: "",
                triage: "",
              })
            }
          >
            Clear {active} {active === 1 ? "filter" : "filters"}
          </button>
        </div>
      ) : null}
    </form>
  );
}
