// Exact hashes of the inline scripts, styles and event-handler / style attributes in an HTML document.
import { Parser } from "htmlparser2";
import { hashSource } from "./hash.ts";

export const INLINE_KINDS = [
  "script-src-elem",
  "style-src-elem",
  "script-src-attr",
  "style-src-attr",
] as const;
export type InlineKind = (typeof INLINE_KINDS)[number];

/** One inline piece of code and the hash source that allows it. */
export type InlineHash = {
  /** The directive that checks it (attributes need 'unsafe-hashes' next to the hash). */
  directive: InlineKind;
  hash: string;
  /** The element (and attribute, for attributes), e.g. "script", "button onclick". */
  where: string;
  /** 1-based line of the element's start tag. */
  line: number;
  /** The first 40 characters, whitespace collapsed, for humans. */
  preview: string;
};

// Types the HTML "prepare the script element" runs — and CSP's inline check applies to — (classic JS MIME
// types, module, importmap, speculationrules); other types are data blocks and never checked.
const JS_MIME = /^(?:text|application)\/(?:x-)?(?:java|ecma)script$|^text\/(?:jscript|livescript)$/;
function isExecutable(type: string | undefined): boolean {
  if (type === undefined) return true;
  const t = type.trim().toLowerCase();
  return t === "" || t === "module" || t === "importmap" || t === "speculationrules" || JS_MIME.test(t);
}

// HTML "preprocessing the input stream": CR LF and lone CR become LF before scripts see the text,
// so hashes are taken over the normalized text.
function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function preview(text: string): string {
  const collapsed = text.replace(/\s+/g, " ").trim();
  return collapsed.length > 40 ? `${collapsed.slice(0, 40)}…` : collapsed;
}

/**
 * Hash every inline script (executable types only, without src), inline style, event-handler attribute
 * (on*) and style attribute, over the exact text the browser sees (CSP3 §6.7.3.5; raw text, not trimmed).
 * Empty elements are skipped. Order: document order.
 */
export function inlineHashes(html: string): InlineHash[] {
  const text = normalizeNewlines(html);
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (index: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const out: InlineHash[] = [];
  let open: { directive: InlineKind; where: string; line: number; body: string } | null = null;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const line = lineOf(parser.startIndex);
        for (const [attr, value] of Object.entries(attribs)) {
          if (value === "") continue;
          if (attr.startsWith("on")) {
            out.push({
              directive: "script-src-attr",
              hash: hashSource(value),
              where: `${name} ${attr}`,
              line,
              preview: preview(value),
            });
          } else if (attr === "style") {
            out.push({
              directive: "style-src-attr",
              hash: hashSource(value),
              where: `${name} style`,
              line,
              preview: preview(value),
            });
          }
        }
        if (name === "script" && attribs.src === undefined && isExecutable(attribs.type)) {
          open = { directive: "script-src-elem", where: "script", line, body: "" };
        } else if (name === "style") {
          open = { directive: "style-src-elem", where: "style", line, body: "" };
        }
      },
      ontext(chunk) {
        if (open) open.body += chunk;
      },
      onclosetag(name) {
        if (open && (name === "script" || name === "style")) {
          if (open.body !== "") {
            out.push({
              directive: open.directive,
              hash: hashSource(open.body),
              where: open.where,
              line: open.line,
              preview: preview(open.body),
            });
          }
          open = null;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true, lowerCaseTags: true },
  );
  parser.write(text);
  parser.end();
  return out;
}

/** Policy fragments for the hashes: one directive per kind, attributes with 'unsafe-hashes'. */
export function hashDirectives(items: readonly InlineHash[]): string[] {
  const lines: string[] = [];
  for (const kind of INLINE_KINDS) {
    const hashes = [...new Set(items.filter((i) => i.directive === kind).map((i) => i.hash))].sort();
    if (hashes.length === 0) continue;
    const prefix = kind.endsWith("-attr") ? ["'unsafe-hashes'"] : [];
    lines.push([kind, ...prefix, ...hashes].join(" "));
  }
  return lines;
}
