// Policy versions: states (draft / report-only / enforced / retired) with the next step of the rollout as the
// primary action, each version's rollout status, the header(s) to deploy after every state change, and violations
// compared between two versions.
import { useState } from "react";
import type { VersionRolloutDto } from "../../../server/contract.ts";
import { VERSION_MOVES, VERSION_STATES } from "../lib/policy-vocabulary.ts";
import type { PolicyVersionDto, VersionState } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useProject } from "../hooks/project.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Link, pathFor, useSearchParams } from "../lib/router.tsx";
import { Async, Empty, ErrorState, FormError } from "../components/State.tsx";
import { CopyButton } from "../components/CopyButton.tsx";
import { DeployHeaders } from "../components/DeployHeaders.tsx";
import { EnforceDialog } from "../components/EnforceDialog.tsx";
import { RolloutStatus, UntaggedWarning, rolloutSummary } from "../components/RolloutStatus.tsx";
import { VersionCompare } from "../components/VersionCompare.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

const isState = (s: string): s is VersionState => (VERSION_STATES as readonly string[]).includes(s);

const MOVE_LABEL: Record<VersionState, string> = {
  "report-only": "Start report-only",
  enforced: "Enforce…",
  draft: "Back to draft",
  retired: "Retire",
};

/** The next step of the rollout is the primary action: a draft runs report-only first, then it is enforced. */
const isNextStep = (from: VersionState, to: VersionState): boolean =>
  (from === "draft" && to === "report-only") || (from === "report-only" && to === "enforced");

export const STATE_LABEL: Record<VersionState, string> = {
  draft: "Draft",
  "report-only": "Report-only",
  enforced: "Enforced",
  retired: "Retired",
};

const MOVED_TITLE: Record<VersionState, (n: number) => string> = {
  "report-only": (n) => `Version ${n} now runs report-only: deploy it`,
  enforced: (n) => `Version ${n} is enforced: deploy it`,
  draft: (n) => `Version ${n} is back to draft: deploy what still runs`,
  retired: (n) => `Version ${n} is retired: deploy what still runs`,
};

export function VersionsPage() {
  const api = useApi();
  const { project } = useProject();
  useTitle("Versions", project.name);
  const [params] = useSearchParams();
  const created = params.get("created");
  const state = useAsync(() => api.listVersions(project.id), [project.id]);
  const rollout = useAsync(() => api.policyRollout(project.id), [project.id]);
  const [enforcing, setEnforcing] = useState<PolicyVersionDto | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [moved, setMoved] = useState<{ title: string; deploy: string } | null>(null);

  const statusOf = (n: number): VersionRolloutDto | undefined =>
    rollout.data?.versions.find((r) => r.version === n);

  const move = async (v: PolicyVersionDto, to: VersionState) => {
    setBusy(v.version);
    setError(null);
    try {
      const r = await api.setVersionState(project.id, v.version, to);
      // After every state change: the exact header(s) to deploy now.
      setMoved(r.deploy ? { title: MOVED_TITLE[to](v.version), deploy: r.deploy } : null);
      state.reload();
      rollout.reload();
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
        Roll a policy out in steps: save a draft, start it report-only to see what it would break, then
        enforce it. Each version tags its reports (<code>?v=N</code> on the report URL), so its rollout status
        counts them and versions can be compared. A state change records the rollout; the header(s) to deploy
        are shown after it, and on <Link to={pathFor("export", { id: project.id })}>Export</Link>.
      </p>
      {created ? (
        <p className="notice notice-success" role="status">
          Version {created} saved as a draft.
        </p>
      ) : null}
      {moved ? (
        <DeployHeaders title={moved.title} text={moved.deploy} onDismiss={() => setMoved(null)} />
      ) : null}
      {rollout.data ? <UntaggedWarning projectId={project.id} rollout={rollout.data} /> : null}
      <FormError error={error} />
      {rollout.error ? (
        <p className="form-error">The rollout status could not load: {rollout.error.message}</p>
      ) : null}
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
                    <th scope="col">Rollout</th>
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
                      const status = statusOf(v.version);
                      return (
                        <tr key={v.version}>
                          <th scope="row">v{v.version}</th>
                          <td>
                            <span className={`badge badge-${v.state}`}>{st ? STATE_LABEL[st] : v.state}</span>
                          </td>
                          <td>{v.createdAt ? fmtDateTime(v.createdAt) : "—"}</td>
                          <td>
                            {status ? (
                              <details open={v.state === "report-only"}>
                                <summary>{rolloutSummary(status)}</summary>
                                <RolloutStatus projectId={project.id} status={status} />
                              </details>
                            ) : (
                              <span className="muted">{rollout.loading ? "…" : "—"}</span>
                            )}
                          </td>
                          <td>
                            <details>
                              <summary>{fmtInt(v.policy.length)} characters</summary>
                              <pre className="code">
                                <Untrusted text={v.servedPolicy ?? v.policy} />
                              </pre>
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
                                  className={`btn btn-small${st && isNextStep(st, to) ? " btn-primary" : ""}`}
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
                                to={`${pathFor("export", { id: project.id })}?version=${v.version}`}
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
      {state.data && state.data.length >= 2 ? (
        <VersionCompare projectId={project.id} versions={state.data} />
      ) : null}
      {enforcing ? (
        <EnforceDialog
          projectId={project.id}
          v={enforcing}
          status={rollout.error ? null : rollout.data ? (statusOf(enforcing.version) ?? null) : undefined}
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
