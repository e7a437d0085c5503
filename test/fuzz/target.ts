// The shape every fuzz target shares: `test/fuzz/fuzz.test.ts` runs each with a fixed seed in `npm test`,
// `npm run fuzz` runs them long with a random (printed, replayable) seed.
import type fc from "fast-check";

/** One fuzz target: generated inputs and a check that throws on a 5xx, a crash or a miscount. */
export interface FuzzTarget<T = unknown> {
  /** Stable name, used by `npm run fuzz -- --target <name>`. */
  name: string;
  /** Cases this target runs in `npm test` (fixed seed); the long run takes `--count`. */
  testRuns: number;
  /** What to generate. */
  arbitrary: fc.Arbitrary<T>;
  /** Builds shared state once (an app on a throwaway database, say); the check runs once per case. */
  setup: () => Promise<{ check: (input: T) => Promise<void> | void; teardown: () => Promise<void> }>;
}
