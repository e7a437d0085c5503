// A mergeable latency histogram: log buckets 2% wide, so runs in separate processes and rounds add up exactly
// and quantiles stay within 2% of the true value.

const BASE = Math.log(1.02);
/** Values below this (ms) share the lowest bucket. */
const FLOOR_MS = 0.01;

/** Bucket index → count, as plain JSON. */
export type Hist = Record<string, number>;

export function record(h: Hist, ms: number): void {
  const b = Math.round(Math.log(Math.max(ms, FLOOR_MS) / FLOOR_MS) / BASE);
  h[b] = (h[b] ?? 0) + 1;
}

export function merge(into: Hist, from: Hist): Hist {
  for (const [b, n] of Object.entries(from)) into[b] = (into[b] ?? 0) + n;
  return into;
}

export function total(h: Hist): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

/** The value at quantile q (0..1), in ms; 0 for an empty histogram. */
export function quantile(h: Hist, q: number): number {
  const buckets = Object.entries(h)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const n = total(h);
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const [b, c] of buckets) {
    seen += c;
    if (seen >= rank) return FLOOR_MS * Math.exp(b * BASE);
  }
  const last = buckets[buckets.length - 1]!;
  return FLOOR_MS * Math.exp(last[0] * BASE);
}

/** p50, p90, p99 and max in ms, rounded to 0.1 ms. */
export function summary(h: Hist): { p50: number; p90: number; p99: number; max: number } {
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    p50: r(quantile(h, 0.5)),
    p90: r(quantile(h, 0.9)),
    p99: r(quantile(h, 0.99)),
    max: r(quantile(h, 1)),
  };
}
