#!/usr/bin/env node
// The `cinch` command. An install (npm pack, a pruned deployment) runs the compiled CLI in dist/; a development
// checkout, where tsx is installed, runs the TypeScript sources, so a CLI test never exercises a stale build.
// `cinch serve` is `npm start`: the same script under the same node flags (package.json "start").
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url);
const sources = new URL("server/cli.ts", root);
const compiled = new URL("dist/cli.js", root);
/** The node flags `npm start` runs the server with: a 32 MB young generation, the main thread's old space capped at
 *  1 GB (server/heap.ts, bench/README.md). */
const SERVER_NODE_FLAGS = ["--max-semi-space-size=32", "--max-old-space-size=1024"];

function resolvable(name) {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

if (process.argv.length === 3 && process.argv[2] === "serve") {
  // A child, because V8's heap flags cannot be set in this process; signals are passed on, so a SIGTERM lets the
  // server flush its queued reports before both exit.
  const start = new URL("scripts/start.mjs", root).pathname;
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, start], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal === "SIGINT" ? 130 : 143);
  });
} else if (existsSync(sources) && resolvable("tsx/esm/api")) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write("cinch: no build found (dist/cli.js): run `npm run build` first\n");
  process.exitCode = 1;
}
