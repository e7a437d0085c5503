// CLI: `cinch serve` is `npm start`: the same script (scripts/start.mjs) under the same node flags, in a child
// process because V8's heap flags cannot be set once this process runs. Signals are passed on, so a SIGTERM to
// `cinch serve` lets the server flush its queued reports before both exit.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

/** scripts/start.mjs, two directories up from server/cli/ and from dist/cli/ alike. */
const START = fileURLToPath(new URL("../../scripts/start.mjs", import.meta.url));

/**
 * The node flags `npm start` runs the server with (package.json "start"; bench/proc.ts SERVER_NODE_ARGS): a 32 MB
 * young generation, measured in bench/README.md against the default's CPU and peak RSS under load.
 */
const SERVER_NODE_FLAGS = ["--max-semi-space-size=32"];

/** Register the serve command. */
export function registerServeCommands(program: Command): void {
  program
    .command("serve")
    .description("run the Cinch server, exactly as `npm start` does (configuration from the environment)")
    .action(async () => {
      const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, START], { stdio: "inherit" });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward(signal));
      const code = await new Promise<number>((resolve) => {
        child.on("exit", (status, signal) => resolve(status ?? (signal === "SIGINT" ? 130 : 143)));
      });
      process.exitCode = code;
    });
}
