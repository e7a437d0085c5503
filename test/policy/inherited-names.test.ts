// Groups with hostile directive names in the database (inherited names, markup) never break the builder and
// never feed a source: suggestion, build and preview answer 200 and only real directives carry sources.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Violation } from "../../server/reports/types.ts";
import { hashSource } from "../../server/policy/hash.ts";
import { fallbackChain } from "../../server/policy/directives.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { parsePolicy } from "../../server/policy/csp.ts";
import { exportPolicy } from "../../server/policy/export/index.ts";
import { group } from "./helpers.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

const HOSTILE = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "<img",
  'style-src-elem"><svg onload=alert(1)>',
];

const violation = (directive: string, blocked: string, sample = ""): Violation => ({
  directive,
  blocked,
  blockedKey: blocked,
  documentUrl: "https://shop.example/cart",
  disposition: "report",
  sourceFile: "",
  line: null,
  column: null,
  sample,
  statusCode: 200,
  browser: "Chrome 131",
  noise: null,
});

const sampleOf = (d: string) => `window.evil=${JSON.stringify(d)};`;

type Build = { policy: string; suggestions: { directive: string; source: string }[] };

describe("hostile directive names stored as groups", () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp();
    id = (await t.deps.projects.create("shop")).id;
    const vs: Violation[] = [];
    for (let i = 0; i < 3; i++) {
      vs.push(violation("script-src-elem", "https://cdn.example.net"));
      for (const d of HOSTILE) {
        vs.push(violation(d, "inline", sampleOf(d)));
        vs.push(violation(d, `https://${d.length}.hostile.example`));
      }
    }
    const done = t.deps.writer.enqueue(id, vs, { policyVersion: null, env: "" });
    t.deps.writer.flushNow();
    await done;
  });
  afterAll(async () => t.close());

  const noHostileSource = (b: Build) => {
    expect(b.policy).toContain("https://cdn.example.net");
    expect(b.policy).not.toContain("hostile.example");
    for (const d of HOSTILE) expect(b.policy).not.toContain(hashSource(sampleOf(d)));
    for (const s of b.suggestions) expect(HOSTILE).not.toContain(s.directive);
  };

  test("the suggestion answers 200 and no hostile group feeds a source", async () => {
    const res = await api(t, "GET", `/api/projects/${id}/policy/suggestion`);
    expect(res.status).toBe(200);
    noHostileSource((await res.json()) as Build);
  });

  test("a build answers 200 and no hostile group feeds a source", async () => {
    const res = await api(t, "POST", `/api/projects/${id}/policy/build`, {});
    expect(res.status).toBe(200);
    noHostileSource((await res.json()) as Build);
  });

  test("a preview answers 200", async () => {
    const res = await api(t, "POST", `/api/projects/${id}/policy/preview`, {
      policy: "default-src 'self'; script-src 'self'",
    });
    expect(res.status).toBe(200);
  });
});

describe("the engine, pure", () => {
  test.each(HOSTILE)("fallbackChain(%j) is the name alone, never an inherited value", (d) => {
    expect(fallbackChain(d)).toEqual([d]);
  });

  test("buildPolicy over hostile groups, accepted by id, keeps them out of every directive", () => {
    const groups = HOSTILE.flatMap((d) => [
      group(d, "inline", { sample: sampleOf(d) }),
      group(d, "https://x.hostile.example"),
    ]);
    groups.push(group("script-src-elem", "https://cdn.example.net"));
    const b = buildPolicy({ groups, accepted: groups.map((g) => String(g.id)) });
    expect(b.policy).toContain("https://cdn.example.net");
    expect(b.policy).not.toContain("hostile.example");
    for (const d of HOSTILE) expect(b.policy).not.toContain(hashSource(sampleOf(d)));
    for (const d of parsePolicy(b.policy).directives) expect(HOSTILE).not.toContain(d.name);
    expect(b.warnings).toContain(
      `${HOSTILE.length * 2} group(s) name no CSP directive and are not turned into sources`,
    );
  });
});

describe("inherited names as policy values", () => {
  test("the Rails export spells `constructor` and `toString` as strings, not as Object's functions", () => {
    const out = exportPolicy("img-src 'self' constructor tostring; object-src 'none'", "rails");
    expect(out).not.toContain("function");
    expect(out).not.toContain("[native code]");
    expect(out).toContain(`"constructor"`);
    expect(out).toContain(":self");
  });
});

describe("cinch build", () => {
  test("reports with inherited or markup directive names build a policy, exit 0, and feed no source", () => {
    const dir = mkdtempSync(join(tmpdir(), "cinch-hostile-"));
    const file = join(dir, "reports.ndjson");
    const body = (d: string, blocked: string, sample = "") =>
      JSON.stringify({
        "csp-report": {
          "document-uri": "https://shop.example/",
          "effective-directive": d,
          "violated-directive": d,
          "blocked-uri": blocked,
          "script-sample": sample,
        },
      });
    const lines = HOSTILE.flatMap((d) => [
      body(d, "inline", sampleOf(d)),
      body(d, "https://x.hostile.example/a.js"),
    ]);
    writeFileSync(file, `${[...lines, ...lines].join("\n")}\n`);
    const bin = new URL("../../bin/cinch.mjs", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [bin, "build", "--min-count", "1", "--reports", file], {
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const policy = r.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(policy).toMatch(/^default-src 'self'; /);
    expect(policy).not.toContain("hostile.example");
    for (const d of HOSTILE) expect(policy).not.toContain(hashSource(sampleOf(d)));
  });
});
