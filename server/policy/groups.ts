// The builder's input: violation groups with counts, pages and samples, and grouping raw violations.
import type { Violation } from "../reports/types.ts";

/** One stored sample report behind a group. */
export type PolicySample = {
  sample: string;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: number | null;
  /**
   * The policy version (`?v=N`) the report was sent under: null when untagged, absent when the caller does not
   * know. Inline groups mix every inline script of a directive, so hash verification needs it per sample.
   */
  policyVersion?: number | null;
};

/** A violation group as the policy engine sees it (the lead maps DB rows to this). */
export type PolicyGroup = {
  id: string | number;
  /** Effective directive, lower-case. */
  directive: string;
  /** The group key: an origin for URLs, else a keyword (inline, eval, wasm-eval...) or a bare scheme. */
  blocked: string;
  /** Reports in the group (all time, or the window the caller chose). */
  count: number;
  /** Distinct pages (document URLs) that reported it. */
  pages: string[];
  /** Epoch milliseconds. */
  firstSeen: number;
  lastSeen: number;
  samples: PolicySample[];
  /** Reports per policy version (the `?v=N` tag), for hash verification and version comparison. */
  countsByVersion?: Record<number, number>;
  /** Reports in the recent window (e.g. last 7 days), when the caller knows it. */
  recentCount?: number;
  /**
   * Reports with disposition `enforce` sent under an enforced version (the current one or an earlier one): an
   * enforced policy blocked the group on real pages, so the builder makes it a decision, never a suggestion
   * applied on evidence.
   */
  enforcedReports?: number;
  /** The first enforced version that blocked the group (with `enforcedReports`). */
  blockedSince?: number;
};

/** Caps that keep a group small however many violations it absorbs. */
export const MAX_GROUP_PAGES = 50;
export const MAX_GROUP_SAMPLES = 5;

/** Options for groupsFromViolations. */
export type GroupingOptions = {
  /** Timestamp for firstSeen/lastSeen (violations carry none); default 0. */
  seenAt?: number;
  /** Policy version the reports were collected under, to fill countsByVersion. */
  version?: number;
};

/**
 * Group canonical violations for the builder: noise is dropped; the key is directive + blockedKey, and
 * for inline code also the sample, so each distinct inline script is its own group (one hash each).
 * Output order is stable: by first appearance.
 */
export function groupsFromViolations(
  violations: readonly Violation[],
  opts: GroupingOptions = {},
): PolicyGroup[] {
  const seenAt = opts.seenAt ?? 0;
  const groups = new Map<string, PolicyGroup>();
  for (const v of violations) {
    if (v.noise !== null) continue;
    const inlineKey = v.blocked === "inline" ? ` ${v.sample}` : "";
    const key = `${v.directive} ${v.blockedKey}${inlineKey}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        id: key,
        directive: v.directive,
        blocked: v.blockedKey,
        count: 0,
        pages: [],
        firstSeen: seenAt,
        lastSeen: seenAt,
        samples: [],
      };
      if (opts.version !== undefined) g.countsByVersion = {};
      groups.set(key, g);
    }
    g.count++;
    if (g.countsByVersion && opts.version !== undefined) {
      g.countsByVersion[opts.version] = (g.countsByVersion[opts.version] ?? 0) + 1;
    }
    if (!g.pages.includes(v.documentUrl) && g.pages.length < MAX_GROUP_PAGES) g.pages.push(v.documentUrl);
    const sample: PolicySample = {
      sample: v.sample,
      documentUrl: v.documentUrl,
      blockedUrl: v.blocked,
      sourceFile: v.sourceFile,
      line: v.line,
      ...(opts.version !== undefined ? { policyVersion: opts.version } : {}),
    };
    const dup = g.samples.some((s) => s.sample === sample.sample && s.blockedUrl === sample.blockedUrl);
    if (!dup && g.samples.length < MAX_GROUP_SAMPLES) g.samples.push(sample);
  }
  return [...groups.values()];
}
