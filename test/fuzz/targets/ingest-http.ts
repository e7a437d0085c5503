// Fuzz target: the whole ingest endpoint over HTTP, on a throwaway database. Checks no 5xx, the error shape, and
// that every 204 stored exactly the reports the body holds (204 count == stored count).
import { gzipSync, deflateSync } from "node:zlib";
import fc from "fast-check";
import { parseReportBody } from "../../../server/reports/parse.ts";
import { api, sqliteRaw, startTestApp } from "../../helpers/app.ts";
import type { FuzzTarget } from "../target.ts";
import { contentType, ingestBody } from "../gen/reports.ts";

type Input = {
  contentType: string | undefined;
  body: string;
  encoding: string | undefined;
  charset: string | undefined;
  query: string;
};

const arbitrary: fc.Arbitrary<Input> = fc.record({
  contentType,
  body: ingestBody,
  encoding: fc.constantFrom(
    undefined,
    undefined,
    undefined,
    "identity",
    "gzip",
    "GZIP",
    "deflate",
    "x-zstd",
    "gzip, br",
  ),
  charset: fc.constantFrom(undefined, undefined, "utf-8", "iso-8859-1", "windows-1252", "x-nonsense"),
  query: fc.oneof(
    { weight: 8, arbitrary: fc.constant("") },
    {
      weight: 2,
      arbitrary: fc.constantFrom("?v=3", "?env=constructor", "?env=__proto__", "?v=-1", "?env=%E2%80%AE"),
    },
  ),
});

function encode(input: Input): { bytes: Buffer; text: string | null } {
  // Only Latin-1 characters survive a Latin-1 encoding: the expected text is what the bytes say.
  const single = input.charset === "iso-8859-1" || input.charset === "windows-1252";
  const plain = single ? Buffer.from(input.body, "latin1") : Buffer.from(input.body, "utf8");
  const text = single ? new TextDecoder(input.charset).decode(plain) : plain.toString("utf8");
  const enc = input.encoding?.toLowerCase();
  if (enc === "gzip") return { bytes: gzipSync(plain), text };
  if (enc === "deflate") return { bytes: deflateSync(plain), text };
  return { bytes: plain, text };
}

/** The HTTP ingest target: one app for the whole run, a batch cap and rate limits that never refuse. */
export const target: FuzzTarget<Input> = {
  name: "ingest-http",
  testRuns: 1000,
  arbitrary,
  setup: async () => {
    const t = await startTestApp({
      INGEST_RATE_PER_CLIENT: "1000000000",
      INGEST_BURST_PER_CLIENT: "1000000000",
      INGEST_RATE_PER_PROJECT: "1000000000",
      INGEST_BURST_PER_PROJECT: "1000000000",
    });
    const p = (await (await api(t, "POST", "/api/projects", { name: "fuzz" })).json()) as {
      id: string;
      reportKey: string;
    };
    const patched = await api(t, "PATCH", `/api/projects/${p.id}`, { settings: { dailyCap: null } });
    if (patched.status !== 200) throw new Error(`settings: ${patched.status}`);
    const stored = sqliteRaw(t).prepare(
      "SELECT COALESCE(SUM(count), 0) AS n FROM ViolationGroup WHERE projectId = ?",
    );
    const storedCount = () => Number((stored.get(p.id) as { n: number | bigint }).n);
    let expected = 0;
    const check = async (input: Input) => {
      const { bytes, text } = encode(input);
      const headers: Record<string, string> = {};
      if (input.contentType !== undefined)
        // Header bytes as a raw client sends them (fetch takes only Latin-1 strings): UTF-8 read as Latin-1.
        headers["Content-Type"] = Buffer.from(
          input.contentType + (input.charset ? `; charset=${input.charset}` : ""),
          "utf8",
        ).toString("latin1");
      if (input.encoding !== undefined) headers["Content-Encoding"] = input.encoding;
      const res = await fetch(`${t.url}/r/${p.reportKey}${input.query}`, {
        method: "POST",
        headers,
        body: new Uint8Array(bytes),
      });
      const answer = await res.text();
      if (res.status >= 500) throw new Error(`${res.status}: ${answer.slice(0, 300)}`);
      if (res.status >= 400) {
        const json = JSON.parse(answer) as Record<string, unknown>;
        if (Object.keys(json).sort().join() !== "error,message")
          throw new Error(`error shape: ${answer.slice(0, 200)}`);
      }
      if (res.status === 204) {
        const outcome =
          text === null ? null : parseReportBody(headers["Content-Type"], text, { maxEntries: 100 });
        if (outcome === null || !outcome.ok) throw new Error("204 for a body the parser refuses");
        expected += outcome.violations.length;
      }
      const now = storedCount();
      if (now !== expected) throw new Error(`miscount: ${now} stored, ${expected} answered 204`);
    };
    return { check, teardown: () => t.close() };
  },
};
