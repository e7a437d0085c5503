// The create / edit dialog of an alert rule: kind, channels, minimum count, quiet period and the kind's parameters,
// each error under its field; "Preview" replays the draft over the last 7 days before it is saved.
import { useId, useState, type ReactNode } from "react";
import type {
  AlertChannelDto,
  AlertRuleDto,
  AlertRuleInput,
  AlertRulePreviewDto,
} from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import {
  KIND_PARAMS,
  MIN_COUNT_HINT,
  WEEKDAYS,
  newRuleDraft,
  ruleDraftOf,
  ruleInputOf,
  withKind,
  type RuleDraft,
  type RuleErrors,
  type RuleField,
} from "../lib/alert-rule-form.ts";
import { ALERT_RULE_KINDS, CHANNEL_KIND_TEXT, RULE_KIND_TEXT } from "../lib/alerts-vocabulary.ts";
import { Dialog } from "./Dialog.tsx";
import { FormError } from "./State.tsx";
import { Untrusted } from "./Untrusted.tsx";
import { AlertPreview } from "./AlertPreview.tsx";

function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (aria: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}) {
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(error ? { "aria-invalid": true as const } : {}),
        ...(described ? { "aria-describedby": described } : {}),
      })}
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

export function AlertRuleForm({
  rule,
  channels,
  onClose,
  onSaved,
}: {
  /** The rule to edit; a new rule when absent. */
  rule?: AlertRuleDto;
  channels: AlertChannelDto[];
  onClose: () => void;
  onSaved: (rule: AlertRuleDto) => void;
}) {
  const api = useApi();
  const { project } = useProject();
  const id = useId();
  const [draft, setDraft] = useState<RuleDraft>(() =>
    rule ? ruleDraftOf(rule) : newRuleDraft(channels.map((c) => c.id)),
  );
  const [errors, setErrors] = useState<RuleErrors>({});
  const [failure, setFailure] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<AlertRulePreviewDto | null>(null);
  const uses = new Set(KIND_PARAMS[draft.kind]);
  const minCountHint = MIN_COUNT_HINT[draft.kind];

  const set = (patch: Partial<RuleDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setPreview(null);
    // An edited field's error goes away with the edit; the others stay until the next submit.
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))) as RuleErrors);
  };
  const checked = (forPreview: boolean): AlertRuleInput | null => {
    const r = ruleInputOf(draft, { forPreview });
    if ("errors" in r) {
      setErrors(r.errors);
      return null;
    }
    setErrors({});
    return r.input;
  };
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await work();
    } catch (err) {
      setFailure(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const save = () => {
    const input = checked(false);
    if (!input) return;
    void run(async () => {
      const { kind: _kind, ...patch } = input;
      onSaved(
        rule
          ? await api.updateAlertRule(project.id, rule.id, patch)
          : await api.createAlertRule(project.id, input),
      );
    });
  };
  const runPreview = () => {
    const input = checked(true);
    if (!input) return;
    void run(async () => setPreview(await api.previewAlertRule(project.id, input)));
  };
  const f = (k: RuleField) => `${id}-${k}`;

  return (
    <Dialog
      title={rule ? `Edit the “${RULE_KIND_TEXT[rule.kind].label}” rule` : "New alert rule"}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn" disabled={busy} onClick={runPreview}>
            Preview last 7 days
          </button>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={save}>
            {rule ? "Save rule" : "Create rule"}
          </button>
        </>
      }
    >
      <form
        className="rule-form"
        aria-label={rule ? "Edit alert rule" : "New alert rule"}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-kind`}>Alert when</label>
          <select
            id={`${id}-kind`}
            value={draft.kind}
            disabled={Boolean(rule)}
            aria-describedby={`${id}-kind-hint`}
            onChange={(e) => {
              const next = withKind(draft, e.target.value as RuleDraft["kind"]);
              set({ kind: next.kind, minCount: next.minCount, quietMinutes: next.quietMinutes });
            }}
          >
            {ALERT_RULE_KINDS.map((k) => (
              <option key={k} value={k}>
                {RULE_KIND_TEXT[k].label}
              </option>
            ))}
          </select>
          <p className="field-hint" id={`${id}-kind-hint`}>
            {RULE_KIND_TEXT[draft.kind].help}
            {rule ? " The kind of a saved rule cannot change: create another rule instead." : ""}
          </p>
        </div>

        <fieldset
          className="field channel-choice"
          aria-invalid={errors.channels ? true : undefined}
          aria-describedby={errors.channels ? `${f("channels")}-error` : undefined}
        >
          <legend>Send to</legend>
          {channels.length === 0 ? (
            <p className="muted">No channel yet: create one on the Alert channels page first.</p>
          ) : (
            channels.map((c) => (
              <div key={c.id} className="field-check">
                <input
                  type="checkbox"
                  id={`${id}-ch-${c.id}`}
                  checked={draft.channels.includes(c.id)}
                  onChange={(e) =>
                    set({
                      channels: e.target.checked
                        ? [...draft.channels, c.id]
                        : draft.channels.filter((x) => x !== c.id),
                    })
                  }
                />
                <label htmlFor={`${id}-ch-${c.id}`}>
                  <Untrusted text={c.name} /> <span className="muted">({CHANNEL_KIND_TEXT[c.kind]})</span>
                </label>
              </div>
            ))
          )}
          {errors.channels ? (
            <p className="field-error" id={`${f("channels")}-error`}>
              {errors.channels}
            </p>
          ) : null}
        </fieldset>

        <div className="grid-2 form-grid">
          {minCountHint ? (
            <Field id={f("minCount")} label="Minimum count" hint={minCountHint} error={errors.minCount}>
              {(a) => (
                <input
                  {...a}
                  inputMode="numeric"
                  value={draft.minCount}
                  onChange={(e) => set({ minCount: e.target.value })}
                />
              )}
            </Field>
          ) : null}
          {draft.kind === "digest" ? null : (
            <Field
              id={f("quietMinutes")}
              label="Quiet period (minutes)"
              hint={
                draft.kind === "silence" || draft.kind === "quota" || draft.kind === "policy-drift"
                  ? "No second alert for the project within this time."
                  : "No second alert for the same group within this time."
              }
              error={errors.quietMinutes}
            >
              {(a) => (
                <input
                  {...a}
                  inputMode="numeric"
                  value={draft.quietMinutes}
                  onChange={(e) => set({ quietMinutes: e.target.value })}
                />
              )}
            </Field>
          )}
        </div>

        {uses.has("directives") ? (
          <Field
            id={f("directives")}
            label="Only these directives"
            hint="Separated by commas, e.g. script-src-elem, connect-src. Empty: every directive."
            error={errors.directives}
          >
            {(a) => (
              <input
                {...a}
                value={draft.directives}
                placeholder="all directives"
                onChange={(e) => set({ directives: e.target.value })}
              />
            )}
          </Field>
        ) : null}
        {uses.has("under") ? (
          <div className="field">
            <label htmlFor={`${id}-under`}>When</label>
            <select
              id={`${id}-under`}
              value={draft.under}
              onChange={(e) => set({ under: e.target.value === "enforced" ? "enforced" : "any" })}
            >
              <option value="any">Always</option>
              <option value="enforced">Only while a version is enforced</option>
            </select>
          </div>
        ) : null}
        {uses.has("days") ? (
          <Field
            id={f("days")}
            label="Days without enforce reports"
            hint="The group had no enforce report in this many days before."
            error={errors.days}
          >
            {(a) => (
              <input
                {...a}
                inputMode="numeric"
                value={draft.days}
                onChange={(e) => set({ days: e.target.value })}
              />
            )}
          </Field>
        ) : null}
        {uses.has("factor") ? (
          <Field
            id={f("factor")}
            label="Factor"
            hint="The last hour above this many times the hourly average of the previous 24 hours (20 is csper's)."
            error={errors.factor}
          >
            {(a) => (
              <input
                {...a}
                inputMode="decimal"
                value={draft.factor}
                onChange={(e) => set({ factor: e.target.value })}
              />
            )}
          </Field>
        ) : null}
        {uses.has("hours") ? (
          <Field
            id={f("hours")}
            label="Hours without reports"
            hint="Only while a version is report-only or enforced."
            error={errors.hours}
          >
            {(a) => (
              <input
                {...a}
                inputMode="numeric"
                value={draft.hours}
                onChange={(e) => set({ hours: e.target.value })}
              />
            )}
          </Field>
        ) : null}
        {uses.has("levels") ? (
          <Field
            id={f("levels")}
            label="Percentages of the daily cap"
            hint="Separated by commas, e.g. 80, 100."
            error={errors.levels}
          >
            {(a) => <input {...a} value={draft.levels} onChange={(e) => set({ levels: e.target.value })} />}
          </Field>
        ) : null}
        {uses.has("period") ? (
          <div className="grid-2 form-grid">
            <div className="field">
              <label htmlFor={`${id}-period`}>Every</label>
              <select
                id={`${id}-period`}
                value={draft.period}
                onChange={(e) => set({ period: e.target.value === "weekly" ? "weekly" : "daily" })}
              >
                <option value="daily">Day</option>
                <option value="weekly">Week</option>
              </select>
            </div>
            {draft.period === "weekly" ? (
              <Field id={f("weekday")} label="On" error={errors.weekday}>
                {(a) => (
                  <select {...a} value={draft.weekday} onChange={(e) => set({ weekday: e.target.value })}>
                    {WEEKDAYS.map((w, i) => (
                      <option key={w} value={String(i)}>
                        {w}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null}
            <Field id={f("hour")} label="At hour (UTC)" hint="0 to 23." error={errors.hour}>
              {(a) => (
                <input
                  {...a}
                  inputMode="numeric"
                  value={draft.hour}
                  onChange={(e) => set({ hour: e.target.value })}
                />
              )}
            </Field>
          </div>
        ) : null}
        <div className="field field-check">
          <input
            type="checkbox"
            id={`${id}-enabled`}
            checked={draft.enabled}
            onChange={(e) => set({ enabled: e.target.checked })}
          />
          <label htmlFor={`${id}-enabled`}>Enabled</label>
        </div>
      </form>
      <FormError error={failure} />
      {preview ? <AlertPreview preview={preview} /> : null}
    </Dialog>
  );
}
