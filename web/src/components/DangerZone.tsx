// The Settings page's danger zone: rotate the project's report key, delete the project. Each asks in a dialog
// first; deleting also asks for the project's name, typed.
import { useState } from "react";
import type { ProjectDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { navigate, ROUTES } from "../lib/router.tsx";
import { Dialog } from "./Dialog.tsx";
import { FormError } from "./State.tsx";

type Asking = "rotate" | "delete" | null;

export function DangerZone({
  project,
  onRotated,
}: {
  project: ProjectDto;
  /** The project with its new report key. */
  onRotated: (p: ProjectDto) => void;
}) {
  const api = useApi();
  const [asking, setAsking] = useState<Asking>(null);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<string | null>(null);

  const close = () => {
    if (busy) return;
    setAsking(null);
    setTyped("");
    setError(null);
  };
  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const rotate = () =>
    run(async () => {
      const p = await api.rotateReportKey(project.id);
      onRotated(p);
      setRotated(p.reportUri);
      setAsking(null);
    });
  const remove = () =>
    run(async () => {
      await api.deleteProject(project.id);
      setAsking(null);
      navigate(ROUTES.projects);
    });

  if (project.builtin) {
    return (
      <section className="card danger-zone" aria-labelledby="danger-zone-title">
        <h3 id="danger-zone-title" className="card-title">
          Danger zone
        </h3>
        <p className="hint">
          This built-in project receives the dashboard&apos;s own reports: it cannot be deleted and its report
          key cannot be rotated.
        </p>
      </section>
    );
  }

  return (
    <section className="card danger-zone" aria-labelledby="danger-zone-title">
      <h3 id="danger-zone-title" className="card-title">
        Danger zone
      </h3>
      <div className="form-actions">
        <p>
          <strong>Rotate the report key.</strong> The current key answers 410 Gone, so browsers stop sending
          to it; reports from pages still using it are lost until they get the new one.
        </p>
        <button type="button" className="btn btn-danger" onClick={() => setAsking("rotate")}>
          Rotate report key…
        </button>
      </div>
      {rotated ? (
        <p className="notice notice-success" role="status" aria-label="Report key rotated">
          New report URI: <code>{rotated}</code>. Update report-uri and Reporting-Endpoints on your site
          (Install shows both).
        </p>
      ) : null}
      <div className="form-actions">
        <p>
          <strong>Delete this project</strong> with all its reports, groups, samples, policy versions and
          alert rules. Its report key answers 410 Gone. This cannot be undone.
        </p>
        <button type="button" className="btn btn-danger" onClick={() => setAsking("delete")}>
          Delete project…
        </button>
      </div>
      {asking === "rotate" ? (
        <Dialog
          title={`Rotate the report key of ${project.name}?`}
          onClose={close}
          actions={
            <>
              <button type="button" className="btn" onClick={close} disabled={busy}>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={() => void rotate()} disabled={busy}>
                {busy ? "Rotating…" : "Rotate key"}
              </button>
            </>
          }
        >
          <p>
            Browsers sending to <code>{project.reportUri}</code> get 410 Gone and drop it. Deploy the new
            report URI wherever the old one is used.
          </p>
          <FormError error={error} />
        </Dialog>
      ) : null}
      {asking === "delete" ? (
        <Dialog
          title={`Delete ${project.name}?`}
          onClose={close}
          actions={
            <>
              <button type="button" className="btn" onClick={close} disabled={busy}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => void remove()}
                disabled={busy || typed !== project.name}
              >
                {busy ? "Deleting…" : "Delete project"}
              </button>
            </>
          }
        >
          <p>
            Everything this project holds is deleted: reports, groups, samples, policy versions and alert
            rules. Its report key answers 410 Gone.
          </p>
          <div className="field">
            <label htmlFor="danger-zone-confirm">Type the project&apos;s name to confirm</label>
            <input
              id="danger-zone-confirm"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <FormError error={error} />
        </Dialog>
      ) : null}
    </section>
  );
}
