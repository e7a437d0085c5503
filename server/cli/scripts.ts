// CLI: the script inventory (#18) — `cinch scripts list <project>` (one JSON line per script, the API's filters as
// options) and `cinch scripts export <project>` (the assessor's CSV or JSON for a period, to stdout or a file).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ProjectStore } from "../store/projects.ts";
import { ScriptStore } from "../store/scripts.ts";
import { isScriptStatus, matchesFilter, type ScriptFilter } from "../scripts/inventory.ts";
import { presentScript } from "../api/present-scripts.ts";
import { scriptExport } from "../api/scripts-export.ts";
import { withDb } from "./admin.ts";
import { CliError, out } from "./io.ts";

/** A date option: an ISO date or date-time; a bad one exits 2 naming the option. */
function when(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms))
    throw new CliError(`${option}: not a date (use 2026-12-01 or 2026-12-01T00:00:00Z): ${value}`, 2);
  return ms;
}

/** Register the scripts subcommands. */
export function registerScriptCommands(program: Command): void {
  const scripts = program
    .command("scripts")
    .description("the script inventory (csp-hash / integrity-violation)");
  scripts
    .command("list")
    .description("print the project's scripts, one JSON object per line, most recently seen first")
    .argument("<project>", "the project's id (cinch project list)")
    .option("--status <status>", "new, authorized, rejected or changed")
    .option("--payment", "only scripts seen on payment pages")
    .option("--origin <origin>", "only scripts from this origin (https://cdn.example.com)")
    .option("--missing-sri", "only scripts loaded without SRI")
    .option("--changed", "only scripts with more than one hash, or status changed")
    .action(
      async (
        id: string,
        o: { status?: string; payment?: boolean; origin?: string; missingSri?: boolean; changed?: boolean },
      ) => {
        if (o.status !== undefined && !isScriptStatus(o.status))
          throw new CliError(`--status: must be new, authorized, rejected or changed, not ${o.status}`, 2);
        const filter: ScriptFilter = {
          status: o.status,
          payment: o.payment,
          origin: o.origin,
          missingSri: o.missingSri,
          changed: o.changed,
        };
        await withDb(async (db) => {
          const p = await new ProjectStore(db).get(id);
          if (!p) throw new CliError(`no project with id ${id}`);
          const pay = p.settings.paymentPages;
          for (const s of await new ScriptStore(db.prisma).list(p.id))
            if (matchesFilter(s, filter, pay)) out(JSON.stringify(presentScript(s, pay)));
        });
      },
    );
  scripts
    .command("export")
    .description("the inventory with reviews and the change log for a period (default: the last 90 days)")
    .argument("<project>", "the project's id (cinch project list)")
    .option("--format <format>", "csv or json", "json")
    .option("--since <date>", "start of the period (ISO date, UTC)")
    .option("--until <date>", "end of the period, excluded (ISO date, UTC; default now)")
    .option("-o, --out <file>", "write to this file instead of standard output")
    .action(async (id: string, o: { format: string; since?: string; until?: string; out?: string }) => {
      if (o.format !== "csv" && o.format !== "json")
        throw new CliError(`--format: must be csv or json, not ${o.format}`, 2);
      const format = o.format;
      const since = when(o.since, "--since");
      const until = when(o.until, "--until");
      await withDb(async (db) => {
        const p = await new ProjectStore(db).get(id);
        if (!p) throw new CliError(`no project with id ${id}`);
        const file = await scriptExport(new ScriptStore(db.prisma), p, format, since, until);
        if (o.out === undefined)
          process.stdout.write(file.body.endsWith("\n") ? file.body : `${file.body}\n`);
        else {
          writeFileSync(o.out, file.body);
          process.stderr.write(`wrote ${o.out}\n`);
        }
      });
    });
}
