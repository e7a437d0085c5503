// DATA_DIR and everything Cinch writes in it are readable by Cinch's user only: the directory 0700, the database
// and its -wal/-shm files and session.key 0600, and looser existing ones are tightened with a log line (#11 item 14).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { closeDeps, createDeps } from "../../server/bootstrap.ts";
import { createLogger } from "../../server/http/log.ts";

const bases: string[] = [];
afterEach(() => {
  for (const b of bases.splice(0)) rmSync(b, { recursive: true, force: true });
});

const modeOf = (p: string) => statSync(p).mode & 0o777;

/** Open Cinch's database in `dataDir`, write once (so the WAL exists), and report what was logged. */
async function openOnce(dataDir: string): Promise<{ logged: Record<string, unknown>[]; files: string[] }> {
  const logged: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n"))
        if (l.trim()) logged.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const deps = await createDeps(loadConfig({ DATA_DIR: dataDir }), createLogger("info", sink));
  await deps.projects.create("perm");
  const db = deps.config.databaseFile;
  const files = [db, `${db}-wal`, `${db}-shm`, join(dataDir, "session.key")];
  for (const f of files) expect(existsSync(f), f).toBe(true);
  const modes = Object.fromEntries(files.map((f) => [f, modeOf(f)]));
  await closeDeps(deps);
  return { logged, files: Object.keys(modes).filter((f) => modes[f] !== 0o600) };
}

describe("a new DATA_DIR", () => {
  test("is created 0700 with every file in it 0600, whatever the umask", async () => {
    const base = mkdtempSync(join(tmpdir(), "cinch-perm-"));
    bases.push(base);
    const dataDir = join(base, "data");
    const old = process.umask(0o022);
    try {
      const { files, logged } = await openOnce(dataDir);
      expect(modeOf(dataDir).toString(8)).toBe("700");
      expect(files, "files not 0600").toEqual([]);
      expect(logged.filter((l) => String(l.msg).startsWith("tightened"))).toEqual([]);
    } finally {
      process.umask(old);
    }
  });
});

describe("an existing DATA_DIR with loose modes", () => {
  test("is tightened to 0700/0600, one warning per path", async () => {
    const base = mkdtempSync(join(tmpdir(), "cinch-perm-"));
    bases.push(base);
    const dataDir = join(base, "data");
    mkdirSync(dataDir);
    await openOnce(dataDir);
    // Restored from a backup with the usual 0755/0644; the -wal and -shm are gone after a clean close.
    const db = join(dataDir, "cinch.db");
    chmodSync(dataDir, 0o755);
    chmodSync(db, 0o644);
    chmodSync(join(dataDir, "session.key"), 0o644);
    const { files, logged } = await openOnce(dataDir);
    expect(modeOf(dataDir).toString(8)).toBe("700");
    expect(files, "files not 0600").toEqual([]);
    const warned = logged.filter((l) => String(l.msg).startsWith("tightened")).map((l) => l.path);
    expect(warned).toEqual(expect.arrayContaining([dataDir, db]));
    expect(logged.find((l) => l.path === db)).toMatchObject({
      level: 40,
      msg: `tightened ${db} from 644 to 600 (owner only)`,
    });
  });
});

describe("a shared DATA_DIR", () => {
  test("a sticky, world-writable directory (like /tmp) is refused, not made 0700", async () => {
    const base = mkdtempSync(join(tmpdir(), "cinch-perm-"));
    bases.push(base);
    const shared = join(base, "tmp");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    await expect(createDeps(loadConfig({ DATA_DIR: shared }), createLogger("silent"))).rejects.toThrow(
      /DATA_DIR .* is a shared directory \(sticky bit, like \/tmp\): .* give it a directory of its own/,
    );
    expect((statSync(shared).mode & 0o7777).toString(8)).toBe("1777");
  });
});
