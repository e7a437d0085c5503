// CLI: `cinch serve` is `npm start`: scripts/start.mjs, which runs the compiled server (building it only when it
// is missing). bin/cinch.mjs starts `serve` in a fresh node with the server's flags (V8's heap flags cannot be
// set in a running process); reached without it (node server/cli.ts serve), the script runs in this process.
import type { Command } from "commander";

/** scripts/start.mjs, two directories up from server/cli/ and from dist/cli/ alike. */
const START = new URL("../../scripts/start.mjs", import.meta.url).href;

/** Register the serve command. */
export function registerServeCommands(program: Command): void {
  program
    .command("serve")
    .description("run the Cinch server, exactly as `npm start` does (configuration from the environment)")
    .action(async () => {
      await import(START);
    });
}
