// Scripts (#18): every script the project's pages run, from the browsers' csp-hash and integrity-violation
// reports: filters, the inventory table, the change log, the SRI helper, payment pages and the export.
import { useApi } from "../../hooks/api.tsx";
import { useProject } from "../../hooks/project.tsx";
import { useAsync } from "../../hooks/useAsync.ts";
import { useTitle } from "../../hooks/useTitle.ts";
import { Link, pathFor, useSearchParams } from "../../lib/router.tsx";
import { Async, Empty } from "../../components/State.tsx";
import { fmtInt } from "../../lib/format.ts";
import { SCRIPT_STATUSES, STATUS_TEXT } from "../../lib/scripts-vocabulary.ts";
import { ScriptFilters, scriptQueryOf } from "./ScriptFilters.tsx";
import { ScriptsTable } from "./ScriptsTable.tsx";
import { ScriptEvents } from "./ScriptEvents.tsx";
import { SriHelper } from "./SriHelper.tsx";
import { ScriptsExport } from "./ScriptsExport.tsx";
import { InventorySettings } from "./InventorySettings.tsx";
import { ScriptPatterns } from "./ScriptPatterns.tsx";

const RECENT_EVENTS = 20;

export function ScriptsPage() {
  const api = useApi();
  const { project } = useProject();
  useTitle("Scripts", project.name);
  const [params, setParams] = useSearchParams();
  const query = scriptQueryOf(params);
  const key = JSON.stringify(query);
  const scripts = useAsync(() => api.listScripts(project.id, query), [project.id, key]);
  const events = useAsync(() => api.scriptEvents(project.id, { limit: RECENT_EVENTS }), [project.id]);
  const now = Date.now();
  const counts = scripts.data?.counts;
  const total = counts ? SCRIPT_STATUSES.reduce((n, s) => n + counts[s], 0) : 0;
  return (
    <section aria-labelledby="scripts-title">
      <div className="page-head">
        <h2 id="scripts-title">Scripts</h2>
      </div>
      <p className="lead">
        Every script your pages run, as browsers report it: its exact hash, the pages it ran on, whether it
        was loaded with Subresource Integrity, and who authorized it and why.
      </p>
      {counts ? (
        <ul className="stats-bar script-counts" aria-label="Scripts by status">
          {SCRIPT_STATUSES.map((s) => (
            <li className="stat" key={s}>
              <button
                type="button"
                className="btn btn-ghost"
                aria-pressed={query.status === s}
                onClick={() => setParams({ status: query.status === s ? null : s })}
              >
                {STATUS_TEXT[s].label}: {fmtInt(counts[s])}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ScriptFilters query={query} onChange={setParams} />
      <div className="card card-flush">
        <Async
          state={scripts}
          loadingLabel="Loading scripts…"
          isEmpty={(d) => d.scripts.length === 0}
          empty={
            total === 0 ? (
              <Empty title="No scripts reported yet.">
                <p>
                  Browsers report scripts once your pages send <code>'report-sha384'</code> in{" "}
                  <code>script-src</code> and <code>Integrity-Policy-Report-Only</code>: see{" "}
                  <Link to={pathFor("install", { id: project.id })}>Install</Link>.
                </p>
              </Empty>
            ) : (
              <Empty title="No script matches these filters." />
            )
          }
        >
          {(d) => <ScriptsTable projectId={project.id} scripts={d.scripts} now={now} />}
        </Async>
      </div>
      <div className="card">
        <h3 className="card-title">Recent changes</h3>
        <Async state={events} loadingLabel="Loading changes…">
          {(list) => <ScriptEvents projectId={project.id} events={list} />}
        </Async>
      </div>
      <SriHelper projectId={project.id} />
      <ScriptPatterns projectId={project.id} onChanged={scripts.reload} />
      <InventorySettings key={project.id} />
      <ScriptsExport projectId={project.id} />
    </section>
  );
}
