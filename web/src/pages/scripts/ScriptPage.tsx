// One script (#18): status and last review, what to paste (the SRI tag) or change, hash history, pages, the
// review form and the script's change log.
import type { ReactNode } from "react";
import type { ScriptDetailDto } from "../../../../server/contract.ts";
import { useApi } from "../../hooks/api.tsx";
import { useProject } from "../../hooks/project.tsx";
import { useAsync } from "../../hooks/useAsync.ts";
import { useTitle } from "../../hooks/useTitle.ts";
import { Link, pathFor } from "../../lib/router.tsx";
import { ErrorState, Loading } from "../../components/State.tsx";
import { CodeBlock } from "../../components/CodeBlock.tsx";
import { Untrusted } from "../../components/Untrusted.tsx";
import { Sparkline } from "../../components/Sparkline.tsx";
import { fmtDateTime } from "../../lib/format.ts";
import { hashableText, sriText } from "../../lib/scripts-vocabulary.ts";
import { ApiError } from "../../api/client.ts";
import { StatusBadge } from "./ScriptsTable.tsx";
import { ScriptEvents } from "./ScriptEvents.tsx";
import { ScriptReviewForm } from "./ScriptReviewForm.tsx";

/** Everything of a loaded script but the review form (also the hostile-render tests' subject). */
export function ScriptDetail({
  projectId,
  script,
  review,
}: {
  projectId: string;
  script: ScriptDetailDto;
  /** The review form, shown under the facts. */
  review?: ReactNode;
}) {
  const s = script;
  // Every review, newest first (the last one is also stated above): who authorized or rejected it, when, why.
  const reviews = s.events.filter((e) => e.kind === "script-reviewed");
  return (
    <>
      <div className="card">
        <dl className="rollout-facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={s.status} />
          </dd>
          <dt>Origin</dt>
          <dd>
            <Untrusted text={s.origin} />
          </dd>
          <dt>First seen</dt>
          <dd>{fmtDateTime(s.firstSeen)}</dd>
          <dt>Last seen</dt>
          <dd>{fmtDateTime(s.lastSeen)}</dd>
          <dt>Hash</dt>
          <dd>{hashableText(s)}</dd>
          <dt>SRI</dt>
          <dd>{sriText(s)}</dd>
          <dt>Last 7 days</dt>
          <dd>
            <Sparkline values={s.hourly} width={168} label="Reports per hour, last 7 days" />
          </dd>
          {s.pattern !== null ? (
            <>
              <dt>Grouped by</dt>
              <dd>
                <Untrusted className="mono" text={s.pattern} />
              </dd>
            </>
          ) : null}
        </dl>
        {s.review ? (
          <p aria-label="Last review">
            {s.review.status === "authorized" ? "Authorized" : "Rejected"} by <Untrusted text={s.review.by} />{" "}
            on {fmtDateTime(s.review.at)}: <Untrusted className="break" text={s.review.justification} />
          </p>
        ) : (
          <p className="muted">Not reviewed yet.</p>
        )}
        {reviews.length > 1 ? (
          <>
            <h4>Approvals</h4>
            <ScriptEvents projectId={projectId} events={reviews} showScript={false} label="Approvals" />
          </>
        ) : null}
      </div>
      {review}
      <div className="card">
        <h3 className="card-title">Subresource Integrity</h3>
        {s.sriTag ? <CodeBlock id="script-sri-tag" label="SRI tag" text={s.sriTag} /> : null}
        {s.advice ? (
          <p className="notice" role="note">
            <Untrusted text={s.advice} />
          </p>
        ) : null}
        {!s.sriTag && !s.advice ? <p className="muted">Nothing to paste yet.</p> : null}
      </div>
      <div className="card">
        <h3 className="card-title">Hash history</h3>
        {s.hashes.length === 0 ? (
          <p className="muted">{hashableText(s)}.</p>
        ) : (
          <SeenTable
            label="Hash history"
            first="Hash"
            rows={s.hashes.map((h) => ({
              key: h.hash,
              firstSeen: h.firstSeen,
              lastSeen: h.lastSeen,
              cell: (
                <td className="mono break">
                  <Untrusted text={h.hash} />
                </td>
              ),
            }))}
          />
        )}
      </div>
      <div className="card">
        <h3 className="card-title">Pages</h3>
        <SeenTable
          label="Pages"
          first="Page"
          rows={s.pageDetails.map((p) => ({
            key: p.url,
            firstSeen: p.firstSeen,
            lastSeen: p.lastSeen,
            cell: (
              <td className="break">
                <Untrusted text={p.url} />
                {p.payment ? <span className="badge">payment page</span> : null}
              </td>
            ),
          }))}
        />
      </div>
      <div className="card">
        <h3 className="card-title">Change log</h3>
        <ScriptEvents projectId={projectId} events={s.events} showScript={false} />
      </div>
    </>
  );
}

/** A table of things with their first and last sighting: the script's hashes, its pages. */
function SeenTable({
  label,
  first,
  rows,
}: {
  label: string;
  first: string;
  rows: { key: string; firstSeen: string; lastSeen: string; cell: ReactNode }[];
}) {
  return (
    <div className="table-wrap">
      <table className="table table-compact" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{first}</th>
            <th scope="col">First seen</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              {r.cell}
              <td>{fmtDateTime(r.firstSeen)}</td>
              <td>{fmtDateTime(r.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ScriptPage({ scriptId }: { scriptId: string }) {
  const api = useApi();
  const { project } = useProject();
  const state = useAsync(() => api.getScript(project.id, scriptId), [project.id, scriptId]);
  useTitle(state.data?.url ?? "Script", project.name);
  const back = (
    <p className="breadcrumb">
      <Link to={pathFor("scripts", { id: project.id })}>← Scripts</Link>
    </p>
  );
  if (state.error)
    return (
      <section>
        {back}
        {state.error instanceof ApiError && state.error.status === 404 ? (
          <p className="state state-empty">This script is not in the inventory.</p>
        ) : (
          <ErrorState error={state.error} retry={state.reload} title="This script could not load" />
        )}
      </section>
    );
  if (!state.data) return <Loading label="Loading script…" />;
  const s = state.data;
  return (
    <section aria-labelledby="script-title">
      {back}
      <div className="page-head">
        <h2 id="script-title" className="group-title break">
          <Untrusted text={s.url} />
        </h2>
      </div>
      <ScriptDetail
        projectId={project.id}
        script={s}
        review={
          <div className="card">
            <h3 className="card-title">Review</h3>
            <ScriptReviewForm projectId={project.id} script={s} onReviewed={state.setData} />
          </div>
        }
      />
    </section>
  );
}
