// The SQLite engine's database: the file opened twice, Prisma (through the better-sqlite3 adapter) for the
// application's queries, and a raw better-sqlite3 handle for the ingest writer's prepared statements (the hot path)
// and the raw SQL reads (sql.ts).
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";
import { sqliteReader } from "./sql.ts";
import { ConfigError } from "../config.ts";
import type { SqliteDb } from "./db.ts";
import { NO_OTHER_NODES } from "./pg-commits.ts";

export type OpenDbOptions = {
  synchronous?: "FULL" | "NORMAL";
  /** DATA_DIR: created 0700, and tightened to 0700 when it is looser. */
  dataDir?: string;
  /** Told about each existing path whose mode was tightened (to log it). */
  onTightened?: (path: string, from: number, to: number) => void;
};

/** Clear the group and other bits of a path's mode; reports the change. */
function ownerOnly(path: string, to: number, told: OpenDbOptions["onTightened"]): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  chmodSync(path, to);
  told?.(path, mode, to);
}

/**
 * A shared directory (the sticky bit: /tmp, /var/tmp) or one another user owns is not made 0700: that would lock
 * every other user out of it (a scratch run with DATA_DIR=/tmp left /tmp 0700 on the test machine, and every other
 * process that used it failed). Cinch refuses to start instead.
 */
function sharedDirCheck(dir: string): void {
  const st = statSync(dir);
  const ownedByOther = typeof process.getuid === "function" && st.uid !== process.getuid();
  if ((st.mode & 0o1000) === 0 && !ownedByOther) return;
  // A configuration problem: `npm start` prints it and exits 2, as for any other.
  throw new ConfigError([
    `DATA_DIR ${dir} is ${ownedByOther ? "owned by another user" : "a shared directory (sticky bit, like /tmp)"}: ` +
      `Cinch makes its data directory readable by its own user only, so give it a directory of its own ` +
      `(for example ${join(dir, "cinch")})`,
  ]);
}

/**
 * The data directory and the database files are the owner's only: reports, sessions and token hashes live there.
 * The directory is 0700 and the database file 0600, created so before SQLite opens it: SQLite gives the -wal and
 * -shm files the mode of the database file. Looser existing ones (an older install, a restored backup) are
 * tightened. A database outside DATA_DIR keeps its directory's mode: that directory may be shared.
 */
export function secureFiles(file: string, opts: OpenDbOptions): void {
  if (opts.dataDir !== undefined) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    sharedDirCheck(opts.dataDir);
    ownerOnly(opts.dataDir, 0o700, opts.onTightened);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`])
    if (existsSync(f)) ownerOnly(f, 0o600, opts.onTightened);
}

/** Open (creating the directory and applying migrations) the database at a file path. */
export async function openDb(file: string, opts: OpenDbOptions = {}): Promise<SqliteDb> {
  if (file !== ":memory:") secureFiles(file, opts);
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
  raw.pragma("busy_timeout = 5000");
  raw.pragma("foreign_keys = ON");
  applyMigrations(raw);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
  await prisma.$executeRawUnsafe("PRAGMA busy_timeout = 5000");
  return {
    engine: "sqlite",
    prisma,
    otherNodes: NO_OTHER_NODES,
    sql: sqliteReader(raw),
    raw,
    file,
    async close() {
      await prisma.$disconnect();
      raw.close();
    },
  };
}

/** Bytes the probe writes: about a large group commit's WAL growth, so a disk with a few free blocks is not "ok". */
const PROBE_BYTES = 256 * 1024;

/**
 * A storage probe for StorageHealth: write, sync and remove a file beside the database, then read from it. It
 * fails with the system's code (ENOSPC, EIO, ...) or SQLite's while the storage is still failing.
 */
export function sqliteProbe(db: SqliteDb): () => void {
  return () => {
    if (db.file !== ":memory:") {
      const path = `${db.file}.probe`;
      const fd = openSync(path, "w", 0o600);
      try {
        writeSync(fd, Buffer.alloc(PROBE_BYTES));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        unlinkSync(path);
      }
    }
    db.raw.prepare("SELECT 1").get();
  };
}
