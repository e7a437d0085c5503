// `npm start`: build the dashboard if it is missing or older than its sources, then run the server.
import { existsSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "web/dist/index.html");

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale =
  !existsSync(dist) ||
  statSync(dist).mtimeMs <
    Math.max(newest(join(root, "web/src")), statSync(join(root, "web/index.html")).mtimeMs);
if (stale) {
  process.stderr.write("cinch: building the dashboard (web/dist)...\n");
  const r = spawnSync("npx", ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// Run the server in this process, so SIGTERM/SIGINT reach it directly and it can flush before exiting.
const { register } = await import("tsx/esm/api");
register();
await import("../server/main.ts");
