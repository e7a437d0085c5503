// The inventory's project settings on the Scripts page: payment-page path patterns and the days after which an
// unseen script counts as gone. Saved with the project's PATCH (only these two fields are sent).
import { useId, useState, type FormEvent } from "react";
import { useApi } from "../../hooks/api.tsx";
import { useProject } from "../../hooks/project.tsx";
import { FormError } from "../../components/State.tsx";

const lines = (s: string): string[] =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);

/** Check the form; the settings patch, or the problems, each naming its field and line. */
export function inventoryPatch(
  pages: string,
  goneDays: string,
): { paymentPages: string[]; scriptGoneDays: number } | { errors: string[] } {
  const errors: string[] = [];
  const paymentPages = lines(pages);
  paymentPages.forEach((p, i) => {
    if (!/^\/[^\s?#]*$/.test(p))
      errors.push(
        `Payment pages, line ${i + 1}: use a path such as /checkout/* (no host, query or fragment).`,
      );
  });
  const days = Number(goneDays);
  if (!(Number.isInteger(days) && days >= 1 && days <= 365))
    errors.push("Gone after: a whole number of days from 1 to 365.");
  return errors.length > 0 ? { errors } : { paymentPages, scriptGoneDays: days };
}

export function InventorySettings() {
  const api = useApi();
  const { project, setProject } = useProject();
  const id = useId();
  const [pages, setPages] = useState(project.settings.paymentPages.join("\n"));
  const [goneDays, setGoneDays] = useState(String(project.settings.scriptGoneDays));
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const patch = inventoryPatch(pages, goneDays);
    if ("errors" in patch) return setErrors(patch.errors);
    setErrors([]);
    setBusy(true);
    try {
      const { reclassified: _r, ...p } = await api.updateProject(project.id, { settings: patch });
      setProject(p);
      setSaved(true);
    } catch (err) {
      setErrors([(err as Error).message]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card">
      <h3 className="card-title">Payment pages</h3>
      <form className="settings-form" aria-label="Inventory settings" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-pages`}>Payment page paths, one per line</label>
          <textarea
            id={`${id}-pages`}
            rows={3}
            value={pages}
            placeholder={"/checkout/*\n/pay"}
            aria-describedby={`${id}-pages-hint`}
            onChange={(e) => setPages(e.target.value)}
          />
          <p className="field-hint" id={`${id}-pages-hint`}>
            <code>*</code> matches any characters. Scripts seen on these pages are marked, can be filtered,
            and an event is logged when one runs there without SRI.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-gone`}>A script is gone after (days unseen)</label>
          <input
            id={`${id}-gone`}
            inputMode="numeric"
            value={goneDays}
            onChange={(e) => setGoneDays(e.target.value)}
          />
        </div>
        {errors.map((e) => (
          <FormError key={e} error={e} />
        ))}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Save
          </button>
          {saved ? (
            <span className="success" role="status">
              Saved.
            </span>
          ) : null}
        </div>
      </form>
    </div>
  );
}
