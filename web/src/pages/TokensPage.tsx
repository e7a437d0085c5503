// API tokens: list, create (the value is shown once), revoke. Also "sign out everywhere".
import { useId, useState, type FormEvent } from "react";
import { useApi } from "../hooks/api.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { fmtDateTime, fmtRelative } from "../lib/format.ts";
import type { ApiTokenScope as TokenScope } from "../../../server/contract.ts";
import { Async, Empty, FormError } from "../components/State.tsx";
import { CodeBlock } from "../components/CodeBlock.tsx";
import { Dialog } from "../components/Dialog.tsx";

export function TokensPage({ onSignedOut }: { onSignedOut: () => void }) {
  const api = useApi();
  const id = useId();
  useTitle("API tokens");
  const tokens = useAsync(() => api.listTokens(), []);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<TokenScope>("read");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<Error | string | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [revokeAll, setRevokeAll] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("Enter a name to recognise the token by.");
    setBusy(true);
    setError(null);
    try {
      const t = await api.createToken(name.trim(), scope);
      setCreated({ name: t.name, token: t.token });
      setName("");
      tokens.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">API tokens</h1>
      </div>
      <p className="lead">
        Tokens let scripts and the CLI call the API. Send one as <code>Authorization: Bearer …</code>.
      </p>
      <div className="card">
        <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="Create an API token">
          <div className="field">
            <label htmlFor={`${id}-name`}>Token name</label>
            <input
              id={`${id}-name`}
              value={name}
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. ci-deploy"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-scope`}>Scope</label>
            <select id={`${id}-scope`} value={scope} onChange={(e) => setScope(e.target.value as TokenScope)}>
              <option value="read">read — view reports and policies</option>
              <option value="write">write — also change projects and policies</option>
              <option value="admin">admin — everything, including tokens</option>
            </select>
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Create token
          </button>
          <FormError error={error} />
        </form>
        {created ? (
          <div className="notice notice-success" role="status">
            <p>
              Token <strong>{created.name}</strong> created. Copy it now: it will not be shown again.
            </p>
            <CodeBlock id={`${id}-new`} label="New token" text={created.token} />
            <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        ) : null}
      </div>
      <div className="card card-flush">
        <Async
          state={tokens}
          loadingLabel="Loading tokens…"
          isEmpty={(t) => t.length === 0}
          empty={<Empty title="No API tokens yet." />}
        >
          {(list) => (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">API tokens</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Scope</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((t) => (
                    <tr key={t.id}>
                      <th scope="row">{t.name}</th>
                      <td>
                        <span className="badge">{t.scope}</span>
                      </td>
                      <td>{t.createdAt ? fmtDateTime(t.createdAt) : "—"}</td>
                      <td>{t.lastUsedAt ? fmtRelative(t.lastUsedAt) : "never"}</td>
                      <td className="actions">
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          aria-label={`Revoke token ${t.name}`}
                          onClick={() => setRevoking({ id: t.id, name: t.name })}
                        >
                          Revoke
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Async>
      </div>
      <div className="card">
        <h2 className="card-title">Sessions</h2>
        <p>Signed in on a shared or lost device? Sign out every browser session (API tokens stay valid).</p>
        <button type="button" className="btn btn-danger" onClick={() => setRevokeAll(true)}>
          Sign out everywhere
        </button>
      </div>
      {revoking ? (
        <Dialog
          title={`Revoke “${revoking.name}”?`}
          onClose={() => setRevoking(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setRevoking(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  const t = revoking;
                  setRevoking(null);
                  api.deleteToken(t.id).then(tokens.reload, (e: unknown) => setError(e as Error));
                }}
              >
                Revoke token
              </button>
            </>
          }
        >
          <p>Scripts using this token will get “401 Unauthorized” from now on. This cannot be undone.</p>
        </Dialog>
      ) : null}
      {revokeAll ? (
        <Dialog
          title="Sign out everywhere?"
          onClose={() => setRevokeAll(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setRevokeAll(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  setRevokeAll(false);
                  api.revokeAllSessions().then(onSignedOut, (e: unknown) => setError(e as Error));
                }}
              >
                Sign out all sessions
              </button>
            </>
          }
        >
          <p>Every browser signed in to this account, including this one, will need to sign in again.</p>
        </Dialog>
      ) : null}
    </section>
  );
}
