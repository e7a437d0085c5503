// The inventory's opt-in (#18): the CSP3 keywords that came with it are parsed, kept by the minifier and never cost
// grade points; 'report-sha384' goes into the script directives of served policies and install values; the
// Integrity-Policy-Report-Only header is offered over HTTPS only.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseSource } from "../../server/policy/source.ts";
import { evaluatePolicy } from "../../server/policy/grade.ts";
import { minifyPolicy } from "../../server/policy/minify.ts";
import { buildPolicy } from "../../server/policy/build.ts";
import { group } from "../policy/helpers.ts";
import { withReportHashes } from "../../server/scripts/report-hashes.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import type { ProjectDto } from "../../server/contract.ts";

const NEW_KEYWORDS = [
  "'report-sha256'",
  "'report-sha384'",
  "'report-sha512'",
  "'trusted-types-eval'",
  "'unsafe-webtransport-hashes'",
];

describe("CSP3 keywords of script hashing", () => {
  test.each(NEW_KEYWORDS)("%s is a keyword (any case)", (k) => {
    expect(parseSource(k.toUpperCase())).toEqual({ kind: "keyword", keyword: k });
  });

  test("never counted against the grade: same score and no finding about them", () => {
    const base =
      "default-src 'none'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
      "frame-ancestors 'none'; form-action 'self'; report-to cinch";
    const withKeywords = base
      .replace("script-src 'self'", `script-src 'self' ${NEW_KEYWORDS.join(" ")}`)
      .replace("connect-src 'self'", "connect-src 'self' 'unsafe-webtransport-hashes'");
    const plain = evaluatePolicy(base);
    const keyed = evaluatePolicy(withKeywords);
    expect(keyed.score).toBe(plain.score);
    expect(keyed.findings.filter((f) => NEW_KEYWORDS.includes(f.value ?? ""))).toEqual([]);
  });

  test("kept by the builder, with and without reports, unused sources dropped around them", () => {
    const base = `default-src 'self'; script-src 'self' https://old.example ${NEW_KEYWORDS.join(" ")}; object-src 'none'`;
    const groups = [
      group("script-src-elem", "https://cdn.example", { blockedUrl: "https://cdn.example/x.js" }),
    ];
    for (const g of [[], groups]) {
      const script = buildPolicy({ base, groups: g })
        .policy.split("; ")
        .find((d) => d.startsWith("script-src "));
      for (const k of NEW_KEYWORDS) expect(script, k).toContain(k);
    }
  });

  test("kept by the minifier", () => {
    const p = `script-src 'self' ${NEW_KEYWORDS.join(" ")}; connect-src 'self' 'unsafe-webtransport-hashes'`;
    expect(minifyPolicy(p).policy).toBe(p);
  });
});

describe("withReportHashes", () => {
  test.each([
    {
      in: "default-src 'self'; report-to cinch",
      out: "default-src 'self'; script-src 'self' 'report-sha384'; report-to cinch",
    },
    {
      in: "script-src 'self' https://cdn.example; object-src 'none'",
      out: "script-src 'self' https://cdn.example 'report-sha384'; object-src 'none'",
    },
    { in: "script-src 'self' 'report-sha256'", out: "script-src 'self' 'report-sha256'" },
    {
      in: "script-src 'self'; script-src-elem 'self'",
      out: "script-src 'self' 'report-sha384'; script-src-elem 'self' 'report-sha384'",
    },
    { in: "script-src 'none'", out: "script-src 'none'" },
    { in: "img-src 'self'", out: "img-src 'self'" },
  ])("$in", (row) => {
    expect(withReportHashes(row.in)).toBe(row.out);
  });
});

describe("project setting reportScriptHashes", () => {
  let https: TestApp;
  let http: TestApp;
  beforeAll(async () => {
    https = await startTestApp({ PUBLIC_URL: "https://cinch.example" });
    http = await startTestApp();
  });
  afterAll(async () => {
    await https.close();
    await http.close();
  });

  const optIn = async (t: TestApp): Promise<ProjectDto> => {
    const created = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as ProjectDto;
    expect(created.install.headers.some((h) => h.startsWith("Integrity-Policy"))).toBe(false);
    expect(created.reportOnlyPolicy).not.toContain("report-sha384");
    const res = await api(t, "PATCH", `/api/projects/${created.id}`, {
      settings: { reportScriptHashes: true },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ProjectDto;
  };

  test("HTTPS: the install values carry 'report-sha384' and the Integrity-Policy-Report-Only line", async () => {
    const p = await optIn(https);
    expect(p.settings.reportScriptHashes).toBe(true);
    expect(p.reportOnlyPolicy).toMatch(/script-src [^;]*'report-sha384'/);
    expect(p.install.headers).toContain(
      "Integrity-Policy-Report-Only: blocked-destinations=(script), endpoints=(cinch)",
    );
    const exported = await (await api(https, "GET", `/api/projects/${p.id}/policy/export`)).text();
    expect(exported).toContain("'report-sha384'");
  });

  test("HTTP: the policy still asks for hashes, no integrity header, and the notes say why", async () => {
    const p = await optIn(http);
    expect(p.reportOnlyPolicy).toContain("'report-sha384'");
    expect(p.install.headers.some((h) => h.startsWith("Integrity-Policy"))).toBe(false);
    expect(p.install.notes.join(" ")).toMatch(/only through report-to, which needs HTTPS/);
  });
});
