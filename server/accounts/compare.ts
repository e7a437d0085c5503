// Constant-time comparison of secrets (tokens, CSRF tokens, the metrics token): one helper, not one per caller.
import { timingSafeEqual } from "node:crypto";

/** True when `a` and `b` are the same string, in time independent of where they first differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
