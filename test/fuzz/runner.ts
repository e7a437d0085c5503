// Runs fuzz targets: discovery by glob (test/fuzz/targets/*.ts), one fast-check run per target with a seed, and
// an RSS sampler. Shared by `test/fuzz/fuzz.test.ts` (fixed seed) and `scripts/fuzz.ts` (the long run).
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import type { FuzzTarget } from "./target.ts";

/** The directory every target lives in. */
export const TARGETS_DIR = fileURLToPath(new URL("./targets/", import.meta.url));

/** Every target exported as `target` by a file in test/fuzz/targets, sorted by name. */
export async function loadTargets(dir = TARGETS_DIR): Promise<FuzzTarget[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort();
  const targets: FuzzTarget[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(`${dir}${f}`).href)) as { target?: FuzzTarget };
    if (mod.target === undefined) throw new Error(`${f} exports no \`target\``);
    targets.push(mod.target);
  }
  return targets;
}

/** How one target is run. */
export type RunOptions = {
  numRuns: number;
  seed: number;
  /** A counterexample path printed by an earlier failure, to replay it. */
  path?: string;
  /** Stop (not a failure) after this many ms. */
  timeLimitMs?: number;
  /** Fail when the process's RSS passes this many MB (a leak, or memory bounded by nothing). */
  maxRssMb?: number;
};

/** What one run found. */
export type RunResult = {
  name: string;
  cases: number;
  seed: number;
  failed: boolean;
  interrupted: boolean;
  /** The error and the counterexample, shrunk; empty when the run passed. */
  failure: string;
  /** `--seed S --path P` replays the failing case. */
  path: string;
  peakRssMb: number;
  ms: number;
};

/** Run one target: setup once, the check per generated case, teardown. Never throws for a failing case. */
export async function runTarget<T>(target: FuzzTarget<T>, opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  let peak = process.memoryUsage().rss;
  // Sampled, not per case: memoryUsage() costs a syscall. A leak shows as steady growth across samples.
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  sampler.unref();
  const limit = (opts.maxRssMb ?? Infinity) * 1024 * 1024;
  const { check, teardown } = await target.setup();
  try {
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      await check(input);
      if (peak > limit) throw new Error(`RSS ${mb(peak)} MB is over the limit of ${opts.maxRssMb} MB`);
    });
    const details = await fc.check(property, {
      numRuns: opts.numRuns,
      seed: opts.seed,
      ...(opts.path === undefined ? {} : { path: opts.path }),
      ...(opts.timeLimitMs === undefined
        ? {}
        : { interruptAfterTimeLimit: opts.timeLimitMs, markInterruptAsFailure: false }),
    });
    return {
      name: target.name,
      cases: details.numRuns,
      seed: details.seed,
      failed: details.failed,
      interrupted: details.interrupted,
      failure: details.failed
        ? `${errorText(details.errorInstance)}\ncounterexample: ${fc.stringify(details.counterexample).slice(0, 2000)}`
        : "",
      path: details.counterexamplePath ?? "",
      peakRssMb: mb(peak),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    clearInterval(sampler);
    await teardown();
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return (err.stack ?? err.message).slice(0, 2000);
  return String(err);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
