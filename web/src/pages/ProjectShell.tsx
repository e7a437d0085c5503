// Loads the project of a /projects/:id/* route and frames its pages with the project's name and section tabs.
import type { ReactNode } from "react";
import { useApi } from "../hooks/api.tsx";
import { useAsync } from "../hooks/useAsync.ts";
import { ProjectContext } from "../hooks/project.tsx";
import { Link, pathFor, type RouteName } from "../lib/router.tsx";
import { ErrorState, Loading } from "../components/State.tsx";
import { Untrusted } from "../components/Untrusted.tsx";

export const PROJECT_SECTIONS: { route: RouteName; label: string }[] = [
  { route: "violations", label: "Violations" },
  { route: "noise", label: "Noise" },
  { route: "live", label: "Live" },
  { route: "policy", label: "Policy builder" },
  { route: "versions", label: "Versions" },
  { route: "export", label: "Export" },
  { route: "scripts", label: "Scripts" },
  { route: "alerts", label: "Alerts" },
  { route: "install", label: "Install" },
  { route: "settings", label: "Settings" },
];

export function ProjectShell({
  id,
  section,
  children,
}: {
  id: string;
  section: RouteName;
  children: ReactNode;
}) {
  const api = useApi();
  const state = useAsync(() => api.getProject(id), [id]);
  if (state.error)
    return <ErrorState error={state.error} retry={state.reload} title="This project could not load" />;
  if (!state.data) return <Loading label="Loading project…" />;
  const project = state.data;
  const current = section === "group" ? "violations" : section === "script" ? "scripts" : section;
  return (
    <ProjectContext.Provider value={{ project, setProject: state.setData, reload: state.reload }}>
      <div className="project-head">
        <p className="eyebrow">
          <Link to={pathFor("projects")}>Projects</Link> /
        </p>
        <h1 className="project-name">
          <Untrusted text={project.name} />
        </h1>
        <nav className="tabs" aria-label="Project sections">
          {PROJECT_SECTIONS.map((s) => (
            <Link
              key={s.route}
              to={pathFor(s.route, { id })}
              className="tab"
              aria-current={s.route === current ? "page" : undefined}
            >
              {s.label}
            </Link>
          ))}
        </nav>
      </div>
      {children}
    </ProjectContext.Provider>
  );
}
