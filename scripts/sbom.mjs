// `npm run sbom`: a CycloneDX SBOM of the production dependencies (`npm sbom --omit dev`), written to the file
// given as the first argument (default dist/sbom.cdx.json). `npm run build` runs it, so every build carries one.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = resolve(root, process.argv[2] ?? "dist/sbom.cdx.json");
const r = spawnSync(
  "npm",
  ["sbom", "--sbom-format", "cyclonedx", "--sbom-type", "application", "--omit", "dev"],
  {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  },
);
if (r.status !== 0) {
  process.stderr.write(`sbom: npm sbom failed (exit ${r.status})\n`);
  process.exit(r.status ?? 1);
}
const components = JSON.parse(r.stdout).components?.length ?? 0;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, r.stdout);
process.stderr.write(`sbom: ${components} components → ${out}\n`);
