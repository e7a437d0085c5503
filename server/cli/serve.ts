// CLI: `cinch serve` runs the server (same as `npm start`).
import type { Command } from "commander";

/** Register the serve command. */
export function registerServeCommands(program: Command): void {
  program
    .command("serve")
    .description("run the Cinch server (configuration from the environment; see README)")
    .action(async () => {
      await import("../main.ts");
    });
}
