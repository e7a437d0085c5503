// Project settings: name, ignore rules, sampling and daily cap, allowed document origins, evidence threshold.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import type {
  ProjectDto,
  ProjectSettingsDto,
  ReclassifiedDto,
  ScriptSettingsDto,
} from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useTitle } from "../hooks/useTitle.ts";
import { FormError } from "../components/State.tsx";
import { ApiError } from "../api/client.ts";
import { DangerZone } from "../components/DangerZone.tsx";
import { fmtInt } from "../lib/format.ts";

const lines = (s: string): string[] =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);

type Draft = {
  name: string;
  hosts: string;
  schemes: string;
  sampleContains: string;
  samplePercent: string;
  capEnabled: boolean;
  dailyCap: string;
  allowedOrigins: string;
  evidenceThreshold: string;
};

export function draftOf(p: ProjectDto): Draft {
  const s = p.settings;
  return {
    name: p.name,
    hosts: s.ignoreRules.hosts.join("\n"),
    schemes: s.ignoreRules.schemes.join("\n"),
    sampleContains: s.ignoreRules.sampleContains.join("\n"),
    samplePercent: String(Math.round(s.sampleRate * 1000) / 10),
    capEnabled: s.dailyCap !== null,
    dailyCap: s.dailyCap === null ? "" : String(s.dailyCap),
    allowedOrigins: s.allowedOrigins.join("\n"),
    evidenceThreshold: String(s.evidenceThreshold),
  };
}

/** A problem with one input of the form: the draft field it belongs to and the sentence to show there. */
export type FieldError = { field: keyof Draft | null; message: string };

/**
 * The form field a server error names (ApiError.where.field, a dotted path such as "settings.ignoreRules.hosts"
 * or "ignoreRules.hosts"), or null when it names none of them.
 */
export function draftFieldOf(path: string | undefined): keyof Draft | null {
  const p = (path ?? "").replace(/^settings\./, "");
  const map: Record<string, keyof Draft> = {
    name: "name",
    "ignoreRules.hosts": "hosts",
    "ignoreRules.schemes": "schemes",
    "ignoreRules.sampleContains": "sampleContains",
    sampleRate: "samplePercent",
    dailyCap: "dailyCap",
    allowedOrigins: "allowedOrigins",
    evidenceThreshold: "evidenceThreshold",
  };
  return Object.hasOwn(map, p) ? map[p]! : null;
}

/** Validate a draft; returns the PATCH body or the problems, each at its field and naming it. */
// The script inventory's settings (#18) are not on this form; the PATCH leaves them as stored.
export function patchOf(
  d: Draft,
): { name: string; settings: Omit<ProjectSettingsDto, keyof ScriptSettingsDto> } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const name = d.name.trim();
  if (!name || name.length > 100) errors.push({ field: "name", message: "Name must be 1–100 characters." });
  const pct = Number(d.samplePercent);
  if (!(pct > 0 && pct <= 100))
    errors.push({ field: "samplePercent", message: "Sampling must be more than 0% and at most 100%." });
  const cap = Number(d.dailyCap);
  if (d.capEnabled && !(Number.isInteger(cap) && cap >= 0))
    errors.push({ field: "dailyCap", message: "Daily cap must be a whole number ≥ 0." });
  const threshold = Number(d.evidenceThreshold);
  if (!(Number.isInteger(threshold) && threshold >= 1))
    errors.push({ field: "evidenceThreshold", message: "Evidence threshold must be a whole number ≥ 1." });
  // Line numbers count the lines as typed (blank ones too), so "line 2" is the second line the user sees.
  const originLines = d.allowedOrigins.split("\n");
  const badLine = originLines.findIndex((o) => o.trim() !== "" && !/^https?:\/\/[^/\s?#]+$/.test(o.trim()));
  if (badLine >= 0)
    errors.push({
      field: "allowedOrigins",
      message: `Allowed document origins, line ${badLine + 1}: use an origin like https://www.example.com (no path), not "${originLines[badLine]!.trim()}"`,
    });
  if (errors.length) return { errors };
  return {
    name,
    settings: {
      ignoreRules: {
        hosts: lines(d.hosts),
        schemes: lines(d.schemes),
        sampleContains: lines(d.sampleContains),
      },
      sampleRate: pct / 100,
      dailyCap: d.capEnabled ? cap : null,
      allowedOrigins: lines(d.allowedOrigins),
      evidenceThreshold: threshold,
    },
  };
}

const groupsAndReports = (m: { groups: number; reports: number }) =>
  `${fmtInt(m.groups)} ${m.groups === 1 ? "group" : "groups"} (${fmtInt(m.reports)} ${m.reports === 1 ? "report" : "reports"})`;

/**
 * What saving the ignore rules did to the stored groups (the PATCH answer's `reclassified`): groups a rule now
 * matches moved to noise and left the suggestions and the candidate; groups no rule matches any more came back.
 */
export function reclassifiedText(r: ReclassifiedDto): string {
  const parts: string[] = [];
  if (r.ignored.groups > 0)
    parts.push(
      `${groupsAndReports(r.ignored)} moved to noise: ${r.ignored.groups === 1 ? "it" : "they"} left the violations list, the suggestions and the candidate.`,
    );
  if (r.restored.groups > 0)
    parts.push(`${groupsAndReports(r.restored)} came back from noise: no rule matches them any more.`);
  return parts.length > 0
    ? parts.join(" ")
    : "No stored group matches the changed rules: they apply to new reports.";
}

const sameRules = (a: ProjectSettingsDto["ignoreRules"], b: ProjectSettingsDto["ignoreRules"]) =>
  JSON.stringify([a.hosts, a.schemes, a.sampleContains]) ===
  JSON.stringify([b.hosts, b.schemes, b.sampleContains]);

function Field({
  label,
  hint,
  children,
  id,
  error,
}: {
  label: string;
  hint?: string;
  children: ReactNode;
  id: string;
  /** The problem with this field, shown under it (the input points to it with aria-describedby). */
  error?: string;
}) {
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function SettingsPage() {
  const api = useApi();
  const { project, setProject } = useProject();
  useTitle("Settings", project.name);
  const id = useId();
  const [d, setD] = useState<Draft>(() => draftOf(project));
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const fieldError = (k: keyof Draft) => errors.find((e) => e.field === k)?.message;
  const formError =
    errors
      .filter((e) => e.field === null)
      .map((e) => e.message)
      .join(" ") || null;
  const [saved, setSaved] = useState(false);
  const [moved, setMoved] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setSaved(false);
    setErrors((es) => es.filter((e) => e.field !== k));
    setMoved(null);
    setD((x) => ({ ...x, [k]: v }));
  };

  /** Show problems at their fields and move focus to the first field with one. */
  const showErrors = (es: FieldError[]) => {
    setErrors(es);
    const first = es.find((e) => e.field !== null)?.field;
    if (first) setTimeout(() => document.getElementById(`${id}-${first}`)?.focus(), 0);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = patchOf(d);
    if ("errors" in body) return showErrors(body.errors);
    setBusy(true);
    setErrors([]);
    setMoved(null);
    try {
      const { reclassified, ...p } = await api.updateProject(project.id, body);
      setProject(p);
      setD(draftOf(p));
      setSaved(true);
      const changed = !sameRules(project.settings.ignoreRules, body.settings.ignoreRules);
      const counted = reclassified ? reclassified.ignored.groups + reclassified.restored.groups : 0;
      if (reclassified && (changed || counted > 0)) setMoved(reclassifiedText(reclassified));
    } catch (err) {
      // The server names the field and line it refused ("Blocked hosts, line 2: …"): shown at that field.
      const field = err instanceof ApiError ? draftFieldOf(err.where.field) : null;
      showErrors([{ field, message: (err as Error).message }]);
    } finally {
      setBusy(false);
    }
  };

  const text = (k: keyof Draft) => ({
    id: `${id}-${k}`,
    value: String(d[k]),
    "aria-describedby": fieldError(k) ? `${id}-${k}-error ${id}-${k}-hint` : `${id}-${k}-hint`,
    "aria-invalid": fieldError(k) ? true : undefined,
    onChange: (e: { target: { value: string } }) => set(k, e.target.value as never),
  });

  return (
    <section aria-labelledby="settings-title">
      <div className="page-head">
        <h2 id="settings-title">Settings</h2>
      </div>
      <form className="settings-form" onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="card">
          <legend>Project</legend>
          <Field
            error={fieldError("name")}
            id={`${id}-name`}
            label="Name"
            hint="Shown in the dashboard only."
          >
            <input {...text("name")} maxLength={100} required />
          </Field>
        </fieldset>
        <fieldset className="card">
          <legend>Ignore rules</legend>
          <p className="hint">
            Matching reports are stored as noise, with the rule as their reason, and saving moves the stored
            groups a rule matches to noise (removing the rule moves them back). One entry per line.
          </p>
          <Field
            error={fieldError("hosts")}
            id={`${id}-hosts`}
            label="Blocked hosts"
            hint="e.g. ads.example.net — subdomains match too."
          >
            <textarea {...text("hosts")} rows={3} spellCheck={false} />
          </Field>
          <Field
            error={fieldError("schemes")}
            id={`${id}-schemes`}
            label="Blocked schemes"
            hint="e.g. moz-extension"
          >
            <textarea {...text("schemes")} rows={2} spellCheck={false} />
          </Field>
          <Field
            error={fieldError("sampleContains")}
            id={`${id}-sampleContains`}
            label="Sample contains"
            hint="Script samples containing this text."
          >
            <textarea {...text("sampleContains")} rows={2} spellCheck={false} />
          </Field>
        </fieldset>
        <fieldset className="card">
          <legend>Volume</legend>
          <Field
            error={fieldError("samplePercent")}
            id={`${id}-samplePercent`}
            label="Store this share of reports (%)"
            hint="Noise is always counted; the rest is sampled."
          >
            <input
              {...text("samplePercent")}
              type="number"
              min={0.1}
              max={100}
              step={0.1}
              inputMode="decimal"
            />
          </Field>
          <div className="field field-check">
            <input
              id={`${id}-capEnabled`}
              type="checkbox"
              checked={d.capEnabled}
              onChange={(e) => set("capEnabled", e.target.checked)}
            />
            <label htmlFor={`${id}-capEnabled`}>Limit reports stored per day (UTC)</label>
          </div>
          {d.capEnabled ? (
            <Field
              error={fieldError("dailyCap")}
              id={`${id}-dailyCap`}
              label="Daily cap"
              hint="Further reports that day are counted as rejected."
            >
              <input {...text("dailyCap")} type="number" min={0} step={1} inputMode="numeric" />
            </Field>
          ) : null}
        </fieldset>
        <fieldset className="card">
          <legend>Sources</legend>
          <Field
            error={fieldError("allowedOrigins")}
            id={`${id}-allowedOrigins`}
            label="Allowed document origins"
            hint="When set, reports from pages on other origins are rejected. One origin per line, e.g. https://www.example.com"
          >
            <textarea {...text("allowedOrigins")} rows={3} spellCheck={false} />
          </Field>
          <Field
            error={fieldError("evidenceThreshold")}
            id={`${id}-evidenceThreshold`}
            label="Evidence threshold"
            hint="Fewest reports before the policy builder proposes a source."
          >
            <input {...text("evidenceThreshold")} type="number" min={1} step={1} inputMode="numeric" />
          </Field>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Saving…" : "Save settings"}
          </button>
          {saved ? (
            <span className="success" role="status">
              Saved.
            </span>
          ) : null}
          <FormError error={formError} />
          {errors.some((e) => e.field !== null) ? (
            <p className="form-error" role="alert">
              {errors.length === 1 ? "One field needs a change" : `${errors.length} fields need a change`}:{" "}
              {errors.map((e) => e.message).join(" ")}
            </p>
          ) : null}
        </div>
        {moved ? (
          <p className="notice notice-success" role="status" aria-label="Ignore rules applied">
            {moved}
          </p>
        ) : null}
      </form>
      <DangerZone project={project} onRotated={setProject} />
    </section>
  );
}
