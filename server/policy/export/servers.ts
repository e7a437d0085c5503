// Web-server formats: raw header lines, nginx, Apache, Caddy, IIS web.config and Cloudflare _headers.
import { ExportError } from "./errors.ts";
import type { Header } from "./headers.ts";

/** Raw header lines, `Name: value`. */
export function renderHeader(headers: readonly Header[]): string {
  return headers.map((h) => `${h.name}: ${h.value}`).join("\n") + "\n";
}

// nginx strings: `\` and `"` are escaped; `$` starts a variable and has no escape inside a string.
function nginxString(value: string): string {
  if (value.includes("$")) {
    throw new ExportError(
      "unsupported_value",
      'nginx: the value contains "$", which nginx expands as a variable',
    );
  }
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** nginx `add_header … always;` (always: also on 4xx/5xx responses). */
export function renderNginx(headers: readonly Header[]): string {
  return headers.map((h) => `add_header ${h.name} ${nginxString(h.value)} always;`).join("\n") + "\n";
}

// mod_headers values take format specifiers: a literal % is written %% (mod_headers "Header" docs).
function apacheString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

/** Apache `Header always set` (always: also on error responses). */
export function renderApache(headers: readonly Header[]): string {
  return headers.map((h) => `Header always set ${h.name} ${apacheString(h.value)}`).join("\n") + "\n";
}

// Caddyfile quoted tokens escape `"` and `\`; `{` opens a placeholder and is escaped as `\{`.
function caddyString(value: string): string {
  return `"${value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/([{}])/g, "\\$1")}"`;
}

/** A Caddyfile `header` block (goes inside the site block). */
export function renderCaddy(headers: readonly Header[]): string {
  return `header {\n${headers.map((h) => `\t${h.name} ${caddyString(h.value)}`).join("\n")}\n}\n`;
}

/** XML attribute escaping (XML 1.0 §2.4 / §3.3.3). */
export function xmlAttr(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;");
}

/** IIS web.config `customHeaders` (system.webServer/httpProtocol). */
export function renderIis(headers: readonly Header[]): string {
  const adds = headers
    .map((h) => `        <add name="${xmlAttr(h.name)}" value="${xmlAttr(h.value)}" />`)
    .join("\n");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<configuration>",
    "  <system.webServer>",
    "    <httpProtocol>",
    "      <customHeaders>",
    adds,
    "      </customHeaders>",
    "    </httpProtocol>",
    "  </system.webServer>",
    "</configuration>",
    "",
  ].join("\n");
}

/** Cloudflare Pages limits each _headers line to 2,000 characters. */
export const CLOUDFLARE_LINE_LIMIT = 2000;

/** Cloudflare Pages `_headers`: a URL pattern, then indented `Name: value` lines. */
export function renderCloudflare(headers: readonly Header[]): string {
  const lines = headers.map((h) => `  ${h.name}: ${h.value}`);
  const long = lines.find((l) => l.length > CLOUDFLARE_LINE_LIMIT);
  if (long) {
    throw new ExportError(
      "line_too_long",
      `cloudflare: a _headers line is ${long.length} characters; Cloudflare accepts at most ${CLOUDFLARE_LINE_LIMIT}`,
    );
  }
  return `/*\n${lines.join("\n")}\n`;
}
