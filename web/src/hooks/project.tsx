// ProjectContext: the project a /projects/:id/* page works on (loaded once by ProjectShell).
import { createContext, useContext } from "react";
import type { ProjectDto } from "../../../server/contract.ts";

export type ProjectCtx = { project: ProjectDto; setProject: (p: ProjectDto) => void; reload: () => void };

export const ProjectContext = createContext<ProjectCtx | null>(null);

export function useProject(): ProjectCtx {
  const ctx = useContext(ProjectContext);
  if (!ctx) throw new Error("useProject outside ProjectShell");
  return ctx;
}
