// The Install page's opt-in to the script inventory (#18): the project setting that puts 'report-sha384' into the
// policies Cinch serves and the install values, and the Integrity-Policy-Report-Only header to paste (HTTPS only).
import { useId, useState } from "react";
import { useApi } from "../../hooks/api.tsx";
import { useProject } from "../../hooks/project.tsx";
import { CodeBlock } from "../../components/CodeBlock.tsx";
import { FormError } from "../../components/State.tsx";
import { Link, pathFor } from "../../lib/router.tsx";

const INTEGRITY_HEADER = "Integrity-Policy-Report-Only:";

export function ScriptsInstallCard() {
  const api = useApi();
  const { project, setProject } = useProject();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const on = project.settings.reportScriptHashes;
  // The server adds the header line only when Cinch's public URL is HTTPS: report-to needs it.
  const integrity = project.install.headers.find((h) => h.startsWith(INTEGRITY_HEADER));
  const toggle = async (next: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const { reclassified: _r, ...p } = await api.updateProject(project.id, {
        settings: { reportScriptHashes: next },
      });
      setProject(p);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card">
      <h3 className="card-title">Script inventory (optional)</h3>
      <p>
        Chromium can report every script your pages load with its exact hash (<code>'report-sha384'</code> in{" "}
        <code>script-src</code>), and every script loaded without Subresource Integrity (
        <code>Integrity-Policy-Report-Only</code>). Cinch keeps them as the{" "}
        <Link to={pathFor("scripts", { id: project.id })}>Scripts</Link> inventory. Nothing is blocked.
      </p>
      <div className="field field-check">
        <input
          id={`${id}-hashes`}
          type="checkbox"
          checked={on}
          disabled={busy}
          onChange={(e) => void toggle(e.target.checked)}
        />
        <label htmlFor={`${id}-hashes`}>
          Report script hashes: add <code>'report-sha384'</code> to the script directive of the policies Cinch
          serves and of the headers above
        </label>
      </div>
      <FormError error={error} />
      {on && integrity ? (
        <CodeBlock id="install-integrity" label="Integrity-Policy-Report-Only" text={integrity} />
      ) : null}
      {on && !integrity ? (
        <p className="notice" role="note">
          Script reports travel only through <code>report-to</code>, which browsers use when both your page
          and Cinch are on HTTPS. Cinch's public URL is not HTTPS, so no Integrity-Policy-Report-Only header
          is offered and no script will be reported.
        </p>
      ) : null}
      {on ? (
        <p className="hint">
          HTTPS only: the page and Cinch must both be served over HTTPS. Reports arrive batched, within about
          a minute.
        </p>
      ) : null}
    </div>
  );
}
