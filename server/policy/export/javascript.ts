// JavaScript formats: helmet / koa-helmet options and a Next.js next.config.js headers() block.
import { parsePolicy } from "../csp.ts";
import type { Header } from "./headers.ts";

// JSON string literals are valid JavaScript string literals (ES2019 allows U+2028/2029 in strings).
const js = (value: string): string => JSON.stringify(value);

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function hstsOptions(value: string): string {
  const maxAge = /max-age=(\d+)/i.exec(value)?.[1] ?? "31536000";
  const parts = [`maxAge: ${maxAge}`, `includeSubDomains: ${/includesubdomains/i.test(value)}`];
  if (/preload/i.test(value)) parts.push("preload: true");
  return `{ ${parts.join(", ")} }`;
}

function helmetDirectives(policyText: string, indent: string): string {
  return parsePolicy(policyText)
    .directives.map((d) => `${indent}${camel(d.name)}: [${d.values.map(js).join(", ")}],`)
    .join("\n");
}

/**
 * A second helmet contentSecurityPolicy middleware for the report-only candidate beside the enforced policy
 * (helmet's options hold one policy; this instance sends Content-Security-Policy-Report-Only).
 */
export function helmetReportOnly(policyText: string): string {
  return [
    "// the report-only candidate beside it: app.use(reportOnlyPolicy) after helmet(helmetOptions)",
    "const reportOnlyPolicy = helmet.contentSecurityPolicy({",
    "  useDefaults: false,",
    "  reportOnly: true,",
    "  directives: {",
    helmetDirectives(policyText, "    "),
    "  },",
    "});",
    "",
  ].join("\n");
}

/**
 * helmet (and koa-helmet) options: `useDefaults: false` so helmet adds nothing of its own, camelCase
 * directive keys, value-less directives as `[]`. helmet cannot send Reporting-Endpoints: a comment says so.
 */
export function renderHelmet(policyText: string, headers: readonly Header[], reportOnly: boolean): string {
  const directives = helmetDirectives(policyText, "      ");
  const lines = [
    "// helmet(helmetOptions) for Express, or koa-helmet's helmet(helmetOptions) for Koa",
    "const helmetOptions = {",
    "  contentSecurityPolicy: {",
    "    useDefaults: false,",
    `    reportOnly: ${reportOnly},`,
    "    directives: {",
    directives,
    "    },",
    "  },",
  ];
  for (const h of headers.slice(1)) {
    if (h.name === "Strict-Transport-Security")
      lines.push(`  strictTransportSecurity: ${hstsOptions(h.value)},`);
    if (h.name === "X-Content-Type-Options") lines.push("  xContentTypeOptions: true,");
    if (h.name === "Referrer-Policy") lines.push(`  referrerPolicy: { policy: ${js(h.value)} },`);
    if (h.name === "X-Frame-Options")
      lines.push(`  xFrameOptions: { action: ${js(h.value.toLowerCase())} },`);
  }
  lines.push("};");
  const endpoints = headers.find((h) => h.name === "Reporting-Endpoints");
  if (endpoints) {
    lines.push(`// helmet does not send Reporting-Endpoints; set it yourself: ${js(endpoints.value)}`);
  }
  return lines.join("\n") + "\n";
}

/** Next.js `next.config.js` with an async headers() that applies the headers to every route. */
export function renderNextjs(headers: readonly Header[]): string {
  const entries = headers.map((h) => `          { key: ${js(h.name)}, value: ${js(h.value)} },`).join("\n");
  return [
    "// next.config.js",
    "module.exports = {",
    "  async headers() {",
    "    return [",
    "      {",
    '        source: "/:path*",',
    "        headers: [",
    entries,
    "        ],",
    "      },",
    "    ];",
    "  },",
    "};",
    "",
  ].join("\n");
}
