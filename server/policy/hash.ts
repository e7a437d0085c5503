// Hash sources for inline code (CSP3 §6.7.3.5), and the rule for when a report sample is a whole script.
import { createHash } from "node:crypto";

export const HASH_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Browsers cut samples to this many characters (CSP3 §5.3 "obtain the blocked sample"). */
export const SAMPLE_LIMIT = 40;

/** The quoted hash source for `text`: base64 of the digest of its UTF-8 bytes (CSP3 §6.7.3.5). */
export function hashSource(text: string, algorithm: HashAlgorithm = "sha256"): string {
  const digest = createHash(algorithm).update(text, "utf8").digest("base64");
  return `'${algorithm}-${digest}'`;
}

/**
 * True when a report sample can be the complete inline script: non-empty, shorter than the 40-character
 * cut (a 40-character sample may be truncated) and without Firefox's "..." truncation marker. Chromium
 * trims leading and trailing whitespace before cutting (measured with Chromium 156), so even then the
 * hash matches only a script with no surrounding whitespace: it is a candidate to verify.
 */
export function isWholeSample(sample: string): boolean {
  return (
    sample.length > 0 && sample.length < SAMPLE_LIMIT && !sample.endsWith("...") && !sample.endsWith("…")
  );
}

/** True when `source` (quoted) is the hash of `text` under its own algorithm. */
export function hashMatches(source: string, text: string): boolean {
  const m = /^'(sha256|sha384|sha512)-/i.exec(source);
  if (!m) return false;
  return (
    hashSource(text, m[1]!.toLowerCase() as HashAlgorithm) ===
    `'${m[1]!.toLowerCase()}${source.slice(m[1]!.length + 1)}`
  );
}
