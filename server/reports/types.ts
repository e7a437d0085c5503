// The canonical violation: what every report shape is normalized into before it is classified and stored.
import type { ScriptReport } from "./wire-scripts.ts";

/** Why a report is kept apart from the builder. "injector": its blocked URL or source file is on a host of
 *  injected software or adware (reports/injector-hosts.ts). "unknown-directive": it names no CSP directive (junk,
 *  `<img`, "constructor"); kept so the dashboard can show it, never a group the builder reads. "test-report": sent
 *  by the dashboard's "Send a test report" (blocked host TEST_REPORT_HOST, noise.ts): shown, kept out of the builder
 *  and alerts like all noise. */
export const NOISE_REASONS = [
  "extension",
  "injector",
  "browser-internal",
  "ignore-rule",
  "unknown-directive",
  "test-report",
] as const;
export type NoiseReason = (typeof NOISE_REASONS)[number];

export const DISPOSITIONS = ["enforce", "report"] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** One violation, normalized. Strings are bounded; URLs carry no credentials, query or fragment. */
export type Violation = {
  /** Effective directive, lower-case (e.g. "script-src-elem"). */
  directive: string;
  /** Canonical blocked value: a keyword (inline, eval, wasm-eval, trusted-types-sink, ...), a bare scheme
   *  (data, blob, ...) or a normalized http(s)/ws(s) URL. */
  blocked: string;
  /** Grouping key for blocked: the origin for URLs, else the same as blocked. */
  blockedKey: string;
  documentUrl: string;
  disposition: Disposition | null;
  sourceFile: string;
  line: number | null;
  column: number | null;
  sample: string;
  statusCode: number | null;
  /** Browser family and major version, e.g. "Chrome 156"; "" when unknown. */
  browser: string;
  noise: NoiseReason | null;
};

/** Project-level ignore rules (a project setting). */
export type IgnoreRules = {
  /** Host patterns: "cdn.example.com", "*.example.com", optionally with ":port". */
  hosts: string[];
  /** Schemes without colon, e.g. "ms-appx". */
  schemes: string[];
  /** Case-insensitive substrings matched against the sample. */
  sampleContains: string[];
};

/** The outcome of parsing one ingest request body. */
export type ParseOutcome =
  | {
      ok: true;
      violations: Violation[];
      /** csp-hash and integrity-violation entries (#18), in batch order: the script inventory's input. */
      scripts: ScriptReport[];
      /** entries skipped (non-CSP types or malformed entries) */ skipped: number;
    }
  | { ok: false; status: 400 | 413 | 415; error: string; message: string };
