// The `cinch` command line: each family of subcommands lives in server/cli/<family>.ts.
import { Command } from "commander";
import { registerServeCommands } from "./cli/serve.ts";
import { registerReportCommands } from "./cli/reports.ts";
import { registerPolicyCommands } from "./cli/policy.ts";
import { registerAdminCommands } from "./cli/admin.ts";
import { registerProjectLifecycleCommands } from "./cli/project-lifecycle.ts";
import { registerUserCommands } from "./cli/users.ts";
import { registerMigrateCommands } from "./cli/migrate.ts";
import { registerDbCommands } from "./cli/db.ts";
import { registerAlertCommands } from "./cli/alerts.ts";
import { registerScriptCommands } from "./cli/scripts.ts";
import { CliError } from "./cli/io.ts";
import { VERSION } from "./version.ts";

/** An error the system or the database server raised (it carries a string code: ECONNREFUSED, 28P01, ...). */
function isEnvironmentError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "string";
}

const program = new Command("cinch")
  .description("Cinch: self-hosted CSP report collector and policy builder")
  .version(VERSION, "-V, --version", "print the version")
  .showHelpAfterError();
registerServeCommands(program);
registerReportCommands(program);
registerPolicyCommands(program);
registerAdminCommands(program);
registerProjectLifecycleCommands(program);
registerUserCommands(program);
registerMigrateCommands(program);
registerDbCommands(program);
registerAlertCommands(program);
registerScriptCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError) {
    process.stderr.write(`cinch: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else if (isEnvironmentError(err)) {
    // The machine's answer (a database that does not answer, a refused login, a missing file): one line, no
    // stack. `cinch project list` against an unreachable PostgreSQL printed Node's uncaught-exception trace.
    process.stderr.write(`cinch: ${err.message}${err.message.includes(err.code) ? "" : ` (${err.code})`}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
