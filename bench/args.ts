// Command-line options of `npm run bench -- [options]`.

export const SECTIONS = ["ingest", "storage", "queries", "builder"] as const;
export type Section = (typeof SECTIONS)[number];
const isSection = (s: string): s is Section => (SECTIONS as readonly string[]).includes(s);

export type BenchArgs = {
  /** Seconds per measured ingest run (default 20). */
  durationSec: number;
  /** Tiny sizes and 1 s runs: a smoke test of the harness, not a measurement. */
  quick: boolean;
  sections: Section[];
  /** Where latest.json and latest.md go (default bench/results). */
  outDir: string;
  /** Write the results files (default true; --no-write for exploratory runs). */
  write: boolean;
  /** Run the Cinch server under test with --cpu-prof, profiles into outDir. */
  profile: boolean;
  /** A second Cinch source tree run beside this one in the ingest section ("before" rows). */
  before?: string;
  /** Only these ingest targets (default all). */
  targets?: string[];
  /**
   * "postgres": the ingest and queries sections also run on PostgreSQL (PG_TEST_URL's server), ingest beside SQLite
   * in the same rounds (bench/engines.ts). Default "sqlite".
   */
  engine: "sqlite" | "postgres";
};

export const USAGE = `usage: npm run bench -- [--duration <s>] [--quick] [--only ingest,storage,queries,builder]
                        [--out <dir>] [--no-write] [--profile] [--before <dir>] [--engine sqlite|postgres]
                        [--targets body,cinch,cinch-normal,...]`;

/** Parse argv (without node and script); throws with every problem listed. */
export function parseArgs(argv: readonly string[], defaultOut: string): BenchArgs {
  const a: BenchArgs = {
    durationSec: 20,
    quick: false,
    sections: [...SECTIONS],
    outDir: defaultOut,
    write: true,
    profile: false,
    engine: "sqlite",
  };
  const problems: string[] = [];
  let durationGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) problems.push(`${arg} needs a value`);
      return v ?? "";
    };
    switch (arg) {
      case "--duration": {
        const v = value();
        const n = Number(v);
        if (!(n > 0 && n <= 3600))
          problems.push(`--duration must be seconds between 0 and 3600 (got ${JSON.stringify(v)})`);
        a.durationSec = n;
        durationGiven = true;
        break;
      }
      case "--quick":
        a.quick = true;
        break;
      case "--only": {
        const v = value();
        const list = v.split(",").filter(Boolean);
        const bad = list.filter((s) => !isSection(s));
        if (bad.length > 0 || list.length === 0) {
          problems.push(`--only takes a comma list of ${SECTIONS.join(", ")} (got ${JSON.stringify(v)})`);
        }
        a.sections = list.filter(isSection);
        break;
      }
      case "--out":
        a.outDir = value();
        break;
      case "--no-write":
        a.write = false;
        break;
      case "--profile":
        a.profile = true;
        break;
      case "--before":
        a.before = value();
        break;
      case "--targets":
        a.targets = value().split(",").filter(Boolean);
        break;
      case "--engine": {
        const v = value();
        if (v !== "sqlite" && v !== "postgres")
          problems.push(`--engine takes sqlite or postgres (got ${JSON.stringify(v)})`);
        else a.engine = v;
        break;
      }
      default:
        problems.push(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  if (a.quick && !durationGiven) a.durationSec = 1;
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n${USAGE}`);
  return a;
}
