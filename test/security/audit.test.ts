// scripts/audit.mjs decides from npm's output: fail on high/critical; when the audit cannot run, say so, never
// "clean", and do not fail CI for that alone. Canned outputs of `npm audit --json` in fixtures/audit/.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { decide } from "../../scripts/audit.mjs";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/audit/${name}`, import.meta.url), "utf8");
const NPM_WARN = 'npm warn Unknown user config "nodedir".\n';

describe("scripts/audit.mjs decide()", () => {
  test.each([
    {
      name: "clean",
      run: { status: 0, stdout: fixture("clean.json"), stderr: "" },
      verdict: "clean",
      exitCode: 0,
      message:
        "npm audit: no high or critical advisories in production dependencies (0 info, 0 low, 0 moderate, 0 high, 0 critical; 148 packages checked).",
    },
    {
      name: "moderate only (below --audit-level=high)",
      run: { status: 0, stdout: fixture("moderate.json"), stderr: "" },
      verdict: "clean",
      exitCode: 0,
      message:
        "npm audit: no high or critical advisories in production dependencies (0 info, 2 low, 1 moderate, 0 high, 0 critical; 148 packages checked).",
    },
    {
      name: "high and critical",
      run: { status: 1, stdout: fixture("high.json"), stderr: "" },
      verdict: "vulnerable",
      exitCode: 1,
      message:
        "npm audit found 2 high or critical advisories in production dependencies (0 info, 0 low, 1 moderate, 1 high, 1 critical): koa (high), tar (critical).",
    },
    {
      name: "advisory endpoint answers 405 (this network)",
      run: {
        status: 1,
        stdout: fixture("endpoint-405.json"),
        stderr: `${NPM_WARN}npm warn audit 405 Method Not Allowed\nnpm error audit endpoint returned an error\n`,
      },
      verdict: "unavailable",
      exitCode: 0,
      message:
        "npm audit could NOT run: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk. Dependencies were NOT checked for advisories — this is not a clean result. (Not failing the build for this alone; set CINCH_AUDIT_STRICT=1 to fail.)",
    },
    {
      name: "registry without audit support",
      run: { status: 1, stdout: fixture("enoaudit.json"), stderr: "" },
      verdict: "unavailable",
      exitCode: 0,
      message:
        "npm audit could NOT run: Your configured registry (https://registry.example.internal/) does not support audit requests. Dependencies were NOT checked for advisories — this is not a clean result. (Not failing the build for this alone; set CINCH_AUDIT_STRICT=1 to fail.)",
    },
    {
      name: "offline: no JSON at all",
      run: {
        status: 1,
        stdout: "",
        stderr: `${NPM_WARN}npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org failed\n`,
      },
      verdict: "unavailable",
      exitCode: 0,
      message:
        "npm audit could NOT run: npm printed no audit report (npm error code ENOTFOUND). Dependencies were NOT checked for advisories — this is not a clean result. (Not failing the build for this alone; set CINCH_AUDIT_STRICT=1 to fail.)",
    },
    {
      name: "npm not found",
      run: { status: null, stdout: "", stderr: "spawnSync npm ENOENT" },
      verdict: "unavailable",
      exitCode: 0,
      message:
        "npm audit could NOT run: npm printed no audit report (spawnSync npm ENOENT). Dependencies were NOT checked for advisories — this is not a clean result. (Not failing the build for this alone; set CINCH_AUDIT_STRICT=1 to fail.)",
    },
  ])("$name → $verdict, exit $exitCode", ({ run, verdict, exitCode, message }) => {
    expect(decide(run)).toEqual({ verdict, exitCode, message });
  });

  test("an audit that could not run is never reported as clean", () => {
    for (const stdout of [
      fixture("endpoint-405.json"),
      fixture("enoaudit.json"),
      "",
      "null",
      "{}",
      "[]",
      '{"metadata":{}}',
    ]) {
      const d = decide({ status: 1, stdout, stderr: "" });
      expect(d.verdict, stdout).toBe("unavailable");
      expect(d.message).not.toMatch(/no high or critical/);
      expect(d.message).toMatch(/NOT checked/);
    }
  });

  test("CINCH_AUDIT_STRICT: an audit that could not run fails too", () => {
    expect(
      decide({ status: 1, stdout: fixture("endpoint-405.json"), stderr: "", strict: true }).exitCode,
    ).toBe(1);
  });
});
