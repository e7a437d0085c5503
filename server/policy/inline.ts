// Inline code and eval (docs/architecture.md, product rule 4): sample hashes to verify, nonce guidance, unsafe keywords as decisions.
import type { PolicyGroup } from "./groups.ts";
import { hashMatches, hashSource, isWholeSample } from "./hash.ts";
import type { Plan } from "./plan.ts";

/** What inline planning needs from the build input. */
export type InlineContext = { hashVersions: Readonly<Record<string, number>>; nonce: string };

/** Legacy reports say script-src / style-src for inline elements; CSP3 calls them -elem. */
export function inlineDirective(directive: string): string {
  if (directive === "script-src") return "script-src-elem";
  if (directive === "style-src") return "style-src-elem";
  return directive;
}

/**
 * Has the hash failed verification? It was first carried by policy version v, and the inline code it was
 * computed from still reported under v or later: the page's code is not exactly the sample (usually
 * surrounding whitespace, which Chromium trims from samples but hashes). When the samples carry their policy
 * version, only reports whose sample is this hash's text count: an inline group holds every inline script of
 * its directive, and another script that has no hash yet keeps reporting without saying anything about this
 * one (measured in test/e2e/loop-inline.test.ts). Without versions on samples, any report of the group counts.
 */
export function hashFailed(
  hash: string,
  g: PolicyGroup,
  hashVersions: Readonly<Record<string, number>>,
): boolean {
  // Own keys only: hashVersions is keyed by policy text, where "constructor" would be inherited.
  const since = Object.hasOwn(hashVersions, hash) ? hashVersions[hash] : undefined;
  if (since === undefined) return false;
  if (g.samples.some((s) => s.policyVersion !== undefined)) {
    return g.samples.some(
      (s) =>
        s.policyVersion !== undefined &&
        s.policyVersion !== null &&
        s.policyVersion >= since &&
        isWholeSample(s.sample) &&
        hashMatches(hash, s.sample),
    );
  }
  if (!g.countsByVersion) return false;
  return Object.entries(g.countsByVersion).some(([v, n]) => Number(v) >= since && n > 0);
}

/** The sample hashes of a group, split into usable and failed, plus whether some code has no usable hash. */
export function groupHashes(g: PolicyGroup, hashVersions: Readonly<Record<string, number>>) {
  const samples = [...new Set(g.samples.map((s) => s.sample))];
  const usable: { hash: string; sample: string }[] = [];
  const failed: string[] = [];
  let unhashable = samples.length === 0;
  for (const sample of samples) {
    if (!isWholeSample(sample)) {
      unhashable = true;
      continue;
    }
    const hash = hashSource(sample);
    if (hashFailed(hash, g, hashVersions)) {
      failed.push(hash);
      unhashable = true;
    } else {
      usable.push({ hash, sample });
    }
  }
  return { usable, failed, unhashable };
}

/**
 * Plan one inline group. Elements: a hash per whole sample (to verify under report-only), else a nonce
 * (+ 'strict-dynamic' for scripts) decision and, as the risky alternative, 'unsafe-inline'. Attributes
 * (event handlers, style="") take no nonce: hashes need 'unsafe-hashes', which is the user's decision.
 */
export function planInline(plan: Plan, g: PolicyGroup, target: string, ctx: InlineContext): void {
  const directive = inlineDirective(g.directive);
  const isScript = directive.startsWith("script");
  const isAttr = directive.endsWith("-attr");
  const what = isAttr
    ? isScript
      ? "event-handler attribute"
      : "style attribute"
    : isScript
      ? "script"
      : "style";
  const { usable, failed, unhashable } = groupHashes(g, ctx.hashVersions);
  if (isAttr) {
    for (const { hash, sample } of usable) {
      plan.decide(
        "unsafe-hashes",
        `${directive} 'unsafe-hashes' ${hash}`,
        directive,
        { add: ["'unsafe-hashes'", hash] },
        {
          reason: `inline ${what} ${JSON.stringify(sample)}: a hash allows it only with 'unsafe-hashes' (CSP3 §6.7.3.3)`,
          risk: isScript
            ? "'unsafe-hashes' lets any event handler with a listed hash run; moving the handler into a script file is safer"
            : "'unsafe-hashes' lets any style attribute with a listed hash apply; a class in a stylesheet is safer",
        },
        [g],
      );
    }
  } else {
    for (const { hash, sample } of usable) {
      plan.suggest(
        "add",
        target,
        hash,
        `hash of the reported sample ${JSON.stringify(sample)}; browsers trim samples, so it matches only an inline ` +
          `${what} with exactly this text and no whitespace around it: keep the policy report-only until this ` +
          "group stops reporting under the version carrying the hash, or take exact hashes with `npx cinch hash <dir>`",
        [g],
        true,
      );
    }
  }
  if (!unhashable) return;
  const why =
    failed.length > 0
      ? `the hash ${failed.join(" ")} failed: this inline ${what} kept reporting under the version that carried it`
      : g.samples.length === 0 || g.samples.every((s) => s.sample === "")
        ? `no sample was reported for this inline ${what} (add 'report-sample' to get one)`
        : `the sample is cut at 40 characters, so no hash of the whole inline ${what} can be computed from reports`;
  if (!isAttr) {
    plan.decide(
      "nonce",
      `${target} nonce`,
      target,
      { add: isScript ? [`'nonce-${ctx.nonce}'`, "'strict-dynamic'"] : [`'nonce-${ctx.nonce}'`] },
      {
        reason: `${why}; use a per-response nonce${isScript ? " with 'strict-dynamic'" : ""}, or exact hashes from \`npx cinch hash <dir>\``,
        risk:
          `the server must replace ${ctx.nonce} with a fresh random value in every response and on every inline ${what}` +
          (isScript
            ? "; with 'strict-dynamic', CSP3 browsers ignore host sources and trust scripts loaded by nonced ones"
            : ""),
      },
      [g],
    );
  }
  const unsafeTarget = isAttr ? directive : target;
  plan.decide(
    "unsafe-keyword",
    `${unsafeTarget} 'unsafe-inline'`,
    unsafeTarget,
    { add: ["'unsafe-inline'"] },
    {
      reason: `${why}; 'unsafe-inline' would allow it`,
      risk: isScript
        ? "'unsafe-inline' lets any injected script run: it removes CSP's protection against XSS"
        : "'unsafe-inline' for styles allows injected CSS (data exfiltration, UI redressing)",
    },
    [g],
  );
}

/** Plan an eval group: 'unsafe-eval' is only ever a decision (rule 4). */
export function planEval(plan: Plan, g: PolicyGroup, target: string): void {
  const sample = g.samples.find((s) => s.sample !== "")?.sample;
  plan.decide(
    "unsafe-keyword",
    `${target} 'unsafe-eval'`,
    target,
    { add: ["'unsafe-eval'"] },
    {
      reason: `eval(), new Function() or a string timer ran${sample ? ` (sample ${JSON.stringify(sample)})` : ""}`,
      risk: "'unsafe-eval' lets injected strings run as code; remove the eval (often a library option) instead",
    },
    [g],
  );
}

/**
 * The builder's words for groups that were inline code or eval and cannot be told apart: old Chromium and Firefox
 * sent an empty or "self" blocked-uri for both, and the report's own policy allowed neither or both
 * (reports/ambiguous.ts). A hash would be wrong for an eval and 'unsafe-eval' for inline code, so nothing is
 * offered; the warning says how to find out. One per directive, counts summed.
 */
export function ambiguousWarnings(groups: readonly PolicyGroup[]): string[] {
  const byDirective = new Map<string, { reports: number; pages: Set<string> }>();
  for (const g of groups) {
    let d = byDirective.get(g.directive);
    if (!d) byDirective.set(g.directive, (d = { reports: 0, pages: new Set() }));
    d.reports += g.count;
    for (const p of g.pages) d.pages.add(p);
  }
  return [...byDirective.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([directive, d]) =>
        `${directive}: ${d.reports} report(s) on ${d.pages.size} page(s) were inline or eval, and cannot be told ` +
        "apart (an old browser sent an empty blocked-uri, and the report's policy does not say which was blocked). " +
        "Cinch offers no hash, 'unsafe-inline' or 'unsafe-eval' for them. To tell: look at the group's samples " +
        "(the text of a <script> element or an event handler is inline code; a string passed to eval(), " +
        "new Function() or a string timer is eval), or open the page in a current browser, which reports " +
        "'inline' or 'eval'.",
    );
}
