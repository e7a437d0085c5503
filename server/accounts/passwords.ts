// Admin passwords: Argon2id hashes (per-password random salt, in the PHC string) and the password policy
// (length, a bundled list of common passwords and their simple variants).
import { readFileSync } from "node:fs";
import { hash, verify, type Algorithm } from "@node-rs/argon2";

/**
 * OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane): ~15 ms per hash here, so sign-in stays fast while an
 * offline guesser pays 19 MiB per guess. The parameters travel inside each hash, so raising them later only
 * needs `needsRehash` on the next sign-in.
 */
const PARAMS = {
  algorithm: 2 as Algorithm, // Algorithm.Argon2id; a literal because const enums do not survive isolatedModules
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;
const PHC_PREFIX = `$argon2id$v=19$m=${PARAMS.memoryCost},t=${PARAMS.timeCost},p=${PARAMS.parallelism}$`;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/** Hash a password with Argon2id and a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** Check a password against a stored hash; malformed hashes verify as false rather than throwing. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Was this hash made with other parameters than today's? */
export const needsRehash = (stored: string): boolean => !stored.startsWith(PHC_PREFIX);

let dummy: Promise<string> | null = null;
/**
 * Spend the time of one verification without a user: sign-in for an unknown email verifies against this, so its
 * answer time does not reveal which emails have accounts.
 */
export async function dummyVerify(password: string): Promise<void> {
  dummy ??= hashPassword("cinch-dummy-password-for-timing");
  await verifyPassword(await dummy, password);
}

let common: ReadonlySet<string> | null = null;
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(
    readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
  return common;
}

const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
};

/** The forms a password is checked under: as typed, without decoration at either end, de-l33ted, de-repeated. */
function variants(password: string): string[] {
  const lower = password.toLowerCase();
  const core = lower.replace(/^[\d\W_]+/, "").replace(/[\d\W_]+$/, "");
  const unleet = (s: string) => s.replace(/[013457@$!]/g, (c) => LEET[c] ?? c);
  const compact = lower.replace(/[\s\W_]+/g, ""); // "correct horse battery staple"
  const out = [lower, core, compact, unleet(lower), unleet(core), unleet(lower).replace(/[\d\W_]+$/, "")];
  // "passwordpassword", "abcabcabcabc": a repeated unit is as weak as the unit.
  for (const s of [lower, core]) {
    const m = /^(.+?)\1+$/.exec(s);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

const ROWS = [
  "0123456789",
  "abcdefghijklmnopqrstuvwxyz",
  "qwertyuiopasdfghjklzxcvbnm",
  "1qaz2wsx3edc4rfv5tgb6yhn7ujm",
];

/** A run of one keyboard row or the alphabet, forwards or backwards ("123456789012" wraps, so it counts too). */
function isSequence(s: string): boolean {
  return ROWS.some((row) => {
    const twice = row + row;
    const back = [...twice].reverse().join("");
    return twice.includes(s) || back.includes(s);
  });
}

/** Why a new password is refused, or null when it is acceptable. The message is safe to show. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const list = commonPasswords();
  const lower = password.toLowerCase();
  if (new Set(lower).size < 4 || isSequence(lower))
    return "password is too simple: choose a less predictable one";
  if (variants(password).some((v) => v.length < 3 || list.has(v) || isSequence(v))) {
    return "password is too common: choose one that is not on lists of well-known passwords";
  }
  if (email) {
    const e = email.toLowerCase();
    const local = e.split("@")[0] ?? "";
    if (lower.includes(e) || (local.length >= 4 && variants(password).includes(local))) {
      return "password must not be your email address";
    }
  }
  return null;
}
