// Test helper: the policy test corpus — the groups of every report in the conformance corpus, plus groups of every
// kind the builder plans (hosts, a CSP-bypass host, subdomains to collapse, inline, attributes, cut samples, eval,
// wasm, Trusted Types, 'self', object-src, blocked in production). Numeric ids, as the store gives them.
import { groupsFromViolations, type PolicyGroup } from "../../server/policy/groups.ts";
import { parseReportBody } from "../../server/reports/parse.ts";
import { loadCases } from "../reports/corpus.ts";
import { group, PAGE } from "./helpers.ts";

/** The groups of every report in the conformance corpus, plus groups of every kind the builder plans. */
export function corpusGroups(): (PolicyGroup & { id: number })[] {
  const violations = loadCases().flatMap((c) => {
    const out = parseReportBody(c.contentType ?? "", c.raw);
    return out.ok ? out.violations : [];
  });
  const fromCorpus = groupsFromViolations(violations, { seenAt: 1_000, version: 1 });
  return [
    ...fromCorpus,
    group("script-src-elem", "https://cdn.example.com", { blockedUrl: "https://cdn.example.com/a.js" }),
    group("script-src-elem", "https://ajax.googleapis.com", {
      blockedUrl: "https://ajax.googleapis.com/ajax/libs/x.js",
    }),
    group("img-src", "https://a.img.example.com"),
    group("img-src", "https://b.img.example.com"),
    group("img-src", "https://c.img.example.com"),
    group("img-src", "https://d.img.example.com", { count: 1 }),
    group("script-src-elem", "inline", { sample: "window.a=1;" }),
    group("script-src-attr", "inline", { sample: "go()" }),
    group("style-src-elem", "inline", { sample: "x".repeat(40) }),
    group("script-src", "eval", { sample: "eval('1')" }),
    group("script-src", "wasm-eval"),
    group("require-trusted-types-for", "trusted-types-sink"),
    group("connect-src", PAGE.slice(0, -1)),
    group("object-src", "https://plugin.example"),
    group("script-src-elem", "https://evil.example", { enforcedReports: 3, blockedSince: 1 }),
  ].map((g, i) => ({ ...g, id: i + 1 }));
}
