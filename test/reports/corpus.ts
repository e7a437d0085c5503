// Test helper: the conformance corpus (test/fixtures/reports/<case>/{request,expected}.json), by glob.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The corpus directory, in the repository: a copy of the reference corpus, never edited (test/fixtures/corpus.test.ts). */
export const CORPUS_DIR = fileURLToPath(new URL("../fixtures/reports/", import.meta.url));

/** One conformance case: the request to send and what must come out. */
export type Case = {
  name: string;
  contentType: string | undefined;
  /** The exact body: rawBody as is, or body as JSON. */
  raw: string;
  status: number;
  /** Pinned fields per violation; an absent field is not checked. */
  violations: Record<string, unknown>[];
};

type RequestJson = { contentType?: string; body?: unknown; rawBody?: string };
type ExpectedJson = { status: number; violations?: Record<string, unknown>[] };

/** Every case directory in the corpus, sorted by name. */
export function loadCases(): Case[] {
  return readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const request = JSON.parse(readFileSync(`${CORPUS_DIR}${name}/request.json`, "utf8")) as RequestJson;
      const expected = JSON.parse(readFileSync(`${CORPUS_DIR}${name}/expected.json`, "utf8")) as ExpectedJson;
      return {
        name,
        contentType: request.contentType,
        raw: request.rawBody ?? JSON.stringify(request.body),
        status: expected.status,
        violations: expected.violations ?? [],
      };
    });
}

/** Only the fields a case pins, taken from an actual violation (so toEqual reports precise diffs). */
export function pinned(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
}
