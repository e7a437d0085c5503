// `npm start` builds only when the build is missing, never on a host where it exists (a read-only install).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";

const START = new URL("../../scripts/start.mjs", import.meta.url).pathname;
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in install: the real start script, a fake build script and a fake server that say what ran. */
function install(built: boolean): string {
  dir = mkdtempSync(join(tmpdir(), "cinch-start-"));
  mkdirSync(join(dir, "scripts"));
  mkdirSync(join(dir, "dist"));
  copyFileSync(START, join(dir, "scripts", "start.mjs"));
  const server = 'process.stdout.write("server ran\\n");\n';
  writeFileSync(
    join(dir, "scripts", "build.mjs"),
    `import { writeFileSync } from "node:fs";
process.stdout.write("build ran\\n");
writeFileSync(new URL("../dist/main.js", import.meta.url), ${JSON.stringify(server)});
writeFileSync(new URL("../dist/build.json", import.meta.url), "{}");
`,
  );
  if (built) {
    writeFileSync(join(dir, "dist", "main.js"), server);
    writeFileSync(join(dir, "dist", "build.json"), "{}");
  }
  return dir;
}

function start(root: string): string {
  const r = spawnSync(process.execPath, [join(root, "scripts", "start.mjs")], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("npm start", () => {
  test("runs the existing build without building", () => {
    expect(start(install(true))).toBe("server ran\n");
  });

  test("builds once when the build is missing, then runs it", () => {
    const root = install(false);
    expect(start(root)).toBe("build ran\nserver ran\n");
    expect(existsSync(join(root, "dist", "build.json"))).toBe(true);
    expect(start(root)).toBe("server ran\n");
  });
});
