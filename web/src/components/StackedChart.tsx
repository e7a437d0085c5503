// Reports over time, stacked by directive (uPlot on a canvas; uPlot styles via CSSOM only, which CSP allows).
// The legend and the hover readout are React text, so directive names are never parsed as HTML.
import { useEffect, useMemo, useRef, useState } from "react";
import type uPlotType from "uplot";
import type { SeriesDto } from "../../../server/contract.ts";
import { buildStack, cumulative } from "../lib/stack.ts";
import { directiveColor } from "../lib/colors.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Swatch } from "./Swatch.tsx";

const HEIGHT = 220;

export function StackedChart({
  points,
  since,
  until,
  onSelectDirective,
}: {
  points: SeriesDto["points"];
  since: number;
  until: number;
  onSelectDirective?: (directive: string) => void;
}) {
  const stack = useMemo(() => buildStack(points, since, until), [points, since, until]);
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const total = stack.series.reduce((a, s) => a + s.total, 0);

  useEffect(() => {
    const el = box.current;
    // jsdom (tests) has no canvas layout: skip the plot, keep the legend.
    if (!el || typeof window.matchMedia !== "function" || stack.series.length === 0) return undefined;
    let plot: uPlotType | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    void import("uplot").then(({ default: uPlot }) => {
      if (cancelled) return;
      const bars = uPlot.paths.bars!({ size: [0.9, 24], gap: 1 });
      const opts: uPlotType.Options = {
        width: Math.max(280, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.05)] } },
        axes: [
          { stroke: "#5b6472", grid: { stroke: "#eceff3" }, ticks: { stroke: "#d9dde3" } },
          {
            stroke: "#5b6472",
            grid: { stroke: "#eceff3" },
            ticks: { show: false },
            values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? fmtInt(t) : "")),
            size: 56,
          },
        ],
        series: [
          {},
          ...stack.series.map((s) => ({
            label: s.directive,
            stroke: directiveColor(s.directive),
            fill: directiveColor(s.directive),
            width: 0,
            paths: bars,
            points: { show: false },
          })),
        ],
        hooks: { setCursor: [(u: uPlotType) => setHover(u.cursor.idx ?? null)] },
      };
      plot = new uPlot(opts, [stack.xs, ...cumulative(stack)], el);
      if (typeof ResizeObserver === "function") {
        observer = new ResizeObserver(() =>
          plot?.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }),
        );
        observer.observe(el);
      }
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [stack]);

  const at = hover !== null ? stack.xs[hover] : undefined;
  return (
    <div className="chart">
      <div
        ref={box}
        className="chart-canvas"
        role="img"
        aria-label={`Reports per hour by directive: ${fmtInt(total)} reports in ${stack.series.length} directives`}
      />
      <p className="chart-readout" aria-live="off">
        {at !== undefined ? (
          <>
            <strong>{fmtDateTime(at * 1000)}</strong>
            {stack.series
              .filter((s) => (s.values[hover!] ?? 0) > 0)
              .map((s) => (
                <span key={s.directive} className="chart-readout-item">
                  <Swatch color={directiveColor(s.directive)} /> {s.directive} {fmtInt(s.values[hover!] ?? 0)}
                </span>
              ))}
            {stack.series.every((s) => (s.values[hover!] ?? 0) === 0) ? <span>no reports</span> : null}
          </>
        ) : (
          <span className="muted">Hover the chart for hourly counts.</span>
        )}
      </p>
      <ul className="chart-legend" aria-label="Directives in the chart">
        {stack.series.map((s) => (
          <li key={s.directive}>
            {onSelectDirective ? (
              <button
                type="button"
                className="legend-item"
                onClick={() => onSelectDirective(s.directive)}
                aria-label={`Filter by ${s.directive} (${fmtInt(s.total)} reports)`}
              >
                <Swatch color={directiveColor(s.directive)} />
                <span>{s.directive}</span>
                <span className="muted">{fmtInt(s.total)}</span>
              </button>
            ) : (
              <span className="legend-item">
                <Swatch color={directiveColor(s.directive)} />
                <span>{s.directive}</span>
                <span className="muted">{fmtInt(s.total)}</span>
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
