// Turn the series endpoint's (hour, directive, count) points into hourly columns for a stacked chart.
import type { SeriesDto } from "../../../server/contract.ts";

export const HOUR = 3_600_000;

export type Stack = {
  /** Hour starts, epoch seconds (uPlot's x unit). */
  xs: number[];
  /** One row per directive, largest total first; values aligned with xs. */
  series: { directive: string; values: number[]; total: number }[];
};

/** Hourly buckets from floor(since) to floor(until), zero-filled; points outside the window are dropped. */
export function buildStack(points: SeriesDto["points"], since: number, until: number): Stack {
  const first = Math.floor(since / HOUR) * HOUR;
  const last = Math.floor(until / HOUR) * HOUR;
  const n = Math.max(1, Math.min(24 * 400, (last - first) / HOUR + 1));
  const xs = Array.from({ length: n }, (_, i) => (first + i * HOUR) / 1000);
  const rows = new Map<string, number[]>();
  for (const p of points) {
    const t = Date.parse(p.hour);
    const i = Math.round((Math.floor(t / HOUR) * HOUR - first) / HOUR);
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
  return { xs, series };
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
