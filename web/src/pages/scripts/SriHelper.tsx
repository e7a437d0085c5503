// The SRI helper: for each script with one stable hash, the exact tag to paste (integrity + crossorigin), and the
// scripts still loaded without SRI with what to change.
import type { ScriptSriDto } from "../../../../server/contract.ts";
import { Link, pathFor } from "../../lib/router.tsx";
import { CopyButton } from "../../components/CopyButton.tsx";
import { Untrusted } from "../../components/Untrusted.tsx";
import { Async } from "../../components/State.tsx";
import { useApi } from "../../hooks/api.tsx";
import { useAsync } from "../../hooks/useAsync.ts";

export function SriHelperView({ projectId, sri }: { projectId: string; sri: ScriptSriDto }) {
  return (
    <>
      <h4>Tags to paste</h4>
      {sri.tags.length === 0 ? (
        <p className="muted">
          No script has exactly one stable hash yet: a tag needs a script the browser could hash and that has
          not changed.
        </p>
      ) : (
        <ul className="script-list" aria-label="SRI tags">
          {sri.tags.map((t) => (
            <li key={t.scriptId}>
              <pre className="code" tabIndex={0}>
                <code>
                  <Untrusted text={t.tag} />
                </code>
              </pre>
              <CopyButton text={t.tag} label="Copy tag" />
            </li>
          ))}
        </ul>
      )}
      <h4>Still without SRI</h4>
      {sri.missing.length === 0 ? (
        <p className="muted">No script is reported as loaded without SRI.</p>
      ) : (
        <ul className="script-list" aria-label="Scripts without SRI">
          {sri.missing.map((m) => (
            <li key={m.scriptId}>
              <Link className="break" to={pathFor("script", { id: projectId, sid: m.scriptId })}>
                <Untrusted text={m.url} />
              </Link>
              {m.reason ? (
                <>
                  {": "}
                  <Untrusted text={m.reason} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function SriHelper({ projectId }: { projectId: string }) {
  const api = useApi();
  const state = useAsync(() => api.scriptSri(projectId), [projectId]);
  return (
    <div className="card">
      <h3 className="card-title">Subresource Integrity</h3>
      <p className="hint">
        With <code>integrity</code> the browser refuses a script whose bytes changed. Cross-origin scripts
        also need <code>crossorigin="anonymous"</code> on the tag and <code>Access-Control-Allow-Origin</code>{" "}
        on their response.
      </p>
      <Async state={state} loadingLabel="Loading SRI tags…">
        {(sri) => <SriHelperView projectId={projectId} sri={sri} />}
      </Async>
    </div>
  );
}
