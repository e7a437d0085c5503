// A version's rollout status: how long and on how much traffic it ran report-only, what it sees that the enforced
// version does not, whether its hashes held, and a plain "ready to enforce" checklist saying what is missing.
import type { PolicyGroup } from "./groups.ts";
import { hashFailed } from "./inline.ts";
import { compareVersions } from "./versions.ts";

/** The checklist's bar: a day of report-only traffic from at least 10 pages catches weekly jobs rarely, daily ones. */
export const READY = { minRunMs: 24 * 3_600_000, minPages: 10, minReports: 1 } as const;

export type RolloutInput = {
  version: number;
  state: string;
  policy: string;
  /** When the version started report-only (epoch ms), null if it never ran report-only. */
  reportOnlySince: number | null;
  /** When it stopped (enforced or retired), null while it runs. */
  reportOnlyUntil: number | null;
  /** Reports tagged ?v=N, and distinct pages among the samples kept for them. */
  reports: number;
  pages: number;
  /** The project's groups with per-version counts (all versions). */
  groups: readonly PolicyGroup[];
  /** The enforced version to compare with (null: none enforced, or this one is it). */
  enforcedVersion: number | null;
  /** Hash source → the first version that carried it. */
  hashVersions: Readonly<Record<string, number>>;
  now: number;
};

export type ChecklistItem = { id: string; ok: boolean; text: string };

export type RolloutStatus = {
  version: number;
  state: string;
  reportOnlySince: number | null;
  /** How long it ran (or has been running) report-only, in ms. */
  ranMs: number;
  reports: number;
  pages: number;
  comparedWith: number | null;
  /** Groups reported under this version and never under the enforced one: what enforcing it would break. */
  newGroups: { id: string | number; directive: string; blocked: string; count: number }[];
  hashes: { verified: string[]; failed: string[]; pending: string[] };
  checklist: ChecklistItem[];
  ready: boolean;
};

/** "2 minutes", "3 hours", "2 days": the largest unit, rounded down. */
export function duration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? "" : "s"}`;
  }
  return "less than a minute";
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The rollout status of one version (pure: the caller reads the counts from the store). */
export function rolloutStatus(input: RolloutInput): RolloutStatus {
  const { version, reportOnlySince } = input;
  const ranMs =
    reportOnlySince === null ? 0 : Math.max(0, (input.reportOnlyUntil ?? input.now) - reportOnlySince);
  const comparedWith = input.enforcedVersion !== version ? input.enforcedVersion : null;
  const newGroups =
    comparedWith === null
      ? input.groups.filter((g) => (g.countsByVersion?.[version] ?? 0) > 0)
      : compareVersions(input.groups, version, comparedWith).added;
  const inline = input.groups.filter((g) => g.blocked === "inline");
  const hashes = { verified: [] as string[], failed: [] as string[], pending: [] as string[] };
  for (const m of new Set(input.policy.match(/'sha(?:256|384|512)-[A-Za-z0-9+/=_-]+'/g) ?? [])) {
    if (inline.some((g) => hashFailed(m, g, input.hashVersions))) hashes.failed.push(m);
    else if (input.reports > 0 && ranMs > 0) hashes.verified.push(m);
    else hashes.pending.push(m);
  }
  const ran = `ran report-only for ${duration(ranMs)} on ${plural(input.pages, "page")} (${plural(input.reports, "report")})`;
  const checklist: ChecklistItem[] = [
    {
      id: "report-only",
      ok: reportOnlySince !== null,
      text:
        reportOnlySince !== null
          ? "Deployed report-only"
          : "Not run report-only yet: start report-only first",
    },
    {
      id: "duration",
      ok: ranMs >= READY.minRunMs,
      text:
        ranMs >= READY.minRunMs
          ? `Ran report-only for ${duration(ranMs)}`
          : `${ran}; run it for at least ${duration(READY.minRunMs)}`,
    },
    {
      id: "pages",
      ok: input.pages >= READY.minPages && input.reports >= READY.minReports,
      text:
        input.pages >= READY.minPages
          ? `Reports from ${plural(input.pages, "page")}`
          : `Reports from ${plural(input.pages, "page")} tagged v${version}; wait for at least ${READY.minPages} (a page that reports nothing sends nothing: check the header is deployed)`,
    },
    {
      id: "new-groups",
      ok: newGroups.length === 0,
      text:
        newGroups.length === 0
          ? comparedWith === null
            ? "No violations under this version"
            : `Nothing new compared with enforced v${comparedWith}`
          : `${plural(newGroups.length, "group")} reported under v${version}${comparedWith === null ? "" : ` and never under v${comparedWith}`}: enforcing would block ${newGroups
              .slice(0, 3)
              .map((g) => `${g.directive} ${g.blocked}`)
              .join(", ")}${newGroups.length > 3 ? ", …" : ""}`,
    },
    {
      id: "hashes",
      ok: hashes.failed.length === 0 && hashes.pending.length === 0,
      text:
        hashes.failed.length > 0
          ? `${plural(hashes.failed.length, "hash", "hashes")} failed: the page's code differs from the sample`
          : hashes.pending.length > 0
            ? `${plural(hashes.pending.length, "hash", "hashes")} not verified yet: no reports under v${version}`
            : hashes.verified.length > 0
              ? `${plural(hashes.verified.length, "hash", "hashes")} verified`
              : "No hashes to verify",
    },
  ];
  return {
    version,
    state: input.state,
    reportOnlySince,
    ranMs,
    reports: input.reports,
    pages: input.pages,
    comparedWith,
    newGroups: newGroups.map((g) => ({
      id: g.id,
      directive: g.directive,
      blocked: g.blocked,
      count: g.countsByVersion?.[version] ?? 0,
    })),
    hashes,
    checklist,
    ready: checklist.every((c) => c.ok),
  };
}
