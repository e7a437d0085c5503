// `cinch parse` end to end: the corpus through the real CLI (node bin/cinch.mjs), one child per case.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import type { Case } from "./corpus.ts";
import { loadCases, pinned } from "./corpus.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const cases = loadCases();

type Run = { code: number | null; stdout: string; stderr: string };

function runCli(args: string[], stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/cinch.mjs", ...args], { cwd: ROOT, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// Node + tsx start-up dominates (~0.3 s per child): run the children concurrently, a few at a time.
async function runAll(list: Case[]): Promise<Map<string, Run>> {
  const results = new Map<string, Run>();
  const queue = [...list];
  const workers = Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      results.set(c.name, await runCli(["parse", "--content-type", c.contentType ?? "", "-"], c.raw));
    }
  });
  await Promise.all(workers);
  return results;
}

let runs = new Map<string, Run>();
beforeAll(async () => {
  runs = await runAll(cases);
}, 240_000); // 28 children: ~10 s alone, past 60 s on a loaded 2-core machine (seen at a load average of 8)

describe("cinch parse over the corpus", () => {
  test.each(cases)("$name", (c) => {
    const run = runs.get(c.name);
    expect(run?.stderr).toBe("");
    const printed = JSON.parse(run?.stdout ?? "") as {
      status: number;
      violations: Record<string, unknown>[];
    };
    expect(printed.status).toBe(c.status);
    expect(run?.code).toBe(c.status === 204 ? 0 : 1);
    expect(printed.violations).toHaveLength(c.violations.length);
    c.violations.forEach((want, i) => {
      expect(pinned(printed.violations[i] ?? {}, want), `violation ${i}`).toEqual(want);
    });
  });

  test("failures print error and message", async () => {
    const run = await runCli(["parse", "--content-type", "text/html", "-"], "<p>");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      status: 415,
      error: "unsupported_media_type",
      message:
        'unsupported Content-Type "text/html"; expected one of application/csp-report, application/reports+json, application/json',
      violations: [],
    });
  });
});
