// The policy CLI end to end: evaluate, build from raw report bodies, export, minify and hash.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { hashSource } from "../../server/policy/hash.ts";
import { CORPUS_DIR } from "../reports/corpus.ts";

const BIN = new URL("../../bin/cinch.mjs", import.meta.url).pathname;
const FIXTURES = CORPUS_DIR;

function cinch(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fixtureBody(name: string): string {
  return JSON.stringify(
    (JSON.parse(readFileSync(`${FIXTURES}/${name}/request.json`, "utf8")) as { body: unknown }).body,
  );
}

describe("cinch policy commands", () => {
  test("evaluate --json prints {grade, findings} with the documented keys", () => {
    const r = cinch("evaluate", "--json", "script-src 'unsafe-inline'");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { grade: string; findings: Record<string, unknown>[] };
    expect(json.grade).toBe("F");
    expect(Object.keys(json)).toEqual(["grade", "findings"]);
    expect(json.findings[0]).toEqual({
      severity: "high",
      directive: "script-src",
      value: "'unsafe-inline'",
      message: "'unsafe-inline' allows the execution of unsafe in-page scripts and event handlers.",
    });
  });

  test("build --reports: the policy is the last line; --json carries the rest", () => {
    const dir = mkdtempSync(join(tmpdir(), "cinch-policy-"));
    const file = join(dir, "reports.ndjson");
    const lines = [
      "chromium156-reporting-api-batch",
      "chromium156-legacy-inline",
      "wasm-eval",
      "firefox49-bare-chrome-extension",
    ];
    writeFileSync(file, `${lines.map(fixtureBody).join("\n")}\nnot json\n`);
    const r = cinch(
      "build",
      "--reports",
      file,
      "--report-uri",
      "https://cinch.example/r/k",
      "--report-to",
      "cinch",
    );
    expect(r.code).toBe(0);
    const last = r.stdout.trimEnd().split("\n").at(-1);
    expect(last).toBe(
      "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'; " +
        `script-src 'self' 'report-sample' ${hashSource("window.inlineRan=true;")}; style-src 'self' 'report-sample'; ` +
        "report-uri https://cinch.example/r/k; report-to cinch",
    );
    expect(r.stderr).toContain("cinch: skipped line 5: ");
    const json = JSON.parse(cinch("build", "--json", "--min-count", "1", "--reports", file).stdout) as Record<
      string,
      unknown
    >;
    expect(Object.keys(json)).toEqual([
      "policy",
      "suggestions",
      "decisions",
      "grade",
      "findings",
      "warnings",
    ]);
    expect(json.policy).toContain("'wasm-unsafe-eval'");
  });

  test("export: formats, and a clear error for meta + report-only", () => {
    expect(cinch("export", "--format", "nginx", "img-src 'self'").stdout).toBe(
      "add_header Content-Security-Policy \"img-src 'self'\" always;\n",
    );
    const meta = cinch("export", "--format", "meta", "--report-only", "img-src 'self'");
    expect(meta.code).toBe(1);
    expect(meta.stderr).toBe(
      "cinch: meta: Content-Security-Policy-Report-Only cannot be delivered in a <meta> element (CSP3 §3.3); send it as a response header\n",
    );
    expect(cinch("export", "--format", "yaml", "img-src 'self'").stderr).toMatch(
      /^cinch: unknown --format "yaml"; use one of header, meta/,
    );
  });

  test("minify prints the minified policy", () => {
    expect(cinch("minify", "img-src 'none' *.example.com https://a.example.com").stdout).toBe(
      "img-src *.example.com\n",
    );
  });

  test("hash: exact hashes from a directory of built HTML", () => {
    const dir = mkdtempSync(join(tmpdir(), "cinch-hash-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "index.html"), "<script>\n  a=1;\n</script>");
    writeFileSync(join(dir, "sub", "b.html"), '<button onclick="go()">x</button>');
    writeFileSync(join(dir, "notes.txt"), "<script>x</script>");
    const r = cinch("hash", "--json", dir);
    const items = JSON.parse(r.stdout) as { file: string; directive: string; hash: string }[];
    expect(items.map((i) => [i.file.endsWith("index.html"), i.directive, i.hash])).toEqual([
      [true, "script-src-elem", hashSource("\n  a=1;\n")],
      [false, "script-src-attr", hashSource("go()")],
    ]);
    const text = cinch("hash", dir).stdout.trimEnd().split("\n");
    expect(text.slice(-2)).toEqual([
      `script-src-elem ${hashSource("\n  a=1;\n")}`,
      `script-src-attr 'unsafe-hashes' ${hashSource("go()")}`,
    ]);
  });
});
