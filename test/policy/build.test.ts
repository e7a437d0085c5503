// The builder: placement, ladder, evidence threshold, unsafe keywords, hashes, wildcards, determinism.
import { describe, expect, test } from "vitest";
import { buildPolicy } from "../../server/policy/build.ts";
import { BuildMemo } from "../../server/policy/build-memo.ts";
import { groupsFromViolations } from "../../server/policy/groups.ts";
import { hashSource } from "../../server/policy/hash.ts";
import { parseReportBody } from "../../server/reports/parse.ts";
import { group } from "./helpers.ts";

const REPORTING = { reportUri: "https://cinch.example/r/k", reportToGroup: "cinch" };

describe("buildPolicy", () => {
  test("starter + typical groups: exact policy", () => {
    const r = buildPolicy({
      ...REPORTING,
      groups: [
        group("script-src-elem", "https://static.example.net", {
          blockedUrl: "https://static.example.net/lib.js",
        }),
        group("img-src", "data"),
        group("connect-src", "https://app.example.com", { blockedUrl: "https://app.example.com/api" }),
        group("connect-src", "wss://rt.example.org"),
        group("font-src", "https://fonts.gstatic.com"),
      ],
    });
    expect(r.policy).toBe(
      "default-src 'self'; base-uri 'self'; connect-src 'self' wss://rt.example.org; font-src 'self' https://fonts.gstatic.com; " +
        "form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; " +
        "script-src 'self' 'report-sample' https://static.example.net; style-src 'self' 'report-sample'; " +
        "report-uri https://cinch.example/r/k; report-to cinch",
    );
    expect(r.grade).toBe("A");
  });

  test("deterministic: same groups in any order give a byte-identical policy", () => {
    const groups = [
      group("img-src", "https://a.example"),
      group("script-src-elem", "inline", { sample: "a=1;" }),
      group("style-src-elem", "https://css.example"),
      group("script-src", "wasm-eval"),
    ];
    const a = buildPolicy({ groups, ...REPORTING });
    const b = buildPolicy({ groups: [...groups].reverse(), ...REPORTING });
    expect(b.policy).toBe(a.policy);
    expect(JSON.stringify(b.suggestions)).toBe(JSON.stringify(a.suggestions));
  });

  test.each([
    {
      name: "a -elem violation under default-src only creates script-src as a copy of default-src",
      base: "default-src 'self' https://shared.example",
      // the img-src group is evidence that keeps https://shared.example in default-src
      groups: [group("script-src-elem", "https://cdn.example"), group("img-src", "https://shared.example")],
      directive: "script-src",
      expected: "script-src 'self' https://cdn.example https://shared.example",
    },
    {
      name: "a new worker-src copies script-src's list without inline-only and eval-only keywords",
      base: "default-src 'self'; script-src 'self' 'report-sample' 'wasm-unsafe-eval' 'sha256-abc='",
      groups: [group("worker-src", "blob")],
      directive: "worker-src",
      expected: "worker-src 'self' blob:",
    },
    {
      name: "an existing script-src-elem takes the source",
      base: "default-src 'self'; script-src 'self'; script-src-elem 'self'",
      groups: [group("script-src-elem", "https://cdn.example")],
      directive: "script-src-elem",
      expected: "script-src-elem 'self' https://cdn.example",
    },
    {
      name: "'none' defaults do not survive next to a new source",
      base: "default-src 'none'",
      groups: [group("img-src", "https://img.example")],
      directive: "img-src",
      expected: "img-src https://img.example",
    },
    {
      name: "same-origin resources become 'self'",
      base: "default-src 'none'",
      groups: [
        group("img-src", "https://app.example.com", { blockedUrl: "https://app.example.com/logo.png" }),
      ],
      directive: "img-src",
      expected: "img-src 'self'",
    },
    {
      name: "frame-ancestors has no fallback: the source goes there",
      base: "default-src 'self'; frame-ancestors 'self'",
      groups: [group("frame-ancestors", "https://partner.example")],
      directive: "frame-ancestors",
      expected: "frame-ancestors 'self' https://partner.example",
    },
    {
      name: "wasm-eval → 'wasm-unsafe-eval'",
      base: "default-src 'self'; script-src 'self'",
      groups: [group("script-src", "wasm-eval")],
      directive: "script-src",
      expected: "script-src 'self' 'wasm-unsafe-eval'",
    },
    {
      name: "known JSONP/Angular hosts are narrowed to the exact script URL",
      base: "default-src 'self'; script-src 'self'",
      groups: [
        group("script-src-elem", "https://cdn.jsdelivr.net", {
          blockedUrl: "https://cdn.jsdelivr.net/npm/a@1/a.js",
        }),
      ],
      directive: "script-src",
      expected: "script-src 'self' https://cdn.jsdelivr.net/npm/a@1/a.js",
    },
  ])("$name", ({ base, groups, directive, expected }) => {
    const policy = buildPolicy({ base, groups, ...REPORTING }).policy;
    expect(policy.split("; ").find((d) => d.startsWith(`${directive} `))).toBe(expected);
  });

  test("rule 3: never data:, * or schemes into script, object or base directives", () => {
    const r = buildPolicy({
      groups: [
        group("script-src-elem", "data"),
        group("object-src", "https://plugin.example"),
        group("script-src-elem", "blob"),
      ],
      ...REPORTING,
    });
    expect(r.policy).toContain("object-src 'none'");
    expect(r.policy).not.toMatch(/script-src[^;]*(data:|blob:)/);
    expect(r.suggestions.filter((s) => s.action === "refuse").map((s) => s.id)).toEqual([
      "object-src https://plugin.example",
      "script-src blob:",
      "script-src data:",
    ]);
  });

  test("evidence threshold: one stray report is a suggestion, not a source, until accepted", () => {
    const groups = [group("img-src", "https://stray.example", { count: 1 })];
    const r = buildPolicy({ groups, ...REPORTING });
    expect(r.policy).not.toContain("stray");
    expect(r.suggestions[0]?.applied).toBe(false);
    expect(r.suggestions[0]?.reason).toBe(
      "reports from img-src for https://stray.example (below the evidence threshold: 1 report(s) on 2 page(s), need at least 2 report(s) on 1 page(s))",
    );
    expect(
      buildPolicy({ groups, ...REPORTING, accepted: ["img-src https://stray.example"] }).policy,
    ).toContain("img-src 'self' https://stray.example");
    expect(buildPolicy({ groups, ...REPORTING, minCount: 1 }).policy).toContain("https://stray.example");
    expect(
      buildPolicy({ groups, ...REPORTING, minCount: 1, rejected: ["img-src https://stray.example"] }).policy,
    ).not.toContain("stray");
  });

  test("unsafe keywords are decisions, applied only when explicitly accepted", () => {
    const groups = [group("script-src", "eval", { sample: "1+1" })];
    const r = buildPolicy({ groups, ...REPORTING });
    expect(r.policy).not.toContain("unsafe-eval");
    expect(r.decisions.map((d) => [d.id, d.kind, d.accepted])).toEqual([
      ["script-src 'unsafe-eval'", "unsafe-keyword", false],
    ]);
    const accepted = buildPolicy({
      groups,
      ...REPORTING,
      acceptUnsafe: [{ directive: "script-src", keyword: "unsafe-eval" }],
    });
    expect(accepted.policy).toContain("script-src 'self' 'report-sample' 'unsafe-eval'");
    expect(accepted.decisions[0]?.accepted).toBe(true);
  });

  test("inline: a whole sample gives a hash to verify; a cut sample gives nonce and unsafe-inline decisions", () => {
    const whole = "window.inlineRan=true;";
    const cut = "(function(){var a=document.createElement";
    const r = buildPolicy({
      groups: [
        group("script-src-elem", "inline", { sample: whole }),
        group("script-src-elem", "inline", { sample: cut }),
      ],
      ...REPORTING,
    });
    const hash = hashSource(whole);
    expect(r.policy).toContain(`script-src 'self' 'report-sample' ${hash}`);
    expect(r.suggestions.find((s) => s.source === hash)?.verify).toBe(true);
    expect(r.decisions.map((d) => d.id)).toEqual(["script-src 'unsafe-inline'", "script-src nonce"]);
    expect(r.decisions[1]?.add).toEqual(["'nonce-CINCH_NONCE'", "'strict-dynamic'"]);
    expect(r.decisions[1]?.reason).toBe(
      "the sample is cut at 40 characters, so no hash of the whole inline script can be computed from reports; " +
        "use a per-response nonce with 'strict-dynamic', or exact hashes from `npx cinch hash <dir>`",
    );
    const nonce = buildPolicy({
      groups: [group("script-src-elem", "inline", { sample: cut })],
      ...REPORTING,
      accepted: ["script-src nonce"],
    });
    expect(nonce.policy).toContain("script-src 'self' 'report-sample' 'strict-dynamic' 'nonce-CINCH_NONCE'");
  });

  test("hash verification: reports under the version carrying the hash mark it failed and recommend a nonce", () => {
    const sample = "a=1;";
    const hash = hashSource(sample);
    const g = group("script-src-elem", "inline", { sample, countsByVersion: { 2: 4, 3: 6 } });
    const r = buildPolicy({
      base: `default-src 'self'; script-src 'self' ${hash}`,
      groups: [g],
      hashVersions: { [hash]: 3 },
      ...REPORTING,
    });
    expect(r.policy).not.toContain(hash);
    expect(r.suggestions.map((s) => [s.id, s.applied])).toEqual([[`script-src -${hash}`, true]]);
    expect(r.decisions.find((d) => d.kind === "nonce")?.reason).toMatch(
      /^the hash 'sha256-[^']+' failed: this inline script kept reporting/,
    );
    // Reports only from before the hash version: the hash stands.
    const ok = buildPolicy({
      groups: [{ ...g, countsByVersion: { 2: 4 } }],
      hashVersions: { [hash]: 3 },
      ...REPORTING,
    });
    expect(ok.policy).toContain(hash);
  });

  test("event-handler attributes: a hash needs 'unsafe-hashes', so it is a decision", () => {
    const r = buildPolicy({ groups: [group("script-src-attr", "inline", { sample: "go()" })], ...REPORTING });
    expect(r.policy).not.toContain("unsafe-hashes");
    expect(r.decisions.map((d) => d.kind)).toEqual(["unsafe-hashes"]);
    const accepted = buildPolicy({
      groups: [group("script-src-attr", "inline", { sample: "go()" })],
      ...REPORTING,
      accepted: [r.decisions[0]!.id],
    });
    expect(accepted.policy).toContain(
      `script-src-attr 'self' 'report-sample' 'unsafe-hashes' ${hashSource("go()")}`,
    );
  });

  test("wildcard collapse over subdomains of one registrable domain is a decision (Public Suffix List)", () => {
    const groups = ["a", "b", "c"].map((s) => group("img-src", `https://${s}.cdn.example.co.uk`));
    const r = buildPolicy({ groups, ...REPORTING });
    const d = r.decisions.find((x) => x.kind === "wildcard");
    expect(d?.id).toBe("img-src https://*.example.co.uk");
    const accepted = buildPolicy({ groups, ...REPORTING, accepted: ["img-src https://*.example.co.uk"] });
    expect(accepted.policy).toContain("img-src 'self' https://*.example.co.uk;");
    // github.io is a private public suffix: a.github.io and b.github.io belong to different owners.
    const pages = ["a", "b", "c"].map((s) => group("img-src", `https://${s}.github.io`));
    expect(buildPolicy({ groups: pages, ...REPORTING }).decisions).toEqual([]);
  });

  test("progressive: loose and unsafe base sources are replaced by what reports show", () => {
    const base = "default-src 'self'; script-src 'self' https: 'unsafe-inline'; img-src *; object-src *";
    const r = buildPolicy({
      base,
      groups: [group("img-src", "https://img.example"), group("script-src-elem", "https://cdn.example")],
      ...REPORTING,
    });
    expect(r.policy).toBe(
      "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; img-src 'self' https://img.example; " +
        "object-src 'none'; script-src 'self' https://cdn.example; report-uri https://cinch.example/r/k; report-to cinch",
    );
    expect(r.suggestions.filter((s) => s.action === "remove").map((s) => s.id)).toEqual([
      "img-src -*",
      "object-src -*",
      "script-src -'unsafe-inline'",
      "script-src -https:",
    ]);
  });

  test("progressive: base sources no report matched are dropped unless rejected", () => {
    const base = "default-src 'self'; img-src 'self' https://old.example https://img.example";
    const groups = [group("img-src", "https://img.example"), group("connect-src", "https://api.example")];
    expect(buildPolicy({ base, groups, ...REPORTING }).policy).toContain(
      "img-src 'self' https://img.example;",
    );
    expect(
      buildPolicy({ base, groups, ...REPORTING, rejected: ["img-src -https://old.example"] }).policy,
    ).toContain("img-src 'self' https://img.example https://old.example;");
  });

  test("groups last seen before the window are not evidence", () => {
    const groups = [
      group("img-src", "https://old.example", { lastSeen: 10 }),
      group("img-src", "https://new.example", { lastSeen: 5_000 }),
    ];
    const policy = buildPolicy({ groups, since: 1_000, ...REPORTING }).policy;
    expect(policy).toContain("https://new.example");
    expect(policy).not.toContain("https://old.example");
  });

  test("always reports back to Cinch; warns when it cannot", () => {
    expect(buildPolicy({ groups: [] }).warnings).toContain(
      "no report-uri or report-to: pass the collector's URL so the policy reports back to Cinch",
    );
    expect(
      buildPolicy({ groups: [], base: "default-src 'self'; report-uri https://old/r", ...REPORTING }).policy,
    ).toBe(
      "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'; report-uri https://cinch.example/r/k; report-to cinch",
    );
  });

  test("over the size budget: a warning", () => {
    const groups = Array.from({ length: 80 }, (_, i) => group("img-src", `https://img${i}.example${i}.org`));
    const r = buildPolicy({ groups, ...REPORTING });
    expect(r.warnings.some((w) => w.includes("over the 2000-character budget"))).toBe(true);
    expect(r.findings.some((f) => f.check === "over-budget")).toBe(true);
  });
});

describe("after enforcement, blocked means suspect", () => {
  const V1 = "default-src 'self'; script-src 'self' https://static.example.net; object-src 'none'";
  const injected = (extra: Partial<Parameters<typeof group>[2]> = {}) =>
    group("script-src-elem", "https://evil.example", {
      blockedUrl: "https://evil.example/x.js",
      count: 300,
      ...extra,
    });

  test("v1 enforced, a new third-party script reported with enforce: a decision, never in the candidate", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      groups: [injected({ enforcedReports: 300, countsByVersion: { 1: 300 } })],
    });
    expect(r.policy).not.toContain("evil.example");
    expect(r.suggestions.filter((s) => s.applied && s.source.includes("evil"))).toEqual([]);
    const d = r.decisions.find((x) => x.kind === "blocked-in-production");
    expect(d).toMatchObject({
      id: "blocked script-src https://evil.example",
      directive: "script-src",
      add: ["https://evil.example"],
      accepted: false,
      blockedSince: 1,
      blockedReports: 300,
    });
    expect(d?.reason).toMatch(/^blocked in production since v1: 300 blocked report\(s\) on 2 page\(s\)/);
    expect(d?.risk).toContain("XSS payloads, card skimmers");
    expect(d?.evidence.pages).toEqual(["https://app.example.com/", "https://app.example.com/b"]);
  });

  test("a source blocked in production and also reported unblocked, rejected by the user: its suggestion still says it was blocked", () => {
    const unblocked = { ...injected({ count: 50 }), id: 2 };
    const input = {
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      rejected: ["script-src https://evil.example"],
      groups: [{ ...injected({ enforcedReports: 300, countsByVersion: { 1: 300 } }), id: 1 }, unblocked],
    };
    for (const r of [buildPolicy(input), buildPolicy(input, new BuildMemo())]) {
      const s = r.suggestions.find((x) => x.id === "script-src https://evil.example");
      expect(s?.applied).toBe(false);
      expect(s?.reason).toMatch(/\(also blocked in production: decide it under Blocked in production\)$/);
      expect(r.policy).not.toContain("evil.example");
    }
  });

  test("blocked under v1, v2 enforced since, reported again: still a decision, named since v1", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 2,
      dropUnused: false,
      groups: [injected({ enforcedReports: 5, blockedSince: 1, countsByVersion: { 1: 5, 3: 295 } })],
    });
    expect(r.policy).not.toContain("evil.example");
    const d = r.decisions.find((x) => x.kind === "blocked-in-production");
    expect(d).toMatchObject({ blockedSince: 1, blockedReports: 5, accepted: false });
    expect(d?.reason).toMatch(/^blocked in production since v1: 5 blocked report\(s\)/);
    expect(d?.risk).toMatch(/^enforced v1 blocked https:\/\/evil\.example on real pages/);
  });

  test("the same script under a report-only v2 (reports with disposition report): evidence as usual", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      groups: [injected({ countsByVersion: { 2: 300 } })],
    });
    expect(r.policy).toContain("script-src 'self' https://evil.example https://static.example.net");
    expect(r.decisions.filter((x) => x.kind === "blocked-in-production")).toEqual([]);
  });

  test("accepting the decision by id is the only way in", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      groups: [injected({ enforcedReports: 3 })],
      accepted: ["script-src https://evil.example"],
    });
    expect(r.policy).not.toContain("evil.example");
    const a = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      groups: [injected({ enforcedReports: 3 })],
      accepted: ["blocked script-src https://evil.example"],
    });
    expect(a.policy).toContain("https://evil.example");
  });

  test.each([
    {
      name: "inline script (an XSS payload's shape)",
      g: group("script-src-elem", "inline", { sample: "steal()" }),
      risk: "XSS",
    },
    { name: "frame", g: group("frame-src", "https://login-evil.example"), risk: "framed" },
    { name: "image beacon", g: group("img-src", "https://beacon.example"), risk: "page data" },
  ])("$name blocked in production is never applied however many reports", ({ g, risk }) => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      minCount: 1,
      groups: [{ ...g, count: 10_000, enforcedReports: 10_000 }],
    });
    const before = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      minCount: 1,
      groups: [],
    });
    expect(r.policy).toBe(before.policy);
    const d = r.decisions.filter((x) => x.kind === "blocked-in-production");
    expect(d).toHaveLength(1);
    expect(d[0]?.risk).toContain(risk);
  });

  test("a trusted group asking for the same change does not let the blocked one in", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: V1,
      enforcedVersion: 1,
      dropUnused: false,
      groups: [injected({ enforcedReports: 3 }), { ...injected(), id: "other", directive: "script-src" }],
    });
    expect(r.policy).not.toContain("evil.example");
  });
});

describe("inline or eval: a blank script-src report its policy cannot tell apart (#11 item 16)", () => {
  const ambiguous = (extra = {}) =>
    group("script-src", "inline-or-eval", { sample: "doSomething()", count: 5, ...extra });

  test("no hash, no 'unsafe-inline', no 'unsafe-eval': a warning in plain words that says how to tell", () => {
    const r = buildPolicy({ ...REPORTING, groups: [ambiguous()] });
    expect(r.policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'sha(256|384|512)-/);
    expect(r.suggestions.filter((s) => s.groupIds.length > 0)).toEqual([]);
    expect(r.decisions).toEqual([]);
    const warning = r.warnings.filter((w) => w.includes("inline or eval"));
    expect(warning).toEqual([
      "script-src: 5 report(s) on 2 page(s) were inline or eval, and cannot be told apart (an old browser sent an " +
        "empty blocked-uri, and the report's policy does not say which was blocked). Cinch offers no hash, " +
        "'unsafe-inline' or 'unsafe-eval' for them. To tell: look at the group's samples (the text of a <script> " +
        "element or an event handler is inline code; a string passed to eval(), new Function() or a string timer " +
        "is eval), or open the page in a current browser, which reports 'inline' or 'eval'.",
    ]);
  });

  test("the same sample read as inline gets a hash, read as eval an 'unsafe-eval' decision: only the blank is held back", () => {
    const inline = buildPolicy({
      ...REPORTING,
      groups: [group("script-src", "inline", { sample: "doSomething()" })],
    });
    expect(inline.suggestions.some((s) => s.source === hashSource("doSomething()"))).toBe(true);
    const evalR = buildPolicy({
      ...REPORTING,
      groups: [group("script-src", "eval", { sample: "doSomething()" })],
    });
    expect(evalR.decisions.map((d) => d.id)).toEqual(["script-src 'unsafe-eval'"]);
    expect([...inline.warnings, ...evalR.warnings].some((w) => w.includes("inline or eval"))).toBe(false);
  });

  test("groups of one directive are summed into one warning; blocked in production is no exception", () => {
    const r = buildPolicy({
      ...REPORTING,
      enforcedVersion: 1,
      groups: [
        ambiguous({ id: "a", pages: ["https://app.example.com/"] }),
        ambiguous({
          id: "b",
          count: 2,
          pages: ["https://app.example.com/x"],
          enforcedReports: 2,
          blockedSince: 1,
        }),
      ],
    });
    expect(r.warnings.filter((w) => w.includes("inline or eval"))).toHaveLength(1);
    expect(r.warnings.find((w) => w.includes("inline or eval"))).toMatch(
      /^script-src: 7 report\(s\) on 2 page\(s\)/,
    );
    expect(r.policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  });

  test("a policy that allows both inline code and eval already covers it: no warning", () => {
    const r = buildPolicy({
      ...REPORTING,
      base: "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
      acceptUnsafe: [
        { directive: "script-src", keyword: "unsafe-inline" },
        { directive: "script-src", keyword: "unsafe-eval" },
      ],
      groups: [ambiguous()],
    });
    expect(r.warnings.some((w) => w.includes("inline or eval"))).toBe(false);
  });

  test("from the wire: an old Chromium report with an empty blocked-uri and no policy reaches the builder as a warning", () => {
    const body = JSON.stringify({
      "csp-report": {
        "document-uri": "https://app.example.com/",
        "violated-directive": "script-src",
        "effective-directive": "script-src",
        "blocked-uri": "",
        "script-sample": "doSomething()",
      },
    });
    const outcome = parseReportBody("application/csp-report", body);
    const violations = outcome.ok ? outcome.violations : [];
    expect(violations.map((v) => v.blocked)).toEqual(["inline-or-eval"]);
    const r = buildPolicy({ ...REPORTING, groups: groupsFromViolations([...violations, ...violations]) });
    expect(
      r.warnings.some((w) => w.startsWith("script-src: 2 report(s) on 1 page(s) were inline or eval")),
    ).toBe(true);
    expect(r.policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'sha256-/);
  });
});
