// Time-range picker: presets or a custom window (datetime-local inputs in the viewer's zone).
import { useId, useState } from "react";
import { RANGE_PRESETS, type RangePreset, type TimeRange } from "../lib/range.ts";
import { fromLocalInput, toLocalInput } from "../lib/format.ts";

export function TimeRangePicker({
  range,
  onChange,
}: {
  range: TimeRange;
  onChange: (r: { preset: RangePreset | "custom"; since?: number; until?: number }) => void;
}) {
  const id = useId();
  const [custom, setCustom] = useState(range.preset === "custom");
  const [since, setSince] = useState(toLocalInput(range.since));
  const [until, setUntil] = useState(toLocalInput(range.until));
  const [error, setError] = useState<string | null>(null);

  const apply = () => {
    const s = fromLocalInput(since);
    const u = fromLocalInput(until);
    if (s === null || u === null) return setError("Enter both dates.");
    if (s >= u) return setError("The start must be before the end.");
    setError(null);
    onChange({ preset: "custom", since: s, until: u });
  };

  return (
    <div className="range-picker">
      <label htmlFor={`${id}-preset`} className="field-label-inline">
        Time range
      </label>
      <select
        id={`${id}-preset`}
        value={custom ? "custom" : range.preset}
        onChange={(e) => {
          const v = e.target.value;
          if (v === "custom") {
            setCustom(true);
            setSince(toLocalInput(range.since));
            setUntil(toLocalInput(range.until));
          } else {
            setCustom(false);
            onChange({ preset: v as RangePreset });
          }
        }}
      >
        {RANGE_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom…</option>
      </select>
      {custom ? (
        <span className="range-custom">
          <label htmlFor={`${id}-since`}>From</label>
          <input
            id={`${id}-since`}
            type="datetime-local"
            value={since}
            onChange={(e) => setSince(e.target.value)}
          />
          <label htmlFor={`${id}-until`}>To</label>
          <input
            id={`${id}-until`}
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
          />
          <button type="button" className="btn btn-small" onClick={apply}>
            Apply
          </button>
          {error ? (
            <span className="form-error" role="alert">
              {error}
            </span>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}
