// CLI: reports commands (placeholder until the reports module lands).
import type { Command } from "commander";

/** Register the reports subcommands. */
export function registerReportCommands(_program: Command): void {}
