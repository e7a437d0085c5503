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
import { CliError } from "./cli/io.ts";
import { VERSION } from "./version.ts";

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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError) {
    process.stderr.write(`cinch: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    throw err;
  }
}
