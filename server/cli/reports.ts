// CLI: reports commands — `cinch parse` runs the ingest parser on a body, as the endpoint would.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { parseReportBody } from "../reports/parse.ts";
import type { Violation } from "../reports/types.ts";
import { readInput, out } from "./io.ts";

/** The printed form of one violation: the fixtures' field names, in a fixed order. */
export function presentViolation(v: Violation): Record<string, unknown> {
  return {
    directive: v.directive,
    blocked: v.blocked,
    blockedKey: v.blockedKey,
    documentUrl: v.documentUrl,
    disposition: v.disposition,
    noise: v.noise,
    sourceFile: v.sourceFile,
    line: v.line,
    column: v.column,
    statusCode: v.statusCode,
    sample: v.sample,
    browser: v.browser,
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d{1,6}$/.test(value) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Register the reports subcommands. */
export function registerReportCommands(program: Command): void {
  program
    .command("parse")
    .description(
      'parse a CSP report body as the ingest endpoint would; prints {"status", "violations"} (204 = accepted)',
    )
    .argument("[file]", "request body file, or - for standard input", "-")
    .requiredOption("--content-type <type>", "the request's Content-Type header")
    .option("--user-agent <ua>", "the request's User-Agent (used by reports that carry none)")
    .option("--max-entries <n>", "most entries accepted per request", positiveInt)
    .action(async (file: string, opts: { contentType: string; userAgent?: string; maxEntries?: number }) => {
      const body = await readInput(file);
      const outcome = parseReportBody(opts.contentType, body, {
        ...(opts.maxEntries !== undefined && { maxEntries: opts.maxEntries }),
        ...(opts.userAgent !== undefined && { userAgent: opts.userAgent }),
      });
      if (outcome.ok) {
        out(
          JSON.stringify({
            status: 204,
            violations: outcome.violations.map(presentViolation),
            skipped: outcome.skipped,
          }),
        );
        return;
      }
      out(
        JSON.stringify({
          status: outcome.status,
          error: outcome.error,
          message: outcome.message,
          violations: [],
        }),
      );
      process.exitCode = 1;
    });
}
