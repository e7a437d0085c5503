// The export golden inputs: one policy with characters every language must escape, three option sets.
import type { ExportOptions } from "../../../server/policy/export/headers.ts";

/** Quotes, a backslash, `#{`, `%` and `{` — each special in at least one target language. */
export const GOLDEN_POLICY =
  "default-src 'self'; img-src https://img.example/a%20b/ https://x.example/#{q}; " +
  "style-src 'self' \"x\\y\" {z}; frame-ancestors 'none'; upgrade-insecure-requests; " +
  "report-uri https://cinch.example/r/k; report-to cinch";

export const GOLDEN_CASES: { name: string; opts: ExportOptions }[] = [
  { name: "plain", opts: {} },
  { name: "report-only", opts: { reportOnly: true } },
  { name: "companions", opts: { companions: true } },
];
