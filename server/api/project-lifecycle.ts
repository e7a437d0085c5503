// DELETE /api/projects/:id (the project and every row it owns) and POST /api/projects/:id/report-key (a new report
// key; the old one answers 410 Gone, which makes browsers drop the endpoint). Admin scope: both break a site's
// reporting until it is reconfigured.
import type { ApiRouter } from "./routes.ts";
import type { AppDeps } from "../deps.ts";
import { conflict, notFound } from "../http/errors.ts";
import { presentProject } from "./present.ts";
import { purgeProject } from "../store/project-purge.ts";
import { runnerFor } from "../store/sql-runner.ts";
import type { ProjectRecord } from "../store/projects.ts";

/**
 * The built-in project receives the dashboard's own CSP reports at the key it had when the server started: deleting
 * it or changing its key would make browsers drop Cinch's own report endpoint.
 */
function refuseBuiltin(p: ProjectRecord, action: string): void {
  if (p.builtin)
    throw conflict(
      "builtin_project",
      `the built-in project receives the dashboard's own reports; its ${action} is not possible`,
    );
}

/** Register the delete and rotate routes. */
export function projectLifecycleRoutes(api: ApiRouter, deps: AppDeps): void {
  const { projects, writer, config } = deps;

  const project = async (id: string | undefined) => {
    const p = await projects.get(id ?? "");
    if (!p) throw notFound("project");
    return p;
  };

  api.add("delete", "/projects/:id", "admin", async (ctx) => {
    const p = await project(ctx.params.id);
    refuseBuiltin(p, "deletion");
    // The key is retired and the row gone first (ingest answers 410 from now on); reports already queued are
    // committed before the purge, so none lands after it. What still lands is purged by the hourly job.
    if (!(await projects.remove(p.id))) throw notFound("project");
    writer.invalidateProject(p.id);
    await writer.drain();
    const r = await purgeProject(runnerFor(deps.db), p.id);
    deps.log.info(
      { project: p.id, deleted: r.deleted, batches: r.batches, longestBatchMs: Math.round(r.longestBatchMs) },
      `deleted project ${p.id} (${p.name})`,
    );
    ctx.status = 204;
  });

  api.add("post", "/projects/:id/report-key", "admin", async (ctx) => {
    const p = await project(ctx.params.id);
    refuseBuiltin(p, "report key rotation");
    const next = await projects.rotateReportKey(p.id);
    if (!next) throw notFound("project");
    ctx.body = presentProject(next, config.publicUrl);
  });
}
