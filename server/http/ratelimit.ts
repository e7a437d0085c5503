// Token buckets kept in memory. Hand-written rather than rate-limiter-flexible: this runs on every ingest request,
// needs true token-bucket semantics (steady rate + burst) and must key clients by an HMAC, never a stored IP.
import { createHmac, randomBytes } from "node:crypto";

type Bucket = { tokens: number; at: number };

/** A set of token buckets with a common rate (tokens/s) and burst size. */
export class TokenBuckets {
  private buckets = new Map<string, Bucket>();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** The most tokens a bucket holds: a request needing more can never be allowed. */
  get capacity(): number {
    return this.burst;
  }

  /** Seconds until n tokens are available for key (0 when they are now); takes nothing. */
  wait(key: string, n = 1, now = performance.now()): number {
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate) : this.burst;
    return tokens >= n ? 0 : (n - tokens) / this.rate;
  }

  /** Take n tokens for key; returns 0 when allowed, else the seconds until n tokens are available. */
  take(key: string, n = 1, now = performance.now()): number {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
      b.at = now;
    }
    if (b.tokens >= n) {
      b.tokens -= n;
      return 0;
    }
    return (n - b.tokens) / this.rate;
  }

  /** Drop full buckets (they hold no state worth keeping); if still too many, start over. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}

/** Keyed hash of a client address: rate limiting needs identity, not the address itself. Key lives in memory only. */
export function clientKeyer(): (address: string, connection?: object) => string {
  const key = randomBytes(32);
  const hmac = (address: string) =>
    createHmac("sha256", key).update(address).digest("base64url").slice(0, 22);
  // A keep-alive connection sends many requests from one address: its key is remembered on the connection (for
  // as long as the connection lives) instead of an HMAC per request. Behind a proxy the address comes from a
  // header and may change between requests on one connection, so the address is checked too.
  const byConnection = new WeakMap<object, { address: string; key: string }>();
  return (address, connection) => {
    if (connection === undefined) return hmac(address);
    const hit = byConnection.get(connection);
    if (hit?.address === address) return hit.key;
    const k = hmac(address);
    byConnection.set(connection, { address, key: k });
    return k;
  };
}
