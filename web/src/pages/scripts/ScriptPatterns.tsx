// Versioned script URLs (#18): patterns Cinch suggests from the URLs seen (`/lib@1.2.3/x.js` → `/lib@*/x.js`), to
// accept so that each release is one inventory entry; a floating pattern's new hashes need no new review.
import { useId, useState } from "react";
import type { ScriptPatternsDto } from "../../../../server/contract.ts";
import { useApi } from "../../hooks/api.tsx";
import { useAsync } from "../../hooks/useAsync.ts";
import { Async, FormError } from "../../components/State.tsx";
import { Untrusted } from "../../components/Untrusted.tsx";
import { fmtDateTime } from "../../lib/format.ts";

export function ScriptPatternsView({
  data,
  busy,
  onAccept,
  onRemove,
}: {
  data: ScriptPatternsDto;
  busy: boolean;
  onAccept: (pattern: string, float: boolean) => void;
  onRemove: (patternId: number) => void;
}) {
  const id = useId();
  const [floating, setFloating] = useState<Record<string, boolean>>({});
  return (
    <>
      {data.suggestions.length > 0 ? (
        <ul className="script-list" aria-label="Suggested patterns">
          {data.suggestions.map((s, i) => (
            <li key={s.pattern}>
              <Untrusted className="mono break" text={s.pattern} />
              <div className="muted">
                Groups{" "}
                {s.examples.map((e, j) => (
                  <span key={e}>
                    {j > 0 ? ", " : ""}
                    <Untrusted className="break" text={e} />
                  </span>
                ))}
              </div>
              <div className="toolbar">
                <span className="field-check">
                  <input
                    id={`${id}-float-${i}`}
                    type="checkbox"
                    checked={floating[s.pattern] === true}
                    onChange={(e) => setFloating({ ...floating, [s.pattern]: e.target.checked })}
                  />
                  <label htmlFor={`${id}-float-${i}`}>New hashes need no review</label>
                </span>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy}
                  onClick={() => onAccept(s.pattern, floating[s.pattern] === true)}
                >
                  Group by this pattern
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No versioned URLs to group.</p>
      )}
      {data.patterns.length > 0 ? (
        <>
          <h4>Accepted patterns</h4>
          <ul className="script-list" aria-label="Accepted patterns">
            {data.patterns.map((p) => (
              <li key={p.id}>
                <Untrusted className="mono break" text={p.pattern} />
                {p.float ? <span className="badge">floats</span> : null}
                <div className="muted">
                  Accepted by <Untrusted text={p.acceptedBy} /> on {fmtDateTime(p.acceptedAt)}
                </div>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={busy}
                  onClick={() => onRemove(p.id)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

export function ScriptPatterns({ projectId, onChanged }: { projectId: string; onChanged: () => void }) {
  const api = useApi();
  const state = useAsync(() => api.scriptPatterns(projectId), [projectId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (run: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    run().then(
      () => {
        setBusy(false);
        state.reload();
        onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        setError((e as Error).message);
      },
    );
  };
  return (
    <div className="card">
      <h3 className="card-title">Versioned URLs</h3>
      <p className="hint">
        A script whose path carries its version (<code>/lib@1.2.3/x.js</code>) is a new entry at each release.
        Group such URLs by a pattern with <code>*</code> in place of the version.
      </p>
      <Async state={state} loadingLabel="Loading patterns…">
        {(data) => (
          <ScriptPatternsView
            data={data}
            busy={busy}
            onAccept={(pattern, float) => act(() => api.acceptScriptPattern(projectId, { pattern, float }))}
            onRemove={(patternId) => act(() => api.deleteScriptPattern(projectId, patternId))}
          />
        )}
      </Async>
      <FormError error={error} />
    </div>
  );
}
