// Evidence for an assessor: the inventory with reviews and the change log of a chosen period, as CSV or JSON.
import { useId, useState } from "react";
import { useApi } from "../../hooks/api.tsx";
import { downloadText } from "../../components/CopyButton.tsx";
import { FormError } from "../../components/State.tsx";

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The export's period as the API takes it: `since` at 00:00 UTC of the first day, `until` at the end of the last. */
export function exportPeriod(since: string, until: string): { since: string; until: string } | string {
  const a = Date.parse(`${since}T00:00:00Z`);
  const b = Date.parse(`${until}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b)) return "Choose a first and a last day.";
  if (a > b) return "The first day must not be after the last day.";
  return { since: new Date(a).toISOString(), until: new Date(b + DAY).toISOString() };
}

export function ScriptsExport({ projectId, now = Date.now() }: { projectId: string; now?: number }) {
  const api = useApi();
  const id = useId();
  const [format, setFormat] = useState<"csv" | "json">("csv");
  const [since, setSince] = useState(isoDay(now - 90 * DAY));
  const [until, setUntil] = useState(isoDay(now));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string | null>(null);
  const run = () => {
    const period = exportPeriod(since, until);
    if (typeof period === "string") return setError(period);
    setBusy(true);
    setError(null);
    api.exportScripts(projectId, { format, ...period }).then(
      (text) => {
        setBusy(false);
        downloadText(
          `scripts-${since}-${until}.${format}`,
          text,
          format === "csv" ? "text/csv" : "application/json",
        );
      },
      (e: unknown) => {
        setBusy(false);
        setError(e instanceof Error ? e : String(e));
      },
    );
  };
  return (
    <div className="card">
      <h3 className="card-title">Export the inventory</h3>
      <p className="hint">
        Every script with its hashes, pages, status and justification, and the change log of the period: the
        evidence an assessor asks for (PCI DSS 6.4.3 and 11.6.1).
      </p>
      <form
        className="export-options"
        aria-label="Export the inventory"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-format`}>Format</label>
          <select
            id={`${id}-format`}
            value={format}
            onChange={(e) => setFormat(e.target.value === "json" ? "json" : "csv")}
          >
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-since`}>First day (UTC)</label>
          <input id={`${id}-since`} type="date" value={since} onChange={(e) => setSince(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Last day (UTC)</label>
          <input id={`${id}-until`} type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
        </div>
        <div className="field field-action">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? "Exporting…" : `Download ${format.toUpperCase()}`}
          </button>
        </div>
      </form>
      <FormError error={error} />
    </div>
  );
}
