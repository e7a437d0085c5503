// CLI: `cinch db copy --from file:… --to postgres://…` moves an installation to PostgreSQL (store/db-copy.ts), with a
// progress line redrawn in place on a terminal and plain lines (a table finished, or every 10 s) otherwise.
import type { Command } from "commander";
import { copyDatabase, CopyRefused, type CopyProgress } from "../store/db-copy.ts";
import { CliError, out } from "./io.ts";

const fmt = (n: number) => n.toLocaleString("en-US");
const rate = (rows: number, ms: number) => (ms > 0 ? Math.round((rows * 1000) / ms) : 0);

/** Where progress goes: a terminal gets one line redrawn in place, anything else plain lines. */
export function progressWriter(
  stream: { isTTY?: boolean; write(s: string): unknown; columns?: number },
  now: () => number = Date.now,
): (p: CopyProgress) => void {
  let lastLine = 0;
  let ended = false;
  return (p) => {
    const pct = p.allTotal > 0 ? Math.floor((p.allDone / p.allTotal) * 100) : 100;
    const speed = `${fmt(rate(p.allDone, p.elapsedMs))} rows/s`;
    if (stream.isTTY) {
      // Once every row is copied the line is finished; the empty tables left add nothing to it.
      if (ended) return;
      const width = 20;
      const filled = Math.round((pct / 100) * width);
      const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
      const line = `${bar} ${pct}%  ${p.table} ${fmt(p.done)}/${fmt(p.total)}  ${fmt(p.allDone)}/${fmt(p.allTotal)} rows  ${speed}`;
      stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}`);
      if (p.finished && p.allDone === p.allTotal) {
        stream.write("\n");
        ended = true;
      }
      return;
    }
    if (p.finished) {
      stream.write(`${p.table}: ${fmt(p.done)} rows (${pct}% of all, ${speed})\n`);
      lastLine = now();
    } else if (now() - lastLine >= 10_000) {
      stream.write(`${p.table}: ${fmt(p.done)}/${fmt(p.total)} rows (${pct}% of all, ${speed})\n`);
      lastLine = now();
    }
  };
}

export function registerDbCommands(program: Command): void {
  const db = program.command("db").description("move a Cinch database");
  db.command("copy")
    .description(
      "copy every table of a SQLite installation into a PostgreSQL database (migrated first; refused when it has rows)",
    )
    .requiredOption("--from <url>", "the SQLite database, e.g. file:./data/cinch.db")
    .requiredOption("--to <url>", "the PostgreSQL database, e.g. postgres://cinch@db/cinch")
    .option("--replace", "empty the target's tables first when they have rows")
    .option("--batch <rows>", "rows per transaction", "5000")
    .action(async (opts: { from: string; to: string; replace?: boolean; batch: string }) => {
      const batchRows = Number(opts.batch);
      if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 100_000)
        throw new CliError("--batch must be a whole number from 1 to 100000", 2);
      try {
        const r = await copyDatabase(opts.from, opts.to, {
          replace: opts.replace,
          batchRows,
          onProgress: progressWriter(process.stderr),
        });
        out(
          `copied ${fmt(r.rows)} rows in ${r.tables.length} tables in ${(r.ms / 1000).toFixed(1)} s (${fmt(rate(r.rows, r.ms))} rows/s)`,
        );
      } catch (err) {
        if (err instanceof CopyRefused) throw new CliError(err.message, 2);
        throw new CliError(`db copy: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
}
