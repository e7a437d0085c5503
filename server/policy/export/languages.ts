// Framework DSLs in other languages: Phoenix (Elixir), Rails (Ruby) and django-csp 4 (Python).
import { parsePolicy } from "../csp.ts";
import type { Header } from "./headers.ts";

// Elixir and Ruby double-quoted strings: escape `\`, `"` and `#` (which would start `#{…}` interpolation).
function interpolatingString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/#/g, "\\#")}"`;
}

/** Phoenix router: put_secure_browser_headers with the headers (Plug wants lower-case names). */
export function renderPhoenix(headers: readonly Header[]): string {
  const entries = headers.map(
    (h) => `  ${interpolatingString(h.name.toLowerCase())} => ${interpolatingString(h.value)}`,
  );
  return `plug :put_secure_browser_headers, %{\n${entries.join(",\n")}\n}\n`;
}

// Rails' ContentSecurityPolicy mappings (action_dispatch/http/content_security_policy.rb MAPPINGS).
// A Map: the keys are policy values, and a plain object answers "constructor" with a function.
const RAILS_SYMBOLS = new Map<string, string>(
  Object.entries({
    "'self'": ":self",
    "'none'": ":none",
    "'unsafe-inline'": ":unsafe_inline",
    "'unsafe-eval'": ":unsafe_eval",
    "'unsafe-hashes'": ":unsafe_hashes",
    "'strict-dynamic'": ":strict_dynamic",
    "'report-sample'": ":report_sample",
  }),
);

// Directives the Rails DSL has methods for (DIRECTIVES plus the hand-written ones).
const RAILS_DIRECTIVES = new Set([
  "base-uri",
  "child-src",
  "connect-src",
  "default-src",
  "font-src",
  "form-action",
  "frame-ancestors",
  "frame-src",
  "img-src",
  "manifest-src",
  "media-src",
  "object-src",
  "require-trusted-types-for",
  "script-src",
  "script-src-attr",
  "script-src-elem",
  "style-src",
  "style-src-attr",
  "style-src-elem",
  "trusted-types",
  "worker-src",
  "sandbox",
]);

/** Rails `config/initializers/content_security_policy.rb`; companions go to default_headers. */
export function renderRails(policyText: string, headers: readonly Header[], reportOnly: boolean): string {
  const policy = parsePolicy(policyText);
  const lines = ["Rails.application.configure do", "  config.content_security_policy do |policy|"];
  for (const d of policy.directives) {
    const method = d.name.replace(/-/g, "_");
    const args = d.values.map((v) => RAILS_SYMBOLS.get(v.toLowerCase()) ?? interpolatingString(v)).join(", ");
    if (d.name === "upgrade-insecure-requests" || d.name === "block-all-mixed-content") {
      lines.push(`    policy.${method} true`);
    } else if (d.name === "report-uri") {
      lines.push(`    policy.report_uri ${interpolatingString(d.values[0] ?? "")}`);
    } else if (RAILS_DIRECTIVES.has(d.name)) {
      lines.push(`    policy.${method}${args ? ` ${args}` : ""}`);
    } else {
      lines.push(`    # ${d.name} ${d.values.join(" ")}: not in the Rails DSL; send it from a middleware`);
    }
  }
  lines.push("  end");
  if (reportOnly) lines.push("  config.content_security_policy_report_only = true");
  const companions = headers.slice(1);
  if (companions.length > 0) {
    lines.push("  config.action_dispatch.default_headers.merge!(");
    lines.push(
      companions
        .map((h) => `    ${interpolatingString(h.name)} => ${interpolatingString(h.value)}`)
        .join(",\n"),
    );
    lines.push("  )");
  }
  lines.push("end", "");
  return lines.join("\n");
}

// Python string literals: JSON strings are valid Python literals for printable text.
const py = (value: string): string => JSON.stringify(value);

// Django settings for the companions (django.middleware.security.SecurityMiddleware and friends).
function djangoCompanion(h: Header): string | null {
  switch (h.name) {
    case "Strict-Transport-Security": {
      const seconds = /max-age=(\d+)/i.exec(h.value)?.[1] ?? "31536000";
      const sub = /includesubdomains/i.test(h.value) ? "True" : "False";
      const preload = /preload/i.test(h.value) ? "True" : "False";
      return `SECURE_HSTS_SECONDS = ${seconds}\nSECURE_HSTS_INCLUDE_SUBDOMAINS = ${sub}\nSECURE_HSTS_PRELOAD = ${preload}`;
    }
    case "X-Content-Type-Options":
      return "SECURE_CONTENT_TYPE_NOSNIFF = True";
    case "Referrer-Policy":
      return `SECURE_REFERRER_POLICY = ${py(h.value)}`;
    case "X-Frame-Options":
      return `X_FRAME_OPTIONS = ${py(h.value)}`;
    case "Reporting-Endpoints":
      return `# Reporting-Endpoints: ${h.value} (no Django setting: add it in a middleware)`;
    default:
      return null;
  }
}

/** One django-csp 4 setting, CONTENT_SECURITY_POLICY or CONTENT_SECURITY_POLICY_REPORT_ONLY (both may be set). */
export function djangoSetting(policyText: string, reportOnly: boolean): string {
  const setting = reportOnly ? "CONTENT_SECURITY_POLICY_REPORT_ONLY" : "CONTENT_SECURITY_POLICY";
  const entries = parsePolicy(policyText).directives.map((d) => {
    const value = d.values.length === 0 ? "True" : `[${d.values.map(py).join(", ")}]`;
    return `        ${py(d.name)}: ${value},`;
  });
  return [`${setting} = {`, '    "DIRECTIVES": {', ...entries, "    },", "}", ""].join("\n");
}

/** django-csp 4 settings: CONTENT_SECURITY_POLICY(_REPORT_ONLY) = {"DIRECTIVES": {...}}. */
export function renderDjango(policyText: string, headers: readonly Header[], reportOnly: boolean): string {
  const lines = [
    "# settings.py (django-csp 4: add csp.middleware.CSPMiddleware to MIDDLEWARE)",
    djangoSetting(policyText, reportOnly).trimEnd(),
  ];
  for (const h of headers.slice(1)) {
    const line = djangoCompanion(h);
    if (line) lines.push(line);
  }
  return lines.join("\n") + "\n";
}
