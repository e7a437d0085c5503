// The session key: from SESSION_SECRET (validated by config.ts), else generated once into DATA_DIR/session.key
// with mode 0600. It keys the hash under which session ids are stored, so a copy of the database alone cannot
// even confirm a guessed session id.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { secretProblem } from "../config.ts";

export const SECRET_FILE = "session.key";

/** Decode a secret that config.ts accepted (hex or base64/base64url). */
export function decodeSecret(secret: string): Buffer {
  return /^[0-9a-fA-F]+$/.test(secret) ? Buffer.from(secret, "hex") : Buffer.from(secret, "base64");
}

/** The session key: configured, or read from / generated into the data directory. */
export function loadSessionSecret(opts: { configured: string | undefined; dataDir: string }): Buffer {
  if (opts.configured !== undefined) return decodeSecret(opts.configured);
  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, SECRET_FILE);
  try {
    // "wx": never overwrite a key another process just wrote; mode applies on creation only.
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // A key is only as secret as its file: one readable by others (copied in, restored from a backup) is tightened.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const text = readFileSync(file, "utf8").trim();
  const problem = secretProblem(text);
  if (problem) throw new Error(`${file}: ${problem}; delete the file to generate a new key`);
  return decodeSecret(text);
}
