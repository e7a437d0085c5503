// Authorize or reject a script with a written justification (PCI DSS 6.4.3 asks why each script is there).
import { useId, useState, type FormEvent } from "react";
import type { ScriptDetailDto, ScriptReviewStatus } from "../../../../server/contract.ts";
import { useApi } from "../../hooks/api.tsx";
import { FormError } from "../../components/State.tsx";

/** Below this many characters a justification says nothing an assessor can check. */
export const MIN_JUSTIFICATION = 10;
export const MAX_JUSTIFICATION = 2000;

export function ScriptReviewForm({
  projectId,
  script,
  onReviewed,
}: {
  projectId: string;
  script: ScriptDetailDto;
  onReviewed: (s: ScriptDetailDto) => void;
}) {
  const api = useApi();
  const id = useId();
  const [status, setStatus] = useState<ScriptReviewStatus>(
    script.status === "rejected" ? "rejected" : "authorized",
  );
  const [justification, setJustification] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const text = justification.trim();
    if (text.length < MIN_JUSTIFICATION)
      return setError(`Justification: say why, in at least ${MIN_JUSTIFICATION} characters.`);
    setError(null);
    setBusy(true);
    try {
      onReviewed(await api.reviewScript(projectId, script.id, { status, justification: text }));
      setJustification("");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="settings-form" aria-label="Review this script" onSubmit={(e) => void submit(e)}>
      <fieldset className="segmented-radio">
        <legend>Decision</legend>
        <label>
          <input
            type="radio"
            name={`${id}-status`}
            value="authorized"
            checked={status === "authorized"}
            onChange={() => setStatus("authorized")}
          />
          Authorize
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-status`}
            value="rejected"
            checked={status === "rejected"}
            onChange={() => setStatus("rejected")}
          />
          Reject
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-why`}>Justification</label>
        <textarea
          id={`${id}-why`}
          rows={3}
          maxLength={MAX_JUSTIFICATION}
          value={justification}
          aria-describedby={`${id}-why-hint`}
          onChange={(e) => setJustification(e.target.value)}
        />
        <p className="field-hint" id={`${id}-why-hint`}>
          Why the page needs it (or why not), as you would tell an assessor. Kept with your name and the time.
        </p>
      </div>
      <FormError error={error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {status === "authorized" ? "Authorize" : "Reject"}
        </button>
      </div>
    </form>
  );
}
