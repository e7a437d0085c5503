// Start-up time of the built server (dist/main.js) against the TypeScript sources through tsx, as npm start ran them
// before the build: spawn → the "listening" log line, N alternating rounds after one warm-up each.
// Usage: npm run build && node scripts/startup-time.mjs [checkout] [N]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const cwd = process.argv[2] ?? new URL("..", import.meta.url).pathname;
const N = Number(process.argv[3] ?? 10);
const variants = {
  built: ["--max-semi-space-size=32", "--max-old-space-size=1024", "dist/main.js"],
  tsx: ["--max-semi-space-size=32", "--max-old-space-size=1024", "--import", "tsx", "server/main.ts"],
};
const dirs = Object.fromEntries(
  Object.keys(variants).map((k) => [k, mkdtempSync(join(tmpdir(), `su-${k}-`))]),
);
function once(name) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, variants[name], {
      cwd,
      env: { ...process.env, PORT: "0", DATA_DIR: dirs[name], LOG_LEVEL: "info" },
    });
    let out = "";
    p.stdout.on("data", (c) => {
      out += c;
      if (out.includes("listening on")) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        p.kill("SIGTERM");
        p.on("exit", () => resolve(ms));
      }
    });
    p.on("exit", (code) => {
      if (!out.includes("listening on")) reject(new Error(`${name} exited ${code}: ${out}`));
    });
  });
}
const times = { built: [], tsx: [] };
for (const name of Object.keys(variants)) await once(name); // warm-up: migrations, page cache
for (let i = 0; i < N; i++)
  for (const name of i % 2 ? ["tsx", "built"] : ["built", "tsx"]) times[name].push(await once(name));
for (const [name, t] of Object.entries(times)) {
  t.sort((a, b) => a - b);
  console.log(
    `${name}: median ${t[t.length >> 1].toFixed(0)} ms, min ${t[0].toFixed(0)}, max ${t[t.length - 1].toFixed(0)} (n=${t.length})`,
  );
}
for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
