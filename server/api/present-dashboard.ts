// Presenters of the dashboard's numbers (#16, contract/dashboard.ts): breakdowns, what a listing counts, the stat
// cards and the filter values, field by field.
import type {
  BreakdownDto,
  FilterValuesDto,
  PageCountingDto,
  ScoreBreakdownDto,
  StatCardDto,
  ViolationsCountingDto,
} from "../contract.ts";
import { topList, type BreakdownKind } from "../store/breakdown.ts";
import type { StoredBreakdown } from "../store/breakdown-read.ts";
import type { FilterValues } from "../store/filter-values.ts";
import type { GroupFilter } from "../store/violations.ts";
import type { Finding } from "../policy/findings.ts";
import { scoreBreakdown } from "../policy/grade.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

/** Values shown per breakdown; the rest is in `other`. */
export const BREAKDOWN_SHOWN = 10;

/** A group's breakdown: the top values with shares, other, and what is known without counts (`listed`). */
export function presentBreakdown(
  dimension: BreakdownKind,
  b: StoredBreakdown,
  listed: readonly string[],
): BreakdownDto {
  const top = topList(b.sums, BREAKDOWN_SHOWN);
  return {
    dimension,
    rows: top.rows.map((r) => ({ value: r.value, count: r.count, share: r.share })),
    other: { count: top.other.count, share: top.other.share },
    counted: top.counted,
    uncounted: b.uncounted,
    listed: [...listed],
    since: iso(b.since),
    until: iso(b.until),
  };
}

const DAY_MS = 86_400_000;

/** The whole UTC days a page-filtered count covers. */
export function presentPageCounting(f: GroupFilter & { page: string }, listedOnly: number): PageCountingDto {
  return {
    page: f.page,
    since: iso(Math.floor(f.since / DAY_MS) * DAY_MS),
    until: iso((Math.floor(f.until / DAY_MS) + 1) * DAY_MS),
    listedOnly,
  };
}

/** What a listing's `count` and `totals.reports` count, in one sentence and as a kind. */
export function presentCounting(f: GroupFilter, listedOnly: number): ViolationsCountingDto {
  const kind = f.noise === "exclude" ? "violations" : f.noise === "only" ? "noise" : "all";
  const what =
    kind === "violations"
      ? "Violations (noise excluded)"
      : kind === "noise"
        ? "Noise reports"
        : "All reports (violations and noise)";
  const page = f.page ? presentPageCounting({ ...f, page: f.page }, listedOnly) : null;
  const label = page
    ? `${what} from pages containing "${page.page}", counted over whole UTC days (${page.since.slice(0, 10)} to ${page.until.slice(0, 10)}), matching the filters`
    : `${what} received in the window, matching the filters`;
  return { kind, label, page };
}

export type SummaryNumbers = {
  violations: number;
  groups: number;
  noise: number;
  sampled: number;
  rejected: number;
};

/** The stat cards: the first three follow the filters, the last two are project-wide (they belong to no group). */
export function presentCards(n: SummaryNumbers, f: GroupFilter): StatCardDto[] {
  const scope = f.page
    ? `matching the filters, from pages containing "${f.page}" (whole UTC days)`
    : "in the window, matching the filters";
  return [
    {
      id: "violations",
      label: "Violations",
      value: n.violations,
      counts: `Reports ${scope}, noise excluded`,
      followsFilters: true,
    },
    {
      id: "groups",
      label: "Groups",
      value: n.groups,
      counts: `Distinct violations (directive and blocked source) with reports ${scope}, noise excluded`,
      followsFilters: true,
    },
    {
      id: "noise",
      label: "Noise",
      value: n.noise,
      counts: `Reports ${scope} that Cinch set apart as noise (extensions, injected scripts, ignore rules, test reports)`,
      followsFilters: true,
    },
    {
      id: "sampled",
      label: "Sampled out",
      value: n.sampled,
      counts: "Reports in the window dropped by the project's sample rate, over the whole project",
      followsFilters: false,
    },
    {
      id: "rejected",
      label: "Refused",
      value: n.rejected,
      counts:
        "Reports in the window refused at the door (bad body, rate limit, daily cap…), over the whole project",
      followsFilters: false,
    },
  ];
}

export function presentFilterValues(v: FilterValues): FilterValuesDto {
  return {
    versions: v.versions.map((x) => ({ value: x.value, count: x.count })),
    environments: v.environments.map((x) => ({ value: x.value, count: x.count })),
    dispositions: v.dispositions.map((x) => ({ value: x.value, count: x.count })),
    directives: v.directives.map((x) => ({ value: x.value, count: x.count })),
  };
}

/** What a policy's score is made of, from its findings (the same deductions the grade made). */
export function presentScoreBreakdown(findings: readonly Finding[]): ScoreBreakdownDto {
  const b = scoreBreakdown(findings);
  return {
    start: b.start,
    deductions: b.deductions.map((r) => ({
      points: r.points,
      check: r.check,
      directive: r.directive,
      message: r.message,
    })),
    caps: b.caps.map((c) => ({ label: c.label, max: c.max, asked: c.asked, counted: c.counted })),
    lost: b.lost,
    score: b.score,
    grade: b.grade,
    thresholds: b.thresholds.map((t) => ({ grade: t.grade, min: t.min })),
    summary: b.summary,
  };
}
