// CLI: policy commands (placeholder until the policy module lands).
import type { Command } from "commander";

/** Register the policy subcommands. */
export function registerPolicyCommands(_program: Command): void {}
