// Turn the series endpoint's (hour, directive, count) points into columns for a stacked chart: hourly, or summed
// into days (the viewer's days) for windows past 48 hours, where 168 or 720 hourly bars drew a comb of hairlines.
import type { SeriesDto } from "../../../server/contract.ts";

export const HOUR = 3_600_000;

export type Bucket = "hour" | "day";

/** Hourly bars up to 48 hours (48 bars), daily bars beyond. */
export const bucketFor = (since: number, until: number): Bucket =>
  until - since > 48 * HOUR ? "day" : "hour";

export type Stack = {
  bucket: Bucket;
  /** Bucket starts, epoch seconds (uPlot's x unit). */
  xs: number[];
  /** One row per directive, largest total first; values aligned with xs. */
  series: { directive: string; values: number[]; total: number }[];
  /** Reports per bucket over all directives. */
  totals: number[];
};

/** Local midnight at or before `t` (the viewer's time zone; days of 23 or 25 hours around DST stay days). */
const dayStart = (t: number): number => {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

/** Bucket starts (epoch ms) from the one holding `since` to the one holding `until`, at most 400 days of hours. */
function bucketStarts(since: number, until: number, bucket: Bucket): number[] {
  const out: number[] = [];
  if (bucket === "hour") {
    const first = Math.floor(since / HOUR) * HOUR;
    const last = Math.floor(until / HOUR) * HOUR;
    for (let t = first; t <= last && out.length < 24 * 400; t += HOUR) out.push(t);
  } else {
    const last = dayStart(until);
    for (let t = dayStart(since); t <= last && out.length < 400;) {
      out.push(t);
      const d = new Date(t);
      d.setDate(d.getDate() + 1);
      t = d.getTime();
    }
  }
  return out.length ? out : [Math.floor(since / HOUR) * HOUR];
}

/** Buckets from the one holding `since` to the one holding `until`, zero-filled; points outside are dropped. */
export function buildStack(
  points: SeriesDto["points"],
  since: number,
  until: number,
  bucket: Bucket = bucketFor(since, until),
): Stack {
  const starts = bucketStarts(since, until, bucket);
  const n = starts.length;
  const first = starts[0]!;
  const index = (t: number): number => {
    if (bucket === "hour") return Math.round((Math.floor(t / HOUR) * HOUR - first) / HOUR);
    // binary search: the last start at or before t
    let lo = 0;
    let hi = n - 1;
    if (t < first) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return t < starts[lo]! + 25 * HOUR ? lo : -1;
  };
  const rows = new Map<string, number[]>();
  for (const p of points) {
    const i = index(Date.parse(p.hour));
    if (!(i >= 0 && i < n)) continue;
    let row = rows.get(p.directive);
    if (!row) rows.set(p.directive, (row = new Array<number>(n).fill(0)));
    row[i] = (row[i] ?? 0) + p.count;
  }
  const series = [...rows].map(([directive, values]) => ({
    directive,
    values,
    total: values.reduce((a, b) => a + b, 0),
  }));
  series.sort((a, b) => b.total - a.total || a.directive.localeCompare(b.directive));
  const totals = starts.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  return { bucket, xs: starts.map((t) => t / 1000), series, totals };
}

/**
 * Cumulative rows for drawing a stack with plain bars: row k = sum of series k..end, so drawing row 0 first
 * and each later row over it leaves series k's band visible between row k+1 and row k.
 */
export function cumulative(stack: Stack): number[][] {
  const out: number[][] = [];
  let acc = new Array<number>(stack.xs.length).fill(0);
  for (let k = stack.series.length - 1; k >= 0; k--) {
    const vals = stack.series[k]!.values;
    acc = acc.map((a, i) => a + (vals[i] ?? 0));
    out.unshift(acc);
  }
  return out;
}
