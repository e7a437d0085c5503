// `npm run dev`: the API server from the TypeScript sources with reload on change (tsx watch, on PORT, default
// 8787) and the Vite dev server for the dashboard with hot reload, which proxies /api, /r and /healthz to it
// (web/vite.config.ts). Ctrl-C stops both; when either exits, the other is stopped.
import { spawn } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => `${root}node_modules/.bin/${name}`;
const children = [
  spawn(bin("tsx"), ["watch", "server/main.ts"], { cwd: root, stdio: "inherit" }),
  spawn(bin("vite"), ["--config", "web/vite.config.ts"], { cwd: root, stdio: "inherit" }),
];
let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  process.exitCode = code;
}
for (const c of children) c.on("exit", (code) => stop(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop(0));
