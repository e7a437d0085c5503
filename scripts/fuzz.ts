// The long fuzz run: `npm run fuzz -- --count 1000000 [--target name] [--seed N] [--path P] [--minutes M]
// [--max-rss MB]`. Runs every target in test/fuzz/targets (or one) for --count cases each with a random, printed
// seed; reports any 5xx, crash, miscount or RSS over the limit with the command that replays it. Exit 1 on failure.
import { parseArgs } from "node:util";
import { loadTargets, runTarget } from "../test/fuzz/runner.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    target: { type: "string" },
    seed: { type: "string" },
    path: { type: "string" },
    minutes: { type: "string" },
    "max-rss": { type: "string", default: "1536" },
  },
});

const count = Number(values.count);
const seed = values.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(values.seed);
const maxRssMb = Number(values["max-rss"]);
const timeLimitMs = values.minutes === undefined ? undefined : Number(values.minutes) * 60_000;
if (!Number.isInteger(count) || count < 1)
  throw new Error(`--count must be a positive integer, got ${values.count}`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

const all = await loadTargets();
const targets = values.target === undefined ? all : all.filter((t) => t.name === values.target);
if (targets.length === 0) {
  console.error(`no target named ${values.target}; targets: ${all.map((t) => t.name).join(", ")}`);
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, ${count} cases per target, RSS limit ${maxRssMb} MB`);
let failed = false;
for (const t of targets) {
  const r = await runTarget(t, {
    numRuns: count,
    seed,
    maxRssMb,
    ...(values.path === undefined ? {} : { path: values.path }),
    ...(timeLimitMs === undefined ? {} : { timeLimitMs: timeLimitMs / targets.length }),
  });
  const rate = Math.round((r.cases / r.ms) * 1000);
  console.log(
    `${r.name}: ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s (${rate}/s), peak RSS ${r.peakRssMb} MB` +
      (r.interrupted ? " (time limit)" : "") +
      (r.failed ? " FAILED" : ", no failure"),
  );
  if (r.failed) {
    failed = true;
    console.log(r.failure);
    console.log(
      `replay: npm run fuzz -- --target ${r.name} --seed ${r.seed} --path ${r.path} --count ${count}`,
    );
  }
}
process.exit(failed ? 1 : 0);
