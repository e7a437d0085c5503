#!/usr/bin/env node
// The `cinch` command. An install (npm pack, a pruned deployment) runs the compiled CLI in dist/; a development
// checkout, where tsx is installed, runs the TypeScript sources, so a CLI test never exercises a stale build.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url);
const sources = new URL("server/cli.ts", root);
const compiled = new URL("dist/cli.js", root);

function resolvable(name) {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

if (existsSync(sources) && resolvable("tsx/esm/api")) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write("cinch: no build found (dist/cli.js): run `npm run build` first\n");
  process.exitCode = 1;
}
