// Deploy pipeline: the public, read-only URL that serves what is deployed (enforced, report-only or both, per its
// `state` parameter), and a way to rotate its key.
import { useState } from "react";
import { useApi } from "../hooks/api.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { CodeBlock } from "./CodeBlock.tsx";
import { ErrorState, Loading } from "./State.tsx";

export function PipelineCard({ projectId }: { projectId: string }) {
  const api = useApi();
  const key = useAsync(() => api.policyKey(projectId), [projectId]);
  const [confirming, setConfirming] = useState(false);
  const [rotateError, setRotateError] = useState<string | null>(null);

  const rotate = async () => {
    setRotateError(null);
    try {
      await api.rotatePolicyKey(projectId);
      setConfirming(false);
      key.reload();
    } catch (err) {
      setRotateError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="card">
      <h3 className="card-title">Deploy pipeline</h3>
      <p className="hint">
        Your deploy pipeline fetches what is deployed from this read-only URL, the same as the default export:
        the enforced version and the report-only candidate beside it (two headers), each tagged{" "}
        <code>?v=N</code>. Its <code>state</code> parameter picks one: <code>&amp;state=enforced</code> for
        the enforced version only, <code>&amp;state=report-only</code> for the report-only one,{" "}
        <code>&amp;state=both</code> (the default) for both; add <code>&amp;format=nginx</code> or another
        format. Anyone with the URL can read the policy, nothing else.
      </p>
      {key.error ? (
        <ErrorState error={key.error} retry={key.reload} title="The policy URL could not load" />
      ) : key.data === undefined ? (
        <Loading label="Loading the policy URL…" />
      ) : (
        <CodeBlock id="pipeline-url" label="Policy URL" text={key.data.url} />
      )}
      {confirming ? (
        <div className="toolbar" role="group" aria-label="Confirm rotating the policy key">
          <span>The current URL stops working at once.</span>
          <button type="button" className="btn btn-small btn-danger" onClick={() => void rotate()}>
            Rotate key now
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => setConfirming(true)}>
          Rotate key…
        </button>
      )}
      {rotateError ? <p className="form-error">{rotateError}</p> : null}
    </div>
  );
}
