// Small I/O helpers shared by CLI commands.
import { readFileSync } from "node:fs";

/** An expected CLI failure: printed as one line, exits with exitCode. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Read a file argument, or standard input when the argument is "-" or absent. */
export async function readInput(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== "-") {
    try {
      return readFileSync(file, "utf8");
    } catch {
      throw new CliError(`cannot read file: ${file}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Write a line to stdout. */
export function out(line: string): void {
  process.stdout.write(line.endsWith("\n") ? line : `${line}\n`);
}
