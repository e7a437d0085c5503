// Violations compared between two versions: what a version broke, fixed, and still sees.
import { useId, useState } from "react";
import type { CompareDto, PolicyVersionDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { fmtInt } from "../lib/format.ts";
import { Link, pathFor } from "../lib/router.tsx";
import { FormError } from "./State.tsx";
import { Untrusted } from "./Untrusted.tsx";

export function VersionCompare({ projectId, versions }: { projectId: string; versions: PolicyVersionDto[] }) {
  const api = useApi();
  const id = useId();
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const [to, setTo] = useState(String(sorted[0]?.version ?? ""));
  const [from, setFrom] = useState(String(sorted[1]?.version ?? sorted[0]?.version ?? ""));
  const [result, setResult] = useState<CompareDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = () => {
    setBusy(true);
    setError(null);
    api.compareVersions(projectId, Number(from), Number(to)).then(
      (r) => {
        setResult(r);
        setBusy(false);
      },
      (e: unknown) => {
        setError(e as Error);
        setBusy(false);
      },
    );
  };
  const col = (title: string, hint: string, list: CompareDto["added"]) => (
    <div>
      <h4>
        {title} ({fmtInt(list.length)})
      </h4>
      <p className="hint">{hint}</p>
      {list.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="table table-compact">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">
                v{result?.from}
              </th>
              <th scope="col" className="num">
                v{result?.to}
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((g) => (
              <tr key={String(g.id)}>
                <td>
                  <Link to={pathFor("group", { id: projectId, gid: g.id })} className="mono break">
                    <Untrusted text={g.directive} /> <Untrusted text={g.blocked} />
                  </Link>
                </td>
                <td className="num">{fmtInt(g.countFrom)}</td>
                <td className="num">{fmtInt(g.countTo)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h3 className="card-title" id={`${id}-title`}>
        Compare violations between versions
      </h3>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-from`}>From version</label>
          <select id={`${id}-from`} value={from} onChange={(e) => setFrom(e.target.value)}>
            {sorted.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To version</label>
          <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value)}>
            {sorted.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn" disabled={busy || from === to}>
          {busy ? "Comparing…" : "Compare"}
        </button>
      </form>
      <FormError error={error} />
      {result ? (
        <div className="compare-cols" aria-live="polite">
          {col(
            "New",
            `Seen under v${result.to}, not under v${result.from}: what v${result.to} broke.`,
            result.added,
          )}
          {col("Resolved", `Seen under v${result.from} only: what v${result.to} fixed.`, result.resolved)}
          {col("Persisting", "Seen under both.", result.persisting)}
        </div>
      ) : null}
    </section>
  );
}
