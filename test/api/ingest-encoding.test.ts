// Encoding corners of ingest (#11 item 13): Content-Encoding is case-insensitive, unknown codings and charsets are
// 415, a declared non-UTF-8 charset is decoded, and Expect: 100-continue with an over-limit body gets no 100.
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, deflateSync, brotliCompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, rows, type TestApp } from "../helpers/app.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer } from "../../server/server.ts";

let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await startTestApp();
  key = ((await (await api(t, "POST", "/api/projects", { name: "enc" })).json()) as { reportKey: string })
    .reportKey;
});
afterAll(async () => t.close());

const report = (sample: string) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": "https://a.example/",
      "effective-directive": "script-src-elem",
      "blocked-uri": "inline",
      "script-sample": sample,
    },
  });
const plain = Buffer.from(report("plain"), "utf8");

const storedSample = async (prefix: string) =>
  (
    await rows<{ sample: string }>(
      t,
      `SELECT sample FROM "Sample" WHERE sample LIKE ? ORDER BY "receivedAt" DESC LIMIT 1`,
      `${prefix}%`,
    )
  )[0]?.sample;

function post(body: Uint8Array, headers: Record<string, string>) {
  return fetch(`${t.url}/r/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report", ...headers },
    body: new Uint8Array(body),
  });
}

describe("Content-Encoding", () => {
  test.each([
    { coding: "gzip", body: gzipSync(plain) },
    { coding: "GZIP", body: gzipSync(plain) },
    { coding: " Deflate ", body: deflateSync(plain) },
    { coding: "br", body: brotliCompressSync(plain) },
    { coding: "Identity", body: plain },
  ])("$coding is read", async ({ coding, body }) => {
    const res = await post(body, { "Content-Encoding": coding });
    expect(res.status).toBe(204);
  });

  test.each([
    {
      coding: "x-zstd",
      message: 'Content-Encoding "x-zstd" is not supported; expected one of identity, gzip, deflate, br',
    },
    {
      coding: "gzip, br",
      message: 'Content-Encoding "gzip, br" is not supported; expected one of identity, gzip, deflate, br',
    },
    {
      coding: "constructor",
      message: 'Content-Encoding "constructor" is not supported; expected one of identity, gzip, deflate, br',
    },
  ])("$coding → 415 unsupported_encoding", async ({ coding, message }) => {
    const res = await post(plain, { "Content-Encoding": coding });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: "unsupported_encoding", message });
  });

  test("a body that is not what its coding says is 400 malformed_body", async () => {
    const res = await post(plain, { "Content-Encoding": "gzip" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "malformed_body", message: "could not read the request body" });
  });
});

describe("charset", () => {
  test.each([
    { charset: "ISO-8859-1", bytes: Buffer.from(report("latin café"), "latin1"), sample: "latin café" },
    {
      charset: "windows-1252",
      bytes: Buffer.from(report("cp1252 €x").replace("€", "\u0080"), "latin1"),
      sample: "cp1252 €x",
    },
    { charset: '"utf-8"', bytes: Buffer.from(report("utf8 café"), "utf8"), sample: "utf8 café" },
    { charset: "utf-16le", bytes: Buffer.from(report("utf16 café"), "utf16le"), sample: "utf16 café" },
  ])("a $charset body is decoded", async ({ charset, bytes, sample }) => {
    const res = await post(bytes, { "Content-Type": `application/csp-report; charset=${charset}` });
    expect(res.status).toBe(204);
    expect(await storedSample(sample.slice(0, 5))).toBe(sample);
  });

  test("an unknown charset is 415 unsupported_charset", async () => {
    const res = await post(plain, { "Content-Type": "application/csp-report; charset=x-klingon" });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      error: "unsupported_charset",
      message: 'charset "x-klingon" is not supported',
    });
  });
});

describe("Expect: 100-continue", () => {
  const dir = mkdtempSync(join(tmpdir(), "cinch-continue-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Send headers only, then the body once (and if) the server says 100 Continue. */
  function expectContinue(url: string, length: number) {
    return new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const body = Buffer.alloc(length, 0x20);
      const req = request(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/csp-report",
          "Content-Length": length,
          Expect: "100-continue",
        },
      });
      req.on("continue", () => {
        continued = true;
        req.end(body);
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ continued, status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.flushHeaders();
    });
  }

  test("an over-limit Content-Length is answered 413 without 100 Continue; a small one continues", async () => {
    const running = await startServer(
      loadConfig({
        DATA_DIR: dir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
        INGEST_BODY_LIMIT: "2048",
      }),
    );
    try {
      const big = await expectContinue(`${running.url}/r/unknown-key`, 4096);
      expect(big).toEqual({
        continued: false,
        status: 413,
        body: '{"error":"body_too_large","message":"body exceeds 2048 bytes"}',
      });
      const small = await expectContinue(`${running.url}/r/unknown-key`, 100);
      expect({ continued: small.continued, status: small.status }).toEqual({ continued: true, status: 404 });
    } finally {
      await running.stop();
    }
  });
});
