// Projects: each with its 24-hour and 7-day report counts and a 7-day sparkline; create a new one.
import { useId, useState, type FormEvent } from "react";
import type { ProjectDto } from "../../../server/contract.ts";
import { useApi } from "../hooks/api.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { useTitle } from "../hooks/useTitle.ts";
import { Link, navigate, pathFor } from "../lib/router.tsx";
import { fmtInt } from "../lib/format.ts";
import { Async, Empty, FormError } from "../components/State.tsx";
import { Sparkline } from "../components/Sparkline.tsx";
import { Tip } from "../components/Tip.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

function CreateProject({ onCreated }: { onCreated: (p: ProjectDto) => void }) {
  const api = useApi();
  const id = useId();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError(new Error("Enter a name for the project."));
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.createProject(name.trim()));
      setName("");
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Create a project">
      <div className="field">
        <label htmlFor={id}>New project name</label>
        <input
          id={id}
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. shop.example.com"
        />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? "Creating…" : "Create project"}
      </button>
      <FormError error={error} />
    </form>
  );
}

export function ProjectsTable({ projects }: { projects: ProjectDto[] }) {
  return (
    <div className="table-wrap">
      <table className="table projects-table">
        <caption className="visually-hidden">Projects</caption>
        <thead>
          <tr>
            <th scope="col">Project</th>
            <th scope="col" className="num">
              {/* The server's one definition: violations, noise excluded (#16). */}
              <Tip text={projects[0]?.counts?.label ?? "Violations (noise excluded) in the last 24 hours"}>
                Violations, 24 h
              </Tip>
            </th>
            <th scope="col" className="num col-optional">
              Violations, 7 days
            </th>
            <th scope="col" className="col-optional">
              7-day trend
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {projects.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <Link to={pathFor("violations", { id: p.id })} className="project-link">
                  <Untrusted text={p.name} />
                </Link>
                {p.builtin ? <span className="badge">built-in</span> : null}
              </th>
              <td className="num">
                {p.counts ? fmtInt(p.counts.last24h) : "—"}
                {p.counts?.noise24h ? (
                  <span className="cell-note">+ {fmtInt(p.counts.noise24h)} noise</span>
                ) : null}
              </td>
              <td className="num col-optional">{p.counts ? fmtInt(p.counts.last7d) : "—"}</td>
              <td className="col-optional">
                {p.counts ? (
                  <Sparkline
                    values={p.counts.hourly}
                    width={168}
                    height={28}
                    label={`Reports per hour for ${p.name}`}
                  />
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="actions">
                <Link to={pathFor("install", { id: p.id })} aria-label={`Install ${p.name}`}>
                  Install
                </Link>
                <Link to={pathFor("settings", { id: p.id })} aria-label={`Settings of ${p.name}`}>
                  Settings
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProjectsPage() {
  const api = useApi();
  useTitle("Projects");
  const state = useAsync(() => api.listProjects(), []);
  return (
    <section aria-labelledby="projects-title">
      <div className="page-head">
        <h1 id="projects-title">Projects</h1>
      </div>
      <div className="card">
        <CreateProject onCreated={(p) => navigate(pathFor("install", { id: p.id }))} />
      </div>
      <div className="card card-flush">
        <Async
          state={state}
          loadingLabel="Loading projects…"
          isEmpty={(ps) => ps.length === 0}
          empty={
            <Empty title="No projects yet.">
              <p>Create a project above; you will get the headers to paste into your site.</p>
            </Empty>
          }
        >
          {(ps) => <ProjectsTable projects={ps} />}
        </Async>
      </div>
    </section>
  );
}
