// The deployed set in every export format: one version, enforced + report-only together, and none.
import { describe, expect, test } from "vitest";
import { EXPORT_FORMATS } from "../../server/policy/export/index.ts";
import { exportDeployed } from "../../server/policy/export/deployed.ts";
import { deployedSet } from "../../server/policy/versions.ts";

const REPORT = "https://cinch.example/r/KEY";
const V1 = `default-src 'self'; script-src 'self' https://cdn.example; report-uri ${REPORT}`;
const V2 = `default-src 'self'; script-src 'self' https://cdn.example https://new.example; report-uri ${REPORT}`;
const history = [
  { version: 1, state: "enforced", policy: V1 },
  { version: 2, state: "report-only", policy: V2 },
];

// How each format names the report-only policy (Plug wants lower-case names; helmet and django have options).
const REPORT_ONLY_MARK: Record<(typeof EXPORT_FORMATS)[number], string> = {
  header: "Content-Security-Policy-Report-Only: ",
  meta: "cannot be delivered in <meta>",
  nginx: "add_header Content-Security-Policy-Report-Only ",
  apache: "Header always set Content-Security-Policy-Report-Only ",
  caddy: "\tContent-Security-Policy-Report-Only ",
  iis: '<add name="Content-Security-Policy-Report-Only" ',
  helmet: "reportOnly: true",
  nextjs: '{ key: "Content-Security-Policy-Report-Only", ',
  phoenix: '"content-security-policy-report-only" => ',
  rails: '"Content-Security-Policy-Report-Only" => ',
  django: "CONTENT_SECURITY_POLICY_REPORT_ONLY = {",
  cloudflare: "  Content-Security-Policy-Report-Only: ",
};

describe("deployedSet", () => {
  test.each([
    { state: "both" as const, versions: [1, 2], reportOnly: [false, true] },
    { state: "enforced" as const, versions: [1], reportOnly: [false] },
    { state: "report-only" as const, versions: [2], reportOnly: [true] },
  ])("$state: versions $versions, each tagged ?v=N", ({ state, versions, reportOnly }) => {
    const set = deployedSet(history, state);
    expect(set.map((v) => v.version)).toEqual(versions);
    expect(set.map((v) => v.reportOnly)).toEqual(reportOnly);
    for (const v of set) expect(v.policy).toContain(`${REPORT}?v=${v.version}`);
  });

  test("none: nothing deployed (drafts and retired versions are not served)", () => {
    expect(deployedSet([{ version: 1, state: "draft", policy: V1 }])).toEqual([]);
    expect(deployedSet([{ version: 1, state: "retired", policy: V1 }])).toEqual([]);
  });
});

describe.each(EXPORT_FORMATS.map((format) => ({ format })))("$format", ({ format }) => {
  test("one enforced version: one policy, enforce mode, ?v=1", () => {
    const text = exportDeployed(deployedSet(history, "enforced"), format);
    if (format !== "meta") expect(text).toContain("?v=1"); // meta drops report-uri (CSP3 §3.3)
    expect(text).not.toContain(REPORT_ONLY_MARK[format]);
    expect(text).toContain("https://cdn.example");
    expect(text).not.toContain("https://new.example");
  });

  test("enforced v1 + report-only v2: both, each with its ?v=N", () => {
    const text = exportDeployed(deployedSet(history), format);
    expect(text).toContain(REPORT_ONLY_MARK[format]);
    expect(text).toContain("https://new.example");
    expect(text).toContain("?v=2");
    if (format !== "meta") expect(text).toContain("?v=1");
    // The enforced policy is not rendered as report-only.
    if (format === "helmet") expect(text).toContain("reportOnly: false");
    if (format === "django") expect(text).toContain("\nCONTENT_SECURITY_POLICY = {");
  });
});

test("header: the two header lines, enforced first, exactly", () => {
  expect(exportDeployed(deployedSet(history), "header")).toBe(
    `Content-Security-Policy: default-src 'self'; script-src 'self' https://cdn.example; report-uri ${REPORT}?v=1\n` +
      `Content-Security-Policy-Report-Only: default-src 'self'; script-src 'self' https://cdn.example https://new.example; report-uri ${REPORT}?v=2\n`,
  );
});

test("meta with only a report-only version says it cannot", () => {
  expect(() => exportDeployed(deployedSet(history, "report-only"), "meta")).toThrow(/cannot be delivered/);
});

test("helmet with both evaluates to two middlewares' options", () => {
  const js = exportDeployed(deployedSet(history), "helmet");
  const calls: unknown[] = [];
  const helmet = { contentSecurityPolicy: (o: unknown) => (calls.push(o), o) };
  const out = new Function("helmet", `${js}\nreturn [helmetOptions, reportOnlyPolicy];`)(helmet) as [
    { contentSecurityPolicy: { reportOnly: boolean; directives: { reportUri: string[] } } },
    { reportOnly: boolean; directives: { scriptSrc: string[]; reportUri: string[] } },
  ];
  expect(out[0].contentSecurityPolicy.reportOnly).toBe(false);
  expect(out[0].contentSecurityPolicy.directives.reportUri).toEqual([`${REPORT}?v=1`]);
  expect(out[1].reportOnly).toBe(true);
  expect(out[1].directives.scriptSrc).toContain("https://new.example");
  expect(out[1].directives.reportUri).toEqual([`${REPORT}?v=2`]);
});
