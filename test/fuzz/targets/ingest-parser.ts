// Fuzz target: the pure ingest parser (parseReportBody and the normalizer and noise rules behind it).
import fc from "fast-check";
import { parseReportBody } from "../../../server/reports/parse.ts";
import { isDirectiveName, MAX_SAMPLE_LENGTH } from "../../../server/reports/normalize.ts";
import { MAX_URL_LENGTH } from "../../../server/reports/url.ts";
import { NOISE_REASONS } from "../../../server/reports/types.ts";
import type { FuzzTarget } from "../target.ts";
import { contentType, ingestBody } from "../gen/reports.ts";

type Input = { contentType: string | undefined; body: string };

const REASONS: ReadonlySet<string> = new Set(NOISE_REASONS);

function check({ contentType: ct, body }: Input): void {
  const outcome = parseReportBody(ct, body);
  if (!outcome.ok) {
    if (![400, 413, 415].includes(outcome.status)) throw new Error(`status ${outcome.status}`);
    // parseReportBody turns an unexpected exception into this message: reaching it is a crash hidden.
    if (outcome.message.startsWith("body could not be parsed"))
      throw new Error(`parser threw: ${outcome.message}`);
    return;
  }
  for (const v of outcome.violations) {
    if (v.noise !== null && !REASONS.has(v.noise)) throw new Error(`noise ${v.noise}`);
    // A report the builder reads (noise null) names a real directive.
    if (v.noise === null && !isDirectiveName(v.directive)) throw new Error(`builder sees ${v.directive}`);
    if (v.directive.length > 64) throw new Error("directive unbounded");
    if (v.sample.length > MAX_SAMPLE_LENGTH) throw new Error("sample unbounded");
    if (v.blocked.length > MAX_URL_LENGTH || v.documentUrl.length > MAX_URL_LENGTH)
      throw new Error("URL unbounded");
    if (/[?#]/.test(v.blocked) && v.blocked.includes("://")) throw new Error(`query kept: ${v.blocked}`);
    if (Object.getPrototypeOf(v) !== Object.prototype) throw new Error("violation has a foreign prototype");
  }
  if (({} as Record<string, unknown>)["polluted"] !== undefined) throw new Error("prototype polluted");
}

/** The parser target: thousands of hostile bodies per second, no I/O. */
export const target: FuzzTarget<Input> = {
  name: "ingest-parser",
  testRuns: 3000,
  arbitrary: fc.record({ contentType, body: ingestBody }),
  setup: async () => ({ check, teardown: async () => {} }),
};
