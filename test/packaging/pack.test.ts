// `npm pack` gives an installable package: installed globally into a throwaway prefix, outside any checkout, its
// `cinch --version` and `cinch serve` work (dashboard and API) with nothing of the development tool chain.
// The install is then made read-only and served by an unprivileged user (nobody) with only DATA_DIR writable.
// Slow on purpose and kept to one test: it builds, packs, installs from the registry and compiles better-sqlite3.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), "cinch-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Not copied into the scratch checkout: installs, builds, data and history. */
const SKIP = new Set(["node_modules", "dist", "data", "artifacts", ".git", "scratch", "coverage"]);

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** setpriv's arguments to run a command as nobody:nogroup (65534) with no supplementary groups. */
const AS_NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];

/**
 * The unprivileged user to serve as, when this process is root and that user runs the same Node.js (under
 * `.ci/with-node` the chosen Node lives under /root, where another user cannot reach it); else null, with why.
 */
function unprivileged(): { user: string | null; why: string } {
  if (process.getuid?.() !== 0) return { user: null, why: "not root: already unprivileged" };
  // Through env, as the installed `cinch` finds its node (`#!/usr/bin/env node`): setpriv's own lookup of a bare
  // `node` reached a Node.js under /root that env, as nobody, does not.
  const r = spawnSync("setpriv", [...AS_NOBODY, "/usr/bin/env", "node", "--version"], { encoding: "utf8" });
  if (r.status !== 0 || r.stdout.trim() !== process.version)
    return { user: null, why: `user nobody runs ${r.stdout.trim() || "no node"}, not ${process.version}` };
  return { user: "nobody", why: "" };
}

/** Every path under `dir` with its size and modification time: what a read-only install must keep as it was. */
function listing(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    const st = statSync(path);
    out.push(`${path} ${st.size} ${st.mtimeMs}`);
  }
  return out.sort();
}

/** Start `cinch serve` (as `user` when given); resolves with its URL once it says it listens. */
function serve(
  bin: string,
  cwd: string,
  user: string | null = null,
): Promise<{ url: string; stop: () => Promise<number | null> }> {
  // setpriv execs the command itself (runuser stays its parent and dies of the signal it passes on).
  const [cmd, args] = user ? ["setpriv", [...AS_NOBODY, bin, "serve"]] : [bin, ["serve"]];
  const proc = spawn(cmd, args, {
    cwd,
    env: { ...process.env, PORT: "0", DATA_DIR: join(cwd, "data"), LOG_LEVEL: "info", NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (https?:\/\/[^\s"]+)/.exec(out);
      if (m) {
        const stop = () =>
          new Promise<number | null>((done) => {
            proc.once("exit", (code) => done(code));
            proc.kill("SIGTERM");
          });
        resolve({ url: m[1]!, stop });
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`cinch serve exited (${code}) before listening:\n${out}`)));
  });
}

test("npm pack → npm install -g → cinch serve outside the checkout", { timeout: 900_000 }, async () => {
  // A scratch checkout beside nothing, with this checkout's development dependencies for the build (hard links:
  // quick and no space; a symlinked node_modules makes `npm sbom` read the linked tree as a package of its own).
  const checkout = join(work, "checkout");
  cpSync(root, checkout, {
    recursive: true,
    filter: (src) => !SKIP.has(src.slice(root.length).split("/")[0]!),
  });
  rmSync(join(checkout, "web", "dist"), { recursive: true, force: true });
  run("cp", ["-al", join(root, "node_modules"), join(checkout, "node_modules")], work);

  run("npm", ["pack", "--pack-destination", work, "--silent"], checkout); // prepack: npm run build
  const tarball = join(work, `cinch-${version}.tgz`);
  expect(existsSync(tarball)).toBe(true);

  const prefix = join(work, "prefix");
  run("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tarball], work);
  const installed = join(prefix, "lib", "node_modules", "cinch");
  const modules = readdirSync(join(installed, "node_modules"));
  for (const devOnly of ["tsx", "typescript", "vite", "vitest", "prisma", "esbuild"]) {
    expect(modules, devOnly).not.toContain(devOnly);
  }
  expect(existsSync(join(installed, "server"))).toBe(false); // compiled only: no TypeScript sources
  expect(existsSync(join(installed, "dist", "sbom.cdx.json"))).toBe(true);

  const bin = join(prefix, "bin", "cinch");
  expect(run(bin, ["--version"], work).trim()).toBe(version);
  // The policy worker thread starts from the build (dist/policy-worker/entry.js), production dependencies only.
  const pool = pathToFileURL(join(installed, "dist", "policy-worker", "pool.js")).href;
  const row = {
    id: 1,
    directive: "img-src",
    blocked: "https://a.example",
    count: 3,
    pages: ["https://s.example/"],
  };
  const probe =
    `import { PolicyWorker } from ${JSON.stringify(pool)};\n` +
    `const w = new PolicyWorker({ timeoutMs: 60000 });\n` +
    `const set = { key: "k", serial: 1, changed: new Map(), synced: null, rows: [${JSON.stringify({ ...row, firstSeen: 0, lastSeen: 0, samples: [], countsByVersion: {}, recentCount: 3 })}] };\n` +
    `const r = await w.run(set, { kind: "preview", policy: "img-src 'self'", opts: { now: 0 }, extra: [] });\n` +
    `w.close();\nconsole.log(r.summary);`;
  // A file, not -e: a worker inherits the process's flags, and --input-type is refused in workers.
  writeFileSync(join(work, "probe.mjs"), probe);
  expect(run(process.execPath, [join(work, "probe.mjs")], work)).toContain(
    "Enforce this now and 1 group (3 reports in the last 7 days) break.",
  );

  // A production host: the install read-only, served by an unprivileged user, only DATA_DIR writable.
  const before = listing(prefix);
  run("chmod", ["-R", "a-w", prefix], work);
  const { user, why } = unprivileged();
  if (!user) console.log(`pack test: serving as this user (${why})`);
  const elsewhere = join(work, "elsewhere");
  mkdirSync(join(elsewhere, "data"), { recursive: true });
  if (user) {
    chmodSync(work, 0o755);
    chownSync(join(elsewhere, "data"), 65534, 65534);
  }
  const server = await serve(bin, elsewhere, user);
  try {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const setup = await fetch(`${server.url}/api/setup`);
    expect(await setup.json()).toEqual({ needed: true });
  } finally {
    expect(await server.stop()).toBe(0);
  }
  expect(existsSync(join(elsewhere, "data", "cinch.db"))).toBe(true);
  if (user) expect(statSync(join(elsewhere, "data", "cinch.db")).uid).not.toBe(0);
  expect(listing(prefix)).toEqual(before); // nothing written into the install
  run("chmod", ["-R", "u+w", prefix], work); // so the scratch directory can be removed
});
