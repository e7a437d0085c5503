// Reading an ingest body: Content-Encoding (case-insensitive, RFC 9110 §8.4.1) and the declared charset checked
// before a byte is read, decompression and the size limit by koa-body, decoding by the WHATWG TextDecoder.
import type { Context } from "koa";
import type { IncomingMessage, ServerResponse } from "node:http";
import { koaBody } from "koa-body";
import { REPORT_MEDIA_TYPES } from "../reports/parse.ts";
import { HttpError } from "../http/errors.ts";

/** Content codings the body reader can undo (those of `inflation`, which koa-body uses). */
export const CONTENT_CODINGS = ["identity", "gzip", "deflate", "br"] as const;
const CODINGS: ReadonlySet<string> = new Set(CONTENT_CODINGS);

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** Why a body cannot be read, found from its headers alone; null when it can be. */
export function encodingProblem(ctx: Context): HttpError | null {
  const coding = (ctx.get("Content-Encoding") || "identity").trim().toLowerCase();
  if (!CODINGS.has(coding)) {
    return new HttpError(
      415,
      "unsupported_encoding",
      `Content-Encoding ${JSON.stringify(coding.slice(0, 64))} is not supported; expected one of ${CONTENT_CODINGS.join(", ")}`,
    );
  }
  // inflation matches codings case-sensitively: hand it the lower-case name (GZIP is gzip).
  ctx.req.headers["content-encoding"] = coding;
  const charset = charsetOf(ctx.get("Content-Type"));
  if (charset === null) {
    const shown = JSON.stringify((CHARSET.exec(ctx.get("Content-Type"))?.[1] ?? "").slice(0, 64));
    return new HttpError(415, "unsupported_charset", `charset ${shown} is not supported`);
  }
  return null;
}

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
  const text = new TextDecoder(charset).decode(bytes);
  if (charset !== "windows-1252" || !CP1252_BROKEN) return text;
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);
}

/** A body reader for the ingest route: sets ctx.request.body to the decoded text. Throws koa-body's errors. */
export function ingestBodyReader(limit: number): (ctx: Context) => Promise<void> {
  const options = {
    json: false,
    urlencoded: false,
    multipart: false,
    text: true,
    textLimit: limit,
    textTypes: [...REPORT_MEDIA_TYPES],
  };
  const utf8 = koaBody({ ...options, encoding: "utf-8" });
  // Latin-1 maps each byte to one character, so the text holds the body's bytes for TextDecoder.
  const bytes = koaBody({ ...options, encoding: "latin1" });
  return async (ctx) => {
    const charset = charsetOf(ctx.get("Content-Type")) ?? "utf-8";
    if (charset === "utf-8") {
      await utf8(ctx, async () => {});
      return;
    }
    await bytes(ctx, async () => {});
    const raw = typeof ctx.request.body === "string" ? ctx.request.body : "";
    ctx.request.body = decode(charset, Buffer.from(raw, "latin1"));
  };
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
