// Instance-wide alert channels: list, create (webhook, Slack, email), a generated webhook secret shown once with a
// copy button, "Send a test" with what the receiver answered, delete.
import { useId, useState, type FormEvent } from "react";
import type {
  AlertChannelDto,
  AlertChannelInput,
  AlertChannelKind,
  AlertChannelTestDto,
} from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { ALERT_CHANNEL_KINDS, CHANNEL_KIND_TEXT } from "../lib/alerts-vocabulary.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Async, Empty, FormError } from "../components/State.tsx";
import { CodeBlock } from "../components/CodeBlock.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { showBidiControls, Untrusted } from "../components/Untrusted.tsx";

type Draft = { name: string; kind: AlertChannelKind; url: string; to: string; secret: string };
type Field = "name" | "url" | "to" | "secret";
type Errors = Partial<Record<Field, string>>;
type TestResult = AlertChannelTestDto | "sending" | Error;

const EMPTY: Draft = { name: "", kind: "webhook", url: "", to: "", secret: "" };
// A practical address check (the server's is the authority): something@host.tld, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const URL_HINT: Record<Exclude<AlertChannelKind, "email">, string> = {
  webhook:
    "Cinch POSTs signed JSON here (X-Cinch-Signature: sha256=…). https:// unless it is your own network.",
  slack:
    "A Slack incoming-webhook URL (Microsoft Teams and Discord webhooks that take Slack's format work too).",
};

/** Validate the create form into the API's body, or say per field what is wrong. */
export function channelInputOf(d: Draft): { input: AlertChannelInput } | { errors: Errors } {
  const errors: Errors = {};
  const name = d.name.trim();
  if (!name) errors.name = "Enter a name to recognise the channel by, e.g. “ops webhook”.";
  else if (name.length > 100) errors.name = `Name must be at most 100 characters (it has ${name.length}).`;
  const input: AlertChannelInput = { name, kind: d.kind };
  if (d.kind === "email") {
    const to = d.to
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = to.filter((x) => !EMAIL.test(x));
    if (to.length === 0) errors.to = "Enter at least one email address.";
    else if (bad.length) errors.to = `Not an email address: ${bad.map((b) => `“${b}”`).join(", ")}.`;
    else input.to = to;
  } else {
    const url = d.url.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!url) errors.url = `Enter the ${CHANNEL_KIND_TEXT[d.kind].toLowerCase()} URL to send to.`;
    else if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:"))
      errors.url = `The URL must start with https:// or http://, not “${url}”.`;
    else input.url = url;
    if (d.kind === "webhook" && d.secret) {
      if (d.secret.length < 16)
        errors.secret = `A secret must be at least 16 characters (it has ${d.secret.length}); leave it empty to have one generated.`;
      else input.secret = d.secret;
    }
  }
  return Object.keys(errors).length ? { errors } : { input };
}

function TestOutcome({ result }: { result: TestResult }) {
  if (result === "sending") return <span className="muted">Sending…</span>;
  if (result instanceof Error)
    return (
      <span className="danger" role="alert">
        Could not send: {result.message}
      </span>
    );
  const code = result.responseCode === null ? "" : ` (answered ${result.responseCode})`;
  return result.delivered ? (
    <span className="success" role="status">
      Delivered{code} in {fmtInt(result.durationMs)} ms.
    </span>
  ) : (
    <span className="danger" role="alert">
      Not delivered{code}: <Untrusted text={result.error ?? "no answer"} />
    </span>
  );
}

function CreateChannel({ onCreated }: { onCreated: (c: AlertChannelDto, secret?: string) => void }) {
  const api = useApi();
  const id = useId();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))) as Errors);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = channelInputOf(draft);
    if ("errors" in r) return setErrors(r.errors);
    setBusy(true);
    setFailure(null);
    try {
      const { secret, ...channel } = await api.createAlertChannel(r.input);
      onCreated(channel, secret);
      setDraft({ ...EMPTY, kind: draft.kind });
    } catch (err) {
      setFailure(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const aria = (k: Field, hint = false) => ({
    id: `${id}-${k}`,
    "aria-invalid": errors[k] ? true : undefined,
    "aria-describedby":
      [errors[k] ? `${id}-${k}-error` : "", hint ? `${id}-${k}-hint` : ""].filter(Boolean).join(" ") ||
      undefined,
  });
  const error = (k: Field) =>
    errors[k] ? (
      <p className="field-error" id={`${id}-${k}-error`}>
        {errors[k]}
      </p>
    ) : null;

  return (
    <form
      className="card channel-form"
      aria-label="Create an alert channel"
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h3 className="card-title">New channel</h3>
      <div className="grid-2 form-grid">
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            value={draft.kind}
            onChange={(e) => set({ kind: e.target.value as AlertChannelKind })}
          >
            {ALERT_CHANNEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {CHANNEL_KIND_TEXT[k]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            {...aria("name")}
            value={draft.name}
            maxLength={200}
            placeholder="e.g. ops webhook"
            onChange={(e) => set({ name: e.target.value })}
          />
          {error("name")}
        </div>
      </div>
      {draft.kind === "email" ? (
        <div className="field">
          <label htmlFor={`${id}-to`}>Send to</label>
          <input
            {...aria("to", true)}
            value={draft.to}
            placeholder="security@example.com, web@example.com"
            onChange={(e) => set({ to: e.target.value })}
          />
          {error("to")}
          <p className="field-hint" id={`${id}-to-hint`}>
            Addresses separated by commas. Sent over the SMTP server of SMTP_URL, from SMTP_FROM.
          </p>
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${id}-url`}>URL</label>
          <input
            {...aria("url", true)}
            type="url"
            value={draft.url}
            placeholder={
              draft.kind === "slack"
                ? "https://hooks.slack.com/services/…"
                : "https://example.com/hooks/cinch"
            }
            onChange={(e) => set({ url: e.target.value })}
          />
          {error("url")}
          <p className="field-hint" id={`${id}-url-hint`}>
            {URL_HINT[draft.kind]}
          </p>
        </div>
      )}
      {draft.kind === "webhook" ? (
        <div className="field">
          <label htmlFor={`${id}-secret`}>Signing secret (optional)</label>
          <input
            {...aria("secret", true)}
            type="password"
            autoComplete="off"
            value={draft.secret}
            onChange={(e) => set({ secret: e.target.value })}
          />
          {error("secret")}
          <p className="field-hint" id={`${id}-secret-hint`}>
            Leave empty and Cinch generates one, shown once.
          </p>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create channel
        </button>
      </div>
      <FormError error={failure} />
    </form>
  );
}

export function ChannelsPage() {
  const api = useApi();
  useTitle("Alert channels");
  const channels = useAsync(() => api.listAlertChannels(), []);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult>>({});
  const [deleting, setDeleting] = useState<AlertChannelDto | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const test = (c: AlertChannelDto) => {
    setTests((t) => ({ ...t, [c.id]: "sending" }));
    api.testAlertChannel(c.id).then(
      (r) => setTests((t) => ({ ...t, [c.id]: r })),
      (e: unknown) => setTests((t) => ({ ...t, [c.id]: e as Error })),
    );
  };
  const remove = (c: AlertChannelDto) => {
    setDeleting(null);
    setError(null);
    api.deleteAlertChannel(c.id).then(
      () => channels.setData((channels.data ?? []).filter((x) => x.id !== c.id)),
      (e: unknown) => setError(e as Error),
    );
  };

  return (
    <section aria-labelledby="channels-title">
      <div className="page-head">
        <h1 id="channels-title">Alert channels</h1>
      </div>
      <p className="lead">
        Where alerts go, for every project: a webhook (signed JSON), a Slack incoming webhook, or email. Each
        project&apos;s Alerts page chooses which channels its rules send to.
      </p>
      <CreateChannel
        onCreated={(c, secret) => {
          channels.setData([...(channels.data ?? []), c]);
          setCreated(secret ? { name: c.name, secret } : null);
        }}
      />
      {created ? (
        <div className="notice notice-success" role="status">
          <p>
            Channel <Untrusted text={created.name} /> created. Copy its signing secret now: it will not be
            shown again. Verify each delivery&apos;s <code>X-Cinch-Signature</code> (sha256 HMAC of the body)
            with it.
          </p>
          <CodeBlock label="Signing secret" text={created.secret} />
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <FormError error={error} />
      <div className="card card-flush">
        <Async
          state={channels}
          loadingLabel="Loading channels…"
          isEmpty={(l) => l.length === 0}
          empty={<Empty title="No alert channel yet." />}
        >
          {(list) => (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Alert channels</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Destination</th>
                    <th scope="col" className="num">
                      Rules
                    </th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((c) => {
                    const t = tests[c.id];
                    return (
                      <tr key={c.id}>
                        <th scope="row">
                          <Untrusted text={c.name} />
                        </th>
                        <td>
                          <span className="badge">{CHANNEL_KIND_TEXT[c.kind]}</span>
                          {c.kind === "webhook" && c.signed ? <span className="muted"> signed</span> : null}
                        </td>
                        <td className="mono break">
                          <Untrusted text={c.kind === "email" ? c.to.join(", ") : (c.url ?? "—")} />
                        </td>
                        <td className="num">{fmtInt(c.rules)}</td>
                        <td>{fmtDateTime(c.createdAt)}</td>
                        <td className="actions">
                          <button
                            type="button"
                            className="btn btn-small"
                            aria-label={`Send a test to ${c.name}`}
                            disabled={t === "sending"}
                            onClick={() => test(c)}
                          >
                            Send a test
                          </button>
                          <button
                            type="button"
                            className="btn btn-small btn-danger"
                            aria-label={`Delete channel ${c.name}`}
                            onClick={() => setDeleting(c)}
                          >
                            Delete
                          </button>
                          {t ? (
                            <div className="channel-test">
                              <TestOutcome result={t} />
                            </div>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Async>
      </div>
      {deleting ? (
        <Dialog
          title={`Delete the channel “${showBidiControls(deleting.name)}”?`}
          onClose={() => setDeleting(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button type="button" className="btn btn-danger" onClick={() => remove(deleting)}>
                Delete channel
              </button>
            </>
          }
        >
          <p>
            {deleting.rules > 0
              ? `${fmtInt(deleting.rules)} ${deleting.rules === 1 ? "rule sends" : "rules send"} to it; they stop sending here.`
              : "No rule sends to it."}{" "}
            Alerts not yet delivered to it are dropped.
          </p>
        </Dialog>
      ) : null}
    </section>
  );
}
