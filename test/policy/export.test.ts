// Export formats: a golden file per format and option set, parse-back where our toolchain can, errors.
import { readdirSync, readFileSync } from "node:fs";
import { parseDocument } from "htmlparser2";
import { describe, expect, test } from "vitest";
import {
  EXPORT_FORMATS,
  ExportError,
  exportPolicy,
  isExportFormat,
} from "../../server/policy/export/index.ts";
import type { ExportFormat } from "../../server/policy/export/index.ts";
import { parsePolicy, serializePolicy } from "../../server/policy/csp.ts";
import { GOLDEN_CASES, GOLDEN_POLICY } from "./golden/cases.ts";

const GOLDEN_DIR = new URL("./golden/", import.meta.url);
const goldens = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith(".txt"))
  .map((file) => {
    const [name, format] = file.split(".") as [string, string];
    return { file, name, format };
  });

type Element = { name: string; attribs: Record<string, string>; children?: Element[] };
function elements(nodes: readonly unknown[]): Element[] {
  const out: Element[] = [];
  for (const n of nodes as Element[]) {
    if (n.attribs) out.push(n);
    if (n.children) out.push(...elements(n.children));
  }
  return out;
}

describe("exportPolicy goldens", () => {
  test("every format and option set has a golden", () => {
    expect(goldens.length).toBe(EXPORT_FORMATS.length * GOLDEN_CASES.length - 1); // no meta + report-only
  });

  test.each(goldens)("$file", ({ file, name, format }) => {
    const c = GOLDEN_CASES.find((x) => x.name === name)!;
    expect(isExportFormat(format)).toBe(true);
    expect(exportPolicy(GOLDEN_POLICY, format as ExportFormat, c.opts)).toBe(
      readFileSync(new URL(file, GOLDEN_DIR), "utf8"),
    );
  });
});

describe("exports parse back", () => {
  const policy = serializePolicy(parsePolicy(GOLDEN_POLICY));

  test("helmet: evaluates to the directives, camelCase, value-less as []", () => {
    const js = exportPolicy(GOLDEN_POLICY, "helmet", { companions: true, reportOnly: true });
    const options = new Function(`${js}\nreturn helmetOptions;`)() as {
      contentSecurityPolicy: { reportOnly: boolean; directives: Record<string, string[]> };
      referrerPolicy: { policy: string };
    };
    expect(options.contentSecurityPolicy.reportOnly).toBe(true);
    expect(options.contentSecurityPolicy.directives.styleSrc).toEqual(["'self'", '"x\\y"', "{z}"]);
    expect(options.contentSecurityPolicy.directives.upgradeInsecureRequests).toEqual([]);
    expect(options.referrerPolicy.policy).toBe("strict-origin-when-cross-origin");
  });

  test("nextjs: headers() returns the exact header values", async () => {
    const mod = {
      exports: {} as {
        headers: () => Promise<{ source: string; headers: { key: string; value: string }[] }[]>;
      },
    };
    new Function("module", exportPolicy(GOLDEN_POLICY, "nextjs", { reportOnly: true }))(mod);
    const [rule] = await mod.exports.headers();
    expect(rule?.headers).toEqual([{ key: "Content-Security-Policy-Report-Only", value: policy }]);
  });

  test("meta: the content attribute decodes to the policy minus what meta ignores", () => {
    const doc = parseDocument(exportPolicy(GOLDEN_POLICY, "meta"));
    const meta = elements(doc.children).find((e) => e.name === "meta")!;
    expect(meta.attribs["http-equiv"]).toBe("Content-Security-Policy");
    expect(meta.attribs.content).toBe(
      "default-src 'self'; img-src https://img.example/a%20b/ https://x.example/#{q}; style-src 'self' \"x\\y\" {z}; " +
        "upgrade-insecure-requests; report-to cinch",
    );
  });

  test("iis: web.config attribute values decode to the headers", () => {
    const doc = parseDocument(exportPolicy(GOLDEN_POLICY, "iis", { companions: true }), { xmlMode: true });
    const adds = elements(doc.children).filter((e) => e.name === "add");
    expect(adds[0]?.attribs).toEqual({ name: "Content-Security-Policy", value: policy });
    expect(adds.map((a) => a.attribs.name)).toEqual([
      "Content-Security-Policy",
      "Reporting-Endpoints",
      "Strict-Transport-Security",
      "X-Content-Type-Options",
      "Referrer-Policy",
      "X-Frame-Options",
    ]);
  });

  test("header and cloudflare: lines split back into name and value", () => {
    const [line] = exportPolicy(GOLDEN_POLICY, "header").split("\n");
    expect(line).toBe(`Content-Security-Policy: ${policy}`);
    expect(exportPolicy(GOLDEN_POLICY, "cloudflare").split("\n")[1]).toBe(
      `  Content-Security-Policy: ${policy}`,
    );
  });
});

describe("export errors", () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ExportError);
      return `${(err as ExportError).id}: ${(err as ExportError).message}`;
    }
    throw new Error("expected an ExportError");
  };

  test.each([
    {
      name: "meta + report-only",
      fn: () => exportPolicy("default-src 'self'", "meta", { reportOnly: true }),
      error:
        "meta_report_only: meta: Content-Security-Policy-Report-Only cannot be delivered in a <meta> element (CSP3 §3.3); send it as a response header",
    },
    {
      name: "nginx and $",
      fn: () => exportPolicy("img-src https://a.example/$x", "nginx"),
      error: 'unsupported_value: nginx: the value contains "$", which nginx expands as a variable',
    },
    {
      name: "cloudflare line limit",
      fn: () => exportPolicy(`img-src ${"https://a.example ".repeat(150)}`, "cloudflare"),
      error: "line_too_long: cloudflare: a _headers line is 2734 characters; Cloudflare accepts at most 2000",
    },
    {
      name: "unknown format",
      fn: () => exportPolicy("img-src 'self'", "yaml" as ExportFormat),
      error: `unknown_format: unknown export format "yaml"; use one of ${EXPORT_FORMATS.join(", ")}`,
    },
  ])("$name", ({ fn, error }) => {
    expect(message(fn)).toBe(error);
  });

  test("X-Frame-Options only when frame-ancestors is 'none' or 'self'", () => {
    expect(exportPolicy("frame-ancestors 'self'", "header", { companions: true })).toContain(
      "X-Frame-Options: SAMEORIGIN",
    );
    expect(exportPolicy("frame-ancestors https://a.example", "header", { companions: true })).not.toContain(
      "X-Frame-Options",
    );
  });

  test("explicit reportingEndpoints without companions", () => {
    expect(exportPolicy("report-to x", "header", { reportingEndpoints: { x: "https://c.example/r" } })).toBe(
      'Content-Security-Policy: report-to x\nReporting-Endpoints: x="https://c.example/r"\n',
    );
  });
});
