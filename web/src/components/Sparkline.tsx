// A tiny inline SVG sparkline (attributes only: CSP forbids style attributes).
import { fmtInt } from "../lib/format.ts";

export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return "";
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
    .join(" ");
}

/** Sparkline with an accessible summary (total and peak) as its label. */
export function Sparkline({
  values,
  width = 120,
  height = 28,
  label,
}: {
  values: readonly number[];
  width?: number;
  height?: number;
  label: string;
}) {
  const total = values.reduce((a, b) => a + b, 0);
  const peak = values.length ? Math.max(...values) : 0;
  const points = sparklinePoints(values, width, height);
  const summary = `${label}: ${fmtInt(total)} total, peak ${fmtInt(peak)}`;
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
    >
      <title>{summary}</title>
      {points ? (
        <>
          <polygon className="sparkline-fill" points={`0,${height} ${points} ${width},${height}`} />
          <polyline className="sparkline-line" points={points} />
        </>
      ) : null}
    </svg>
  );
}
