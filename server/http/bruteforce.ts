// Sign-in throttling: per client address (a token bucket, SIGNIN_ATTEMPTS_PER_MINUTE) and per account with
// exponential backoff. The account side is keyed by the email as typed, whether or not an account exists, so a
// throttled unknown email answers exactly like a throttled real one. The per-client buckets are per node (memory);
// the per-account failures are in the database (store/signin-failures.ts), so N nodes are not N sets of guesses.
import { TokenBuckets, clientKeyer } from "./ratelimit.ts";
import { tooManyRequests } from "./errors.ts";
import type { Failures, FailureStore } from "../store/signin-failures.ts";

/** Failures allowed before the backoff starts, and its bounds. */
export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
const FORGET_MS = 24 * 60 * 60_000;
const MAX_ACCOUNTS = 100_000;

/** Failures in memory (unit tests; a single process that does not share them). */
export class MemoryFailureStore implements FailureStore {
  private readonly accounts = new Map<string, Failures>();

  get(account: string): Promise<Failures | undefined> {
    return Promise.resolve(this.accounts.get(account));
  }

  add(account: string, now: number, forgetBefore: number): Promise<number> {
    let f = this.accounts.get(account);
    if (!f || f.last < forgetBefore) {
      if (this.accounts.size >= MAX_ACCOUNTS) this.sweep(now, forgetBefore);
      f = { count: 0, lockedUntil: 0, last: now };
      this.accounts.set(account, f);
    }
    f.count++;
    f.last = now;
    return Promise.resolve(f.count);
  }

  lock(account: string, until: number): Promise<void> {
    const f = this.accounts.get(account);
    if (f && f.lockedUntil < until) f.lockedUntil = until;
    return Promise.resolve();
  }

  clear(account: string): Promise<void> {
    this.accounts.delete(account);
    return Promise.resolve();
  }

  private sweep(now: number, forgetBefore: number): void {
    for (const [k, f] of this.accounts)
      if (f.last < forgetBefore && f.lockedUntil < now) this.accounts.delete(k);
    if (this.accounts.size >= MAX_ACCOUNTS) this.accounts.clear();
  }
}

export class SignInGuard {
  private readonly perClient: TokenBuckets;
  private readonly keyOf = clientKeyer();

  constructor(
    attemptsPerMinute: number,
    /** The per-account failures: the database, so every node counts the same guesses. */
    private readonly accounts: FailureStore = new MemoryFailureStore(),
  ) {
    this.perClient = new TokenBuckets(attemptsPerMinute / 60, attemptsPerMinute);
  }

  /** Count an attempt from this address; throws 429 with Retry-After past the limit. */
  checkClient(address: string): void {
    const wait = this.perClient.take(this.keyOf(address));
    if (wait > 0) throw tooManyRequests(wait, "too many sign-in attempts from this address; retry later");
  }

  /** Throws (rejects with) 429 with Retry-After while the account is backing off. */
  async checkAccount(email: string, now = Date.now()): Promise<void> {
    const f = await this.accounts.get(email);
    if (f && f.lockedUntil > now) {
      throw tooManyRequests(
        (f.lockedUntil - now) / 1000,
        "too many failed sign-ins for this account; retry later",
      );
    }
  }

  /** Record a failure; from the FREE_FAILURES-th on, lock for 30 s, doubling up to 15 min. */
  async fail(email: string, now = Date.now()): Promise<void> {
    const count = await this.accounts.add(email, now, now - FORGET_MS);
    if (count >= FREE_FAILURES) {
      await this.accounts.lock(
        email,
        now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (count - FREE_FAILURES)),
      );
    }
  }

  /** A successful sign-in clears the account's failures. */
  succeed(email: string): Promise<void> {
    return this.accounts.clear(email);
  }
}
