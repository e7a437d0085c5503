// Fingerprint: the grouping key of a violation (directive + blocked origin/keyword + noise reason).
import { createHash } from "node:crypto";
import type { Violation } from "./types.ts";

/**
 * A stable 16-hex-char key (first 64 bits of SHA-256) grouping violations by directive, blockedKey and noise
 * reason: one group per blocked origin, not one per URL, and noise never shares a group with real reports.
 * Fields are joined with "\n", which no normalized field contains, so distinct triples cannot collide by
 * concatenation.
 */
export function fingerprint(v: Pick<Violation, "directive" | "blockedKey" | "noise">): string {
  return createHash("sha256")
    .update(`${v.directive}\n${v.blockedKey}\n${v.noise ?? ""}`)
    .digest("hex")
    .slice(0, 16);
}
