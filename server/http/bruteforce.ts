// Sign-in throttling: per client address (a token bucket, SIGNIN_ATTEMPTS_PER_MINUTE) and per account with
// exponential backoff. The account side is keyed by the email as typed, whether or not an account exists, so a
// throttled unknown email answers exactly like a throttled real one. State is in memory (a restart forgets it).
import { TokenBuckets, clientKeyer } from "./ratelimit.ts";
import { tooManyRequests } from "./errors.ts";

/** Failures allowed before the backoff starts, and its bounds. */
export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
const FORGET_MS = 24 * 60 * 60_000;
const MAX_ACCOUNTS = 100_000;

type Failures = { count: number; lockedUntil: number; last: number };

export class SignInGuard {
  private readonly perClient: TokenBuckets;
  private readonly keyOf = clientKeyer();
  private readonly accounts = new Map<string, Failures>();

  constructor(attemptsPerMinute: number) {
    this.perClient = new TokenBuckets(attemptsPerMinute / 60, attemptsPerMinute);
  }

  /** Count an attempt from this address; throws 429 with Retry-After past the limit. */
  checkClient(address: string): void {
    const wait = this.perClient.take(this.keyOf(address));
    if (wait > 0) throw tooManyRequests(wait, "too many sign-in attempts from this address; retry later");
  }

  /** Throws 429 with Retry-After while the account is backing off. */
  checkAccount(email: string, now = Date.now()): void {
    const f = this.accounts.get(this.keyOf(email));
    if (f && f.lockedUntil > now) {
      throw tooManyRequests(
        (f.lockedUntil - now) / 1000,
        "too many failed sign-ins for this account; retry later",
      );
    }
  }

  /** Record a failure; from the FREE_FAILURES-th on, lock for 30 s, doubling up to 15 min. */
  fail(email: string, now = Date.now()): void {
    const key = this.keyOf(email);
    let f = this.accounts.get(key);
    if (!f || f.last < now - FORGET_MS) {
      if (this.accounts.size >= MAX_ACCOUNTS) this.sweep(now);
      f = { count: 0, lockedUntil: 0, last: now };
      this.accounts.set(key, f);
    }
    f.count++;
    f.last = now;
    if (f.count >= FREE_FAILURES) {
      f.lockedUntil = now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (f.count - FREE_FAILURES));
    }
  }

  /** A successful sign-in clears the account's failures. */
  succeed(email: string): void {
    this.accounts.delete(this.keyOf(email));
  }

  private sweep(now: number): void {
    for (const [k, f] of this.accounts)
      if (f.last < now - FORGET_MS && f.lockedUntil < now) this.accounts.delete(k);
    if (this.accounts.size >= MAX_ACCOUNTS) this.accounts.clear();
  }
}
