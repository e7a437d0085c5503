// The fuzzer in `npm test`: every target in test/fuzz/targets, discovered by glob, for its testRuns cases with a
// fixed seed (so a failure here replays exactly). `npm run fuzz` runs them long with a random seed.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { loadTargets, runTarget } from "./runner.ts";
import type { FuzzTarget } from "./target.ts";

const SEED = 20261206;
const targets = await loadTargets();

describe("the runner", () => {
  // A target with a known bug: the runner must find it, shrink it and print a path that replays it.
  const buggy: FuzzTarget<number> = {
    name: "buggy",
    testRuns: 500,
    arbitrary: fc.integer({ min: 0, max: 1000 }),
    setup: async () => ({
      check: (n: number) => {
        if (n >= 700) throw new Error(`status 500 for ${n}`);
      },
      teardown: async () => {},
    }),
  };

  test("finds a failing case, shrinks it and replays it from seed and path", async () => {
    const first = await runTarget(buggy, { numRuns: 500, seed: 7 });
    expect({ failed: first.failed, failure: first.failure.split("\n")[0] }).toEqual({
      failed: true,
      failure: "Error: status 500 for 700",
    });
    const replay = await runTarget(buggy, { numRuns: 1, seed: first.seed, path: first.path });
    expect(replay.failure).toContain("counterexample: [700]");
  });

  test("an RSS limit below the process's RSS fails the run", async () => {
    const r = await runTarget(
      { ...buggy, arbitrary: fc.integer({ min: 0, max: 10 }) },
      { numRuns: 5, seed: 1, maxRssMb: 1 },
    );
    expect(r.failure).toMatch(/^Error: RSS \d+ MB is over the limit of 1 MB/);
  });
});

describe("fuzz targets (fixed seed)", () => {
  test("targets are found", () => {
    expect(targets.map((t) => t.name)).toEqual(
      expect.arrayContaining(["api-bodies", "ingest-http", "ingest-parser"]),
    );
  });

  test.each(targets.map((t) => ({ name: t.name, t })))(
    "$name: no 5xx, crash or miscount",
    async ({ t }) => {
      const result = await runTarget(t, { numRuns: t.testRuns, seed: SEED });
      expect(
        result.failure,
        `replay: npm run fuzz -- --target ${t.name} --seed ${result.seed} --path ${result.path}`,
      ).toBe("");
      expect(result.cases).toBe(t.testRuns);
    },
    120_000,
  );
});
