// `npm run bench -- [--duration 20] [--quick] [--only ...]`: runs the benchmark and writes bench/results/latest.json
// and latest.md (unless --no-write). Progress goes to stderr, the markdown table to stdout.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "./args.ts";
import { runBench } from "./bench.ts";
import { renderMarkdown } from "./report.ts";
import { ROOT } from "./proc.ts";

let args;
try {
  args = parseArgs(process.argv.slice(2), join(ROOT, "bench/results"));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(2);
}
mkdirSync(args.outDir, { recursive: true });
const results = await runBench(args, (line) => process.stderr.write(`${line}\n`));
const md = renderMarkdown(results);
if (args.write) {
  writeFileSync(join(args.outDir, "latest.json"), `${JSON.stringify(results, stripHistograms, 2)}\n`);
  writeFileSync(join(args.outDir, "latest.md"), md);
  process.stderr.write(`bench: wrote ${join(args.outDir, "latest.json")} and latest.md\n`);
}
process.stdout.write(md);
const missed = results.targets.filter((t) => !t.met);
process.stderr.write(
  `bench: ${results.targets.length - missed.length} of ${results.targets.length} targets met\n`,
);

/** Latency histograms are for merging runs; the JSON keeps their percentiles only. */
function stripHistograms(key: string, value: unknown): unknown {
  return key === "latency" ? undefined : value;
}
