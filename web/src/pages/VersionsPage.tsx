// Policy versions: states (draft / report-only / enforced / retired) with promote buttons, and violations
// compared between two versions (what a version broke, fixed, and still sees).
import { useEffect, useId, useState } from "react";
import {
  VERSION_MOVES,
  VERSION_STATES,
  type CompareDto,
  type PolicyVersionDto,
  type PreviewDto,
  type VersionState,
} from "../api/policy-types.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Link, pathFor, useSearchParams } from "../lib/router.tsx";
import { Async, Empty, ErrorState, FormError, Loading } from "../components/State.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { impactSentence } from "../components/ImpactCard.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

const isState = (s: string): s is VersionState => (VERSION_STATES as readonly string[]).includes(s);

const MOVE_LABEL: Record<VersionState, string> = {
  "report-only": "Start report-only",
  enforced: "Enforce…",
  draft: "Back to draft",
  retired: "Retire",
};

export const STATE_LABEL: Record<VersionState, string> = {
  draft: "Draft",
  "report-only": "Report-only",
  enforced: "Enforced",
  retired: "Retired",
};

function EnforceDialog({
  projectId,
  v,
  onCancel,
  onConfirm,
}: {
  projectId: string;
  v: PolicyVersionDto;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const api = useApi();
  const [preview, setPreview] = useState<PreviewDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    api.previewPolicy(projectId, v.policy).then(setPreview, (e: unknown) => setError(e as Error));
  }, [api, projectId, v.policy]);
  return (
    <Dialog
      title={`Enforce version ${v.version}?`}
      onClose={onCancel}
      actions={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={onConfirm}>
            Enforce version {v.version}
          </button>
        </>
      }
    >
      <p>
        Browsers will block everything this policy does not allow, once you deploy it as an enforced header.
      </p>
      {error ? (
        <p className="form-error">The impact preview failed: {error.message}</p>
      ) : preview ? (
        <p className="risk">{impactSentence(preview)}</p>
      ) : (
        <Loading label="Replaying reports…" />
      )}
    </Dialog>
  );
}

function Compare({ projectId, versions }: { projectId: string; versions: PolicyVersionDto[] }) {
  const api = useApi();
  const id = useId();
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const [to, setTo] = useState(String(sorted[0]?.version ?? ""));
  const [from, setFrom] = useState(String(sorted[1]?.version ?? sorted[0]?.version ?? ""));
  const [result, setResult] = useState<CompareDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = () => {
    setBusy(true);
    setError(null);
    api.compareVersions(projectId, Number(from), Number(to)).then(
      (r) => {
        setResult(r);
        setBusy(false);
      },
      (e: unknown) => {
        setError(e as Error);
        setBusy(false);
      },
    );
  };
  const col = (title: string, hint: string, list: CompareDto["added"]) => (
    <div>
      <h4>
        {title} ({fmtInt(list.length)})
      </h4>
      <p className="hint">{hint}</p>
      {list.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="table table-compact">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">
                v{result?.from}
              </th>
              <th scope="col" className="num">
                v{result?.to}
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((g) => (
              <tr key={String(g.id)}>
                <td>
                  <Link to={pathFor("group", { id: projectId, gid: g.id })} className="mono break">
                    <Untrusted text={g.directive} /> <Untrusted text={g.blocked} />
                  </Link>
                </td>
                <td className="num">{fmtInt(g.countFrom)}</td>
                <td className="num">{fmtInt(g.countTo)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h3 className="card-title" id={`${id}-title`}>
        Compare violations between versions
      </h3>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-from`}>From version</label>
          <select id={`${id}-from`} value={from} onChange={(e) => setFrom(e.target.value)}>
            {sorted.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To version</label>
          <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value)}>
            {sorted.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn" disabled={busy || from === to}>
          {busy ? "Comparing…" : "Compare"}
        </button>
      </form>
      <FormError error={error} />
      {result ? (
        <div className="compare-cols" aria-live="polite">
          {col(
            "New",
            `Seen under v${result.to}, not under v${result.from}: what v${result.to} broke.`,
            result.added,
          )}
          {col("Resolved", `Seen under v${result.from} only: what v${result.to} fixed.`, result.resolved)}
          {col("Persisting", "Seen under both.", result.persisting)}
        </div>
      ) : null}
    </section>
  );
}

export function VersionsPage() {
  const api = useApi();
  const { project } = useProject();
  useTitle("Versions", project.name);
  const [params] = useSearchParams();
  const created = params.get("created");
  const state = useAsync(() => api.listVersions(project.id), [project.id]);
  const [enforcing, setEnforcing] = useState<PolicyVersionDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const move = async (v: PolicyVersionDto, to: VersionState) => {
    setBusy(v.version);
    setError(null);
    try {
      await api.setVersionState(project.id, v.version, to);
      state.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="versions-title">
      <div className="page-head">
        <h2 id="versions-title">Versions</h2>
        <Link to={pathFor("policy", { id: project.id })} className="btn">
          Open the builder
        </Link>
      </div>
      <p className="lead">
        Roll a policy out in steps: save a draft, run it report-only to see what it would break, then enforce
        it. Each version tags its reports (<code>?v=N</code> on the report URL), so you can compare versions.
        A state change records the rollout; deploy the header from{" "}
        <Link to={pathFor("export", { id: project.id })}>Export</Link>.
      </p>
      {created ? (
        <p className="notice notice-success" role="status">
          Version {created} saved as a draft.
        </p>
      ) : null}
      <FormError error={error} />
      <div className="card card-flush">
        <Async
          state={state}
          loadingLabel="Loading versions…"
          isEmpty={(vs) => vs.length === 0}
          empty={
            <Empty title="No versions yet.">
              <p>
                Build a policy in the <Link to={pathFor("policy", { id: project.id })}>policy builder</Link>{" "}
                and save it as a draft.
              </p>
            </Empty>
          }
        >
          {(vs) => (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Policy versions</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">State</th>
                    <th scope="col">Created</th>
                    <th scope="col">Policy</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {[...vs]
                    .sort((a, b) => b.version - a.version)
                    .map((v) => {
                      const st = isState(v.state) ? v.state : null;
                      return (
                        <tr key={v.version}>
                          <th scope="row">v{v.version}</th>
                          <td>
                            <span className={`badge badge-${v.state}`}>{st ? STATE_LABEL[st] : v.state}</span>
                          </td>
                          <td>{v.createdAt ? fmtDateTime(v.createdAt) : "—"}</td>
                          <td>
                            <details>
                              <summary>{fmtInt(v.policy.length)} characters</summary>
                              <pre className="code">{v.servedPolicy ?? v.policy}</pre>
                              <CopyButton
                                text={v.servedPolicy ?? v.policy}
                                label={`Copy version ${v.version}`}
                              />
                            </details>
                          </td>
                          <td>
                            <div
                              className="version-row-actions"
                              role="group"
                              aria-label={`Actions for version ${v.version}`}
                            >
                              {(st ? VERSION_MOVES[st] : []).map((to) => (
                                <button
                                  key={to}
                                  type="button"
                                  className={`btn btn-small${to === "enforced" ? " btn-primary" : ""}`}
                                  disabled={busy === v.version}
                                  aria-label={`${MOVE_LABEL[to].replace("…", "")} version ${v.version}`}
                                  onClick={() => (to === "enforced" ? setEnforcing(v) : void move(v, to))}
                                >
                                  {MOVE_LABEL[to]}
                                </button>
                              ))}
                              <Link
                                className="btn btn-small btn-ghost"
                                to={`${pathFor("violations", { id: project.id })}?version=${v.version}&range=30d`}
                              >
                                Violations
                              </Link>
                              <Link
                                className="btn btn-small btn-ghost"
                                to={`${pathFor("export", { id: project.id })}?version=${v.version}${v.state === "enforced" ? "&mode=enforce" : ""}`}
                              >
                                Export
                              </Link>
                            </div>
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
      {state.data && state.data.length >= 2 ? <Compare projectId={project.id} versions={state.data} /> : null}
      {state.error && !state.data ? null : null}
      {enforcing ? (
        <EnforceDialog
          projectId={project.id}
          v={enforcing}
          onCancel={() => setEnforcing(null)}
          onConfirm={() => {
            const v = enforcing;
            setEnforcing(null);
            void move(v, "enforced");
          }}
        />
      ) : null}
      {error && !state.data ? <ErrorState error={error} /> : null}
    </section>
  );
}
