// `npm start` (and `cinch serve`): run the compiled server (dist/main.js). When the build is missing — a fresh
// checkout after `npm install` — build it first; where a build exists (dist/build.json, written last by
// scripts/build.mjs) never build, so a production host with a read-only install directory only reads.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url);
const built = new URL("dist/build.json", root);

if (!existsSync(built)) {
  process.stderr.write("cinch: no build yet, running `npm run build` (once)...\n");
  const r = spawnSync(process.execPath, [new URL("scripts/build.mjs", root).pathname], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The server runs in this process, so SIGTERM/SIGINT reach it directly and it can flush before exiting.
await import(new URL("dist/main.js", root).href);
