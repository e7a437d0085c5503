// CLI: `cinch project delete <id> --yes` (the project and every row it owns, in batches) and
// `cinch project rotate-key <id>` (a new report key; the old one answers 410 Gone), on the configured database.
// A running server notices within its key cache's 10 seconds (projects.ts).
import type { Command } from "commander";
import { ProjectStore } from "../store/projects.ts";
import { purgeProject } from "../store/project-purge.ts";
import { runnerFor } from "../store/sql-runner.ts";
import { presentProject } from "../api/present.ts";
import { withDb } from "./admin.ts";
import { CliError, out } from "./io.ts";

/** Add delete and rotate-key to the `project` command family (created by admin.ts). */
export function registerProjectLifecycleCommands(program: Command): void {
  const project = program.commands.find((c) => c.name() === "project");
  if (!project) throw new Error("the project command family is registered first (admin.ts)");
  project
    .command("delete")
    .description("delete a project and everything it owns; its report key then answers 410 Gone")
    .argument("<id>", "the project's id (cinch project list)")
    .option("--yes", "confirm: this cannot be undone")
    .action(async (id: string, opts: { yes?: boolean }) => {
      await withDb(async (db) => {
        const projects = new ProjectStore(db);
        const p = await projects.get(id);
        if (!p) throw new CliError(`no project with id ${id}`);
        if (p.builtin) throw new CliError(`project ${id} is the built-in one (the dashboard's own reports)`);
        if (!opts.yes)
          throw new CliError(
            `this deletes project ${id} (${p.name}) and all its reports, groups and versions; add --yes to confirm`,
          );
        await projects.remove(id);
        const r = await purgeProject(runnerFor(db), id);
        const total = Object.values(r.deleted).reduce((a, b) => a + b, 0);
        out(`deleted project ${id} (${p.name}): ${total} rows in ${r.batches} batches`);
        for (const [table, n] of Object.entries(r.deleted)) if (n > 0) out(`  ${table}\t${n}`);
      });
    });
  project
    .command("rotate-key")
    .description("give a project a new report key and print its install values; the old key answers 410 Gone")
    .argument("<id>", "the project's id (cinch project list)")
    .action(async (id: string) => {
      await withDb(async (db, publicUrl) => {
        const projects = new ProjectStore(db);
        const p = await projects.get(id);
        if (!p) throw new CliError(`no project with id ${id}`);
        if (p.builtin) throw new CliError(`project ${id} is the built-in one (the dashboard's own reports)`);
        const next = await projects.rotateReportKey(id);
        if (!next) throw new CliError(`no project with id ${id}`);
        out(JSON.stringify(presentProject(next, publicUrl), null, 2));
      });
    });
}
