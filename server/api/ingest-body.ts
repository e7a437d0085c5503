// Reading an ingest body: Content-Encoding (case-insensitive, RFC 9110 §8.4.1) and the declared charset checked
// before a byte is read, then one bounded reader on the Node request (zlib for gzip, deflate and br), decoding by
// the WHATWG TextDecoder. It replaced koa-body on this route (#17): koa-body's per-request middleware, type checks
// and stream wrappers were ~5% of ingest CPU; the reader keeps its limits and its answers (ingest-encoding tests).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createBrotliDecompress, createUnzip } from "node:zlib";
import type { Readable } from "node:stream";
import { HttpError } from "../http/errors.ts";

/** Content codings the body reader can undo. */
export const CONTENT_CODINGS = ["identity", "gzip", "deflate", "br"] as const;
const CODINGS: ReadonlySet<string> = new Set(CONTENT_CODINGS);

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** Why a body cannot be read, found from its headers alone; null when it can be. */
export function encodingProblem(headers: IncomingHttpHeaders): HttpError | null {
  const coding = codingOf(headers);
  if (!CODINGS.has(coding)) {
    return new HttpError(
      415,
      "unsupported_encoding",
      `Content-Encoding ${JSON.stringify(coding.slice(0, 64))} is not supported; expected one of ${CONTENT_CODINGS.join(", ")}`,
    );
  }
  const contentType = headers["content-type"] ?? "";
  if (charsetOf(contentType) === null) {
    const shown = JSON.stringify((CHARSET.exec(contentType)?.[1] ?? "").slice(0, 64));
    return new HttpError(415, "unsupported_charset", `charset ${shown} is not supported`);
  }
  return null;
}

/** The request's content coding, lower-case ("identity" when none is declared). */
const codingOf = (headers: IncomingHttpHeaders): string =>
  (headers["content-encoding"] || "identity").trim().toLowerCase();

/**
 * The WHATWG encoding name of the Content-Type's charset ("utf-8" when none is declared), or null for a label
 * TextDecoder does not know. Browsers send UTF-8; a declared ISO-8859-1 is read as the WHATWG Encoding standard
 * says (as windows-1252), not as mojibake.
 */
export function charsetOf(contentType: string): string | null {
  const label = CHARSET.exec(contentType)?.[1];
  if (label === undefined || label === "") return "utf-8";
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

/**
 * windows-1252's 0x80–0x9F, as the WHATWG Encoding standard maps them (0x81, 0x8D, 0x8F, 0x90, 0x9D stay C1).
 * Node 20's TextDecoder decodes the label as ISO-8859-1 (0x80 stayed U+0080, and the normalizer then dropped it as
 * a control character: "€x" was stored as "x"); Node 22 maps it correctly. Used only where the runtime gets it wrong.
 */
const CP1252_C1 =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";
const CP1252_BROKEN = new TextDecoder("windows-1252").decode(Uint8Array.of(0x80)) !== "\u20ac";

function decode(charset: string, bytes: Buffer): string {
  if (charset === "utf-8") {
    // One leading BOM is dropped, as koa-body's decoder (iconv-lite) did; parse.ts drops a second one.
    const text = bytes.toString("utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
  const text = new TextDecoder(charset).decode(bytes);
  if (charset !== "windows-1252" || !CP1252_BROKEN) return text;
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);
}

/** Why a body read failed: over the limit (413) or anything else (a bad stream, an abort: 400). */
export class BodyReadError extends Error {
  constructor(readonly tooLarge: boolean) {
    super(tooLarge ? "body over the limit" : "body could not be read");
  }
}

/** One read in progress, kept on the stream it reads (the listeners below are shared, not per-request closures). */
type Read = {
  limit: number;
  chunks: Buffer[];
  length: number;
  charset: string;
  resolve: (text: string) => void;
  reject: (err: BodyReadError) => void;
};
const READ = Symbol("ingest body read");
type Reading = Readable & { [READ]?: Read };

function onData(this: Reading, chunk: Buffer): void {
  const r = this[READ]!;
  r.length += chunk.length;
  if (r.length > r.limit) {
    finish(this, new BodyReadError(true));
    return;
  }
  r.chunks.push(chunk);
}

function onEnd(this: Reading): void {
  const r = this[READ];
  if (r === undefined) return;
  const bytes = r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks, r.length);
  finish(this, decode(r.charset, bytes));
}

function onError(this: Reading): void {
  finish(this, new BodyReadError(false));
}

function onClose(this: Reading): void {
  // A request that closes before its end (the client went away): the read fails instead of hanging.
  if (this[READ] !== undefined) finish(this, new BodyReadError(false));
}

function finish(stream: Reading, outcome: string | BodyReadError): void {
  const r = stream[READ];
  if (r === undefined) return;
  stream[READ] = undefined;
  stream.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
  if (typeof outcome === "string") {
    r.resolve(outcome);
    return;
  }
  // As koa-body's reader (raw-body) did: stop reading what is left; the answer goes out without it.
  stream.unpipe();
  stream.pause();
  r.reject(outcome);
}

/**
 * Read and decode a report body of at most `limit` bytes (after decompression). The headers must have passed
 * encodingProblem. Rejects with BodyReadError.
 */
export function readIngestBody(req: IncomingMessage, limit: number): Promise<string> {
  const coding = codingOf(req.headers);
  const charset = charsetOf(req.headers["content-type"] ?? "") ?? "utf-8";
  let stream: Reading = req;
  if (coding !== "identity") {
    const unzip = coding === "br" ? createBrotliDecompress() : createUnzip(); // gzip and deflate: zlib detects
    stream = req.pipe(unzip);
    // pipe() does not pass on an aborted request: without this the read of a cut-off compressed body never ends.
    req.once("close", () => {
      if (!req.complete) finish(unzip, new BodyReadError(false));
    });
  }
  return new Promise<string>((resolve, reject) => {
    stream[READ] = { limit, chunks: [], length: 0, charset, resolve, reject };
    stream.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/**
 * The server's `checkContinue` listener: a report body whose Content-Length is over the ingest limit is answered
 * 413 at once, without `100 Continue`, so the client never sends it (RFC 9110 §10.1.1). Everything else gets
 * `100 Continue` and goes to the app as usual.
 */
export function continueOrRefuse(
  ingestLimit: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const length = Number(req.headers["content-length"] ?? "0");
    // The ingest router matches paths case-insensitively, so "/R/" is an ingest path too.
    if ((req.url ?? "").slice(0, 3).toLowerCase() === "/r/" && length > ingestLimit) {
      const body = JSON.stringify({ error: "body_too_large", message: `body exceeds ${ingestLimit} bytes` });
      res.writeHead(413, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
        "Access-Control-Allow-Origin": "*",
        Connection: "close",
      });
      res.end(body);
      return;
    }
    res.writeContinue();
    handler(req, res);
  };
}
