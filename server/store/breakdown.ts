// Per-group counts by page and by browser (#16), pure: the bound, a batch's accumulation, and the read side's top
// list with shares. Kept per group per UTC day (GroupBreakdown); store/breakdown-write.ts writes them, additively.

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export const BREAKDOWN_KINDS = ["page", "browser"] as const;
export type BreakdownKind = (typeof BREAKDOWN_KINDS)[number];

/**
 * Values counted per group, UTC day and kind; the rest of the day's reports add to OTHER. 20 pages and 12 browsers:
 * a group page shows the top 10 of each, and rows stay at most 34 per group per day whatever the volume.
 */
export const BREAKDOWN_LIMITS: Readonly<Record<BreakdownKind, number>> = { page: 20, browser: 12 };

/** The "other" bucket's value (no page or browser is the empty string: those are NONE). */
export const OTHER = "";
/** A report without a page (no document URL) or a browser Cinch could not name (no or unreadable User-Agent). */
export const NONE = "(none)";

const MAX_VALUE = 500;

/**
 * The page a document URL is counted under: without query and fragment (`/checkout?step=2` is `/checkout`: one
 * page, not one row per session id), cut to 500 characters.
 */
export function pageOf(documentUrl: string): string {
  if (documentUrl === "") return NONE;
  let end = documentUrl.length;
  const q = documentUrl.indexOf("?");
  if (q !== -1) end = q;
  const h = documentUrl.indexOf("#");
  if (h !== -1 && h < end) end = h;
  return documentUrl.slice(0, Math.min(end, MAX_VALUE));
}

/** The browser a report is counted under (its label, "Chrome 120"). */
export const browserOf = (label: string): string => (label === "" ? NONE : label.slice(0, MAX_VALUE));

export type BreakdownDelta = { day: number; kind: BreakdownKind; value: string; count: number };

/**
 * One group's counts in one batch: per day and kind at most the kind's limit of distinct values, the rest in
 * OTHER (a flood of distinct URLs in one batch stays bounded in memory as in storage).
 */
export class BreakdownBatch {
  private readonly rows = new Map<string, BreakdownDelta>();
  private readonly distinct = new Map<string, number>();

  add(at: number, kind: BreakdownKind, value: string): void {
    const day = dayOf(at);
    const slot = `${day}\n${kind}`;
    let key = `${slot}\n${value}`;
    let row = this.rows.get(key);
    if (!row) {
      const n = this.distinct.get(slot) ?? 0;
      if (value !== OTHER && n < BREAKDOWN_LIMITS[kind]) {
        this.distinct.set(slot, n + 1);
      } else {
        value = OTHER;
        key = `${slot}\n${OTHER}`;
        row = this.rows.get(key);
      }
    }
    if (row) row.count++;
    else this.rows.set(key, { day, kind, value, count: 1 });
  }

  entries(): BreakdownDelta[] {
    return [...this.rows.values()];
  }
}

/**
 * Where a batch's counts for one group, day and kind go, given the named values already stored for them (the rule
 * both engines keep; PostgreSQL states it in SQL, breakdown-write.ts): a stored value keeps its row; new values,
 * most reports first (ties by value), get a row while stored + new stay within `limit`; the rest add to OTHER.
 */
export function placeCounts(
  stored: ReadonlySet<string>,
  rows: readonly { value: string; count: number }[],
  limit: number,
): Map<string, number> {
  const out = new Map<string, number>();
  const add = (value: string, n: number) => out.set(value, (out.get(value) ?? 0) + n);
  const fresh: { value: string; count: number }[] = [];
  for (const r of rows) {
    if (r.value === OTHER || stored.has(r.value)) add(r.value, r.count);
    else fresh.push(r);
  }
  fresh.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  let used = 0;
  for (const v of stored) if (v !== OTHER) used++;
  for (const r of fresh) {
    if (used < limit) {
      used++;
      add(r.value, r.count);
    } else add(OTHER, r.count);
  }
  return out;
}

/** A stored row as read back: a value's reports over the window's days. */
export type BreakdownSum = { value: string; count: number };

export type TopList = {
  rows: { value: string; count: number; share: number }[];
  other: { count: number; share: number };
  counted: number;
};

/** Shares to 4 decimals (0.1234 = 12.34 %): enough for a bar and a percentage with two decimals. */
const share = (n: number, of: number): number => (of === 0 ? 0 : Math.round((n / of) * 10_000) / 10_000);

/**
 * The top `n` values by reports (ties by value, for a stable order), everything else in other: the stored OTHER
 * bucket plus the values beyond the top `n`.
 */
export function topList(sums: readonly BreakdownSum[], n: number): TopList {
  let counted = 0;
  let other = 0;
  const named: BreakdownSum[] = [];
  for (const s of sums) {
    counted += s.count;
    if (s.value === OTHER) other += s.count;
    else if (s.count > 0) named.push(s);
  }
  named.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  for (const s of named.slice(n)) other += s.count;
  return {
    rows: named.slice(0, n).map((s) => ({ value: s.value, count: s.count, share: share(s.count, counted) })),
    other: { count: other, share: share(other, counted) },
    counted,
  };
}
