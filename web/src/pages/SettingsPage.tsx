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

/** Validate a draft; returns the PATCH body or the list of problems (each naming the field). */
// The script inventory's settings (#18) are not on this form; the PATCH leaves them as stored.
export function patchOf(
  d: Draft,
): { name: string; settings: Omit<ProjectSettingsDto, keyof ScriptSettingsDto> } | { errors: string[] } {
  const errors: string[] = [];
  const name = d.name.trim();
  if (!name || name.length > 100) errors.push("Name must be 1–100 characters.");
  const pct = Number(d.samplePercent);
  if (!(pct > 0 && pct <= 100)) errors.push("Sampling must be more than 0% and at most 100%.");
  const cap = Number(d.dailyCap);
  if (d.capEnabled && !(Number.isInteger(cap) && cap >= 0))
    errors.push("Daily cap must be a whole number ≥ 0.");
  const threshold = Number(d.evidenceThreshold);
  if (!(Number.isInteger(threshold) && threshold >= 1))
    errors.push("Evidence threshold must be a whole number ≥ 1.");
  const origins = lines(d.allowedOrigins);
  const bad = origins.filter((o) => !/^https?:\/\/[^/\s?#]+$/.test(o));
  if (bad.length) errors.push(`Not an origin (use https://host[:port], no path): ${bad.join(", ")}`);
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
      allowedOrigins: origins,
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
}: {
  label: string;
  hint?: string;
  children: ReactNode;
  id: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
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
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [moved, setMoved] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setSaved(false);
    setMoved(null);
    setD((x) => ({ ...x, [k]: v }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = patchOf(d);
    if ("errors" in body) return setError(body.errors.join(" "));
    setBusy(true);
    setError(null);
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
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const text = (k: keyof Draft) => ({
    id: `${id}-${k}`,
    value: String(d[k]),
    "aria-describedby": `${id}-${k}-hint`,
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
          <Field id={`${id}-name`} label="Name" hint="Shown in the dashboard only.">
            <input {...text("name")} maxLength={100} required />
          </Field>
        </fieldset>
        <fieldset className="card">
          <legend>Ignore rules</legend>
          <p className="hint">
            Matching reports are stored as noise, with the rule as their reason, and saving moves the stored
            groups a rule matches to noise (removing the rule moves them back). One entry per line.
          </p>
          <Field id={`${id}-hosts`} label="Blocked hosts" hint="e.g. ads.example.net — subdomains match too.">
            <textarea {...text("hosts")} rows={3} spellCheck={false} />
          </Field>
          <Field id={`${id}-schemes`} label="Blocked schemes" hint="e.g. moz-extension">
            <textarea {...text("schemes")} rows={2} spellCheck={false} />
          </Field>
          <Field
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
            id={`${id}-allowedOrigins`}
            label="Allowed document origins"
            hint="When set, reports from pages on other origins are rejected. One origin per line, e.g. https://www.example.com"
          >
            <textarea {...text("allowedOrigins")} rows={3} spellCheck={false} />
          </Field>
          <Field
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
          <FormError error={error} />
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
