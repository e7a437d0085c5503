// Secrets: SESSION_SECRET must carry 32 random bytes; without it a key is generated once into DATA_DIR (0600).
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { loadSessionSecret, SECRET_FILE } from "../../server/accounts/secrets.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "cinch-secret-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HEX64 = "3f9a1c0e7b5d42a8916e0f3c2b7d8a4e5f60718293a4b5c6d7e8f90123456789";
const B64 = "q83vEjRWeJq8Ze9Gh2IkK9Wk1v3mXo0pT7cAbQdRsUw";

describe("SESSION_SECRET", () => {
  test.each([
    { value: "short", why: "neither hex nor base64|got 3 bytes" },
    { value: "correct horse battery staple and more words", why: "neither hex nor base64" },
    { value: HEX64.slice(0, 62), why: "got 31 bytes" },
    { value: "a".repeat(64), why: "repetitive" },
    { value: "ab".repeat(40), why: "repetitive" },
    { value: B64.slice(0, 40), why: "got 30 bytes" },
  ])("refuses $value", ({ value, why }) => {
    let err: unknown;
    try {
      loadConfig({ SESSION_SECRET: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toMatch(/SESSION_SECRET: must encode at least 32 random bytes/);
    expect(msg).toMatch(new RegExp(why));
    expect(msg).not.toContain(value); // the secret itself is never echoed
  });

  test.each([HEX64, B64, `${B64}=`])("accepts %s", (value) => {
    expect(loadConfig({ SESSION_SECRET: value }).SESSION_SECRET).toBe(value);
  });

  test("a configured secret is used as is, and no key file is written", () => {
    const dir = tempDir();
    expect(loadSessionSecret({ configured: HEX64, dataDir: dir }).toString("hex")).toBe(HEX64);
    expect(() => statSync(join(dir, SECRET_FILE))).toThrow();
  });
});

describe("generated key", () => {
  test("created once with mode 0600, then reused (sessions survive restarts)", () => {
    const dir = tempDir();
    const a = loadSessionSecret({ configured: undefined, dataDir: dir });
    expect(a).toHaveLength(32);
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    const b = loadSessionSecret({ configured: undefined, dataDir: dir });
    expect(b.equals(a)).toBe(true);
  });

  test("a key file readable by others is tightened to 0600", () => {
    const dir = tempDir();
    loadSessionSecret({ configured: undefined, dataDir: dir });
    chmodSync(join(dir, SECRET_FILE), 0o644);
    loadSessionSecret({ configured: undefined, dataDir: dir });
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  test("a weak key file is refused", () => {
    const dir = tempDir();
    writeFileSync(join(dir, SECRET_FILE), "0000\n", { mode: 0o600 });
    expect(() => loadSessionSecret({ configured: undefined, dataDir: dir })).toThrow(
      /at least 32 random bytes/,
    );
  });

  test("different data directories get different keys", () => {
    const a = loadSessionSecret({ configured: undefined, dataDir: tempDir() });
    const b = loadSessionSecret({ configured: undefined, dataDir: tempDir() });
    expect(a.equals(b)).toBe(false);
  });
});

describe(".env", () => {
  test("is git-ignored", async () => {
    const { readFileSync } = await import("node:fs");
    const ignore = readFileSync(new URL("../../.gitignore", import.meta.url), "utf8").split("\n");
    expect(ignore).toContain(".env");
  });
});
