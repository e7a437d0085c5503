// `npm run build`: everything that runs, built once — the server compiled to JavaScript (dist/), the dashboard
// (web/dist/) and a CycloneDX SBOM of the production dependencies (dist/sbom.cdx.json). Needs devDependencies;
// what it writes runs without them (`npm prune --omit=dev`). dist/build.json is written last: its presence is
// what `npm start` takes for "the build exists".
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// `--server-only --out <dir>`: only the server, into <dir> (a folder of the checkout, at dist/'s depth so the
// compiled modules' `new URL("../…")` paths resolve alike), and no build.json. `npm run bench` runs Cinch so.
const args = process.argv.slice(2);
const serverOnly = args.includes("--server-only");
const outAt = args.indexOf("--out");
const dist = join(root, outAt >= 0 ? args[outAt + 1] : "dist");
if (dirname(dist) !== root.replace(/\/$/, "")) throw new Error(`build: --out must be a folder of ${root}`);
/** Files the compiled modules read next to themselves (new URL("./…", import.meta.url)). */
const ASSETS = ["accounts/common-passwords.txt"];

function run(what, command, args, opts = {}) {
  process.stderr.write(`build: ${what}\n`);
  const r = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) {
    process.stderr.write(`build: ${what} failed\n`);
    process.exit(r.status ?? 1);
  }
  return r;
}

/** A binary from node_modules/.bin, run with this Node (no npx lookup, no network). */
function bin(name) {
  return join(root, "node_modules", ".bin", name);
}

rmSync(dist, { recursive: true, force: true });
// tsc keeps server/'s layout under dist/, so every `new URL("../…", import.meta.url)` (package.json, prisma/,
// web/dist/) resolves to the same file from dist/ as from server/.
run(`server (tsc -p tsconfig.build.json → ${dist})`, bin("tsc"), [
  "-p",
  "tsconfig.build.json",
  "--outDir",
  dist,
]);
for (const asset of ASSETS) {
  const from = join(root, "server", asset);
  if (!existsSync(from)) throw new Error(`build: asset ${from} is missing`);
  mkdirSync(dirname(join(dist, asset)), { recursive: true });
  copyFileSync(from, join(dist, asset));
}
if (serverOnly) {
  process.stderr.write(`build: server done (${dist})\n`);
  process.exit(0);
}
run("dashboard (vite → web/dist/)", bin("vite"), [
  "build",
  "--config",
  "web/vite.config.ts",
  "--logLevel",
  "warn",
]);

run("SBOM (dist/sbom.cdx.json)", process.execPath, ["scripts/sbom.mjs", "dist/sbom.cdx.json"]);

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(
  join(dist, "build.json"),
  JSON.stringify(
    { version: pkg.version, node: process.version, builtAt: new Date().toISOString() },
    null,
    2,
  ) + "\n",
);
process.stderr.write(`build: done (cinch ${pkg.version})\n`);
