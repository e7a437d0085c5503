// After the ignore rules change: re-classify the project's stored groups, in batches that let ingest run between.
import type { Db } from "../store/db.ts";
import { applyIgnoreRules } from "../reports/noise.ts";
import type { IgnoreRules, Violation } from "../reports/types.ts";
import { relabelGroups, ruleGroupsPage, type Moved, type RuleGroup } from "../store/reclassify.ts";

/** What a change of ignore rules moved: to noise, and back to the actionable groups. */
export type Reclassified = { ignored: Moved; restored: Moved };

// 200 groups per batch: reading them with their samples and relabelling them takes ~10-15 ms (500 took ~40 ms),
// measured at 20,000 groups by CINCH_MEASURE=1 npx vitest run test/api/policy-ignore-rules.test.ts; between
// batches the event loop serves ingest.
const BATCH = 200;

const probe = (directive: string, blocked: string, sourceFile = "", sample = ""): Violation => ({
  directive,
  blocked,
  blockedKey: blocked,
  documentUrl: "",
  disposition: null,
  sourceFile,
  line: null,
  column: null,
  sample,
  statusCode: null,
  browser: "",
  noise: null,
});

const hit = (v: Violation, rules: IgnoreRules): boolean => applyIgnoreRules(v, rules).noise === "ignore-rule";

/**
 * Does the rule set ignore the whole group? Its key (the blocked origin or scheme) matches a host or scheme rule,
 * or every sample kept for it matches (source-file hosts, sample substrings). A group's older reports are not kept
 * one by one, so a rule that matches only some of its samples leaves the group actionable: it applies to new
 * reports only.
 */
export function groupIgnored(
  g: Pick<RuleGroup, "directive" | "blocked" | "samples">,
  rules: IgnoreRules,
): boolean {
  if (hit(probe(g.directive, g.blocked), rules)) return true;
  return (
    g.samples.length > 0 &&
    g.samples.every((s) => hit(probe(g.directive, s.blockedUrl || g.blocked, s.sourceFile, s.sample), rules))
  );
}

/** Relabel every group the rules now ignore as noise, and every ignore-rule group they no longer match back. */
export async function reclassifyGroups(
  db: Db,
  projectId: string,
  rules: IgnoreRules,
  batch = BATCH,
): Promise<Reclassified> {
  const out: Reclassified = { ignored: { groups: 0, reports: 0 }, restored: { groups: 0, reports: 0 } };
  let after = 0;
  for (;;) {
    const page = await ruleGroupsPage(db, projectId, after, batch);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const toNoise = page.filter((g) => g.noise === "" && groupIgnored(g, rules));
    const back = page.filter((g) => g.noise === "ignore-rule" && !groupIgnored(g, rules));
    add(out.ignored, await relabelGroups(db, projectId, toNoise, "ignore-rule"));
    add(out.restored, await relabelGroups(db, projectId, back, ""));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

function add(a: Moved, b: Moved): void {
  a.groups += b.groups;
  a.reports += b.reports;
}
