// Reports over time, stacked by directive (uPlot on a canvas; uPlot and the tooltip are positioned through CSSOM,
// which CSP allows). Hourly bars up to 48 hours, daily bars beyond; each directive has its own colour and pattern
// (lib/colors.ts). The tooltip follows the cursor; the legend always shows each directive's total, daily bars
// carry their total above them, and the same numbers are a table for keyboard and screen-reader users.
// Directive names are React text, never parsed as HTML.
import { useEffect, useMemo, useRef, useState } from "react";
import type uPlotType from "uplot";
import type { SeriesDto } from "../../../server/contract.ts";
import { buildStack, cumulative, type Stack } from "../lib/stack.ts";
import { canvasFill, directiveLook } from "../lib/colors.ts";
import { fmtDateTime, fmtInt } from "../lib/format.ts";
import { Swatch } from "./Swatch.tsx";
import { Untrusted } from "./Untrusted.tsx";

const HEIGHT = 220;

const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" });

/** How a bucket reads: "Mon, Dec 7" for a day, the date and hour for an hour. */
export function bucketLabel(stack: Pick<Stack, "bucket">, xSeconds: number): string {
  return stack.bucket === "day" ? dayFormat.format(new Date(xSeconds * 1000)) : fmtDateTime(xSeconds * 1000);
}

/** The chart's numbers as a table: one row per bucket with reports, one column per directive. */
function ChartTable({ stack, caption }: { stack: Stack; caption: string }) {
  const rows = stack.xs.map((x, i) => ({ x, i })).filter(({ i }) => (stack.totals[i] ?? 0) > 0);
  return (
    <div className="table-wrap chart-table" tabIndex={0} role="region" aria-label={caption}>
      <table className="table table-compact">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{stack.bucket === "day" ? "Day" : "Hour"}</th>
            <th scope="col" className="num">
              Total
            </th>
            {stack.series.map((s) => (
              <th key={s.directive} scope="col" className="num mono">
                <Untrusted text={s.directive} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(({ x, i }) => (
            <tr key={x}>
              <th scope="row">{bucketLabel(stack, x)}</th>
              <td className="num">{fmtInt(stack.totals[i] ?? 0)}</td>
              {stack.series.map((s) => (
                <td key={s.directive} className="num">
                  {fmtInt(s.values[i] ?? 0)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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
  const tip = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const total = stack.series.reduce((a, s) => a + s.total, 0);
  const per = stack.bucket === "day" ? "day" : "hour";

  useEffect(() => {
    const el = box.current;
    // jsdom (tests) has no canvas layout: skip the plot, keep the legend and the table.
    if (!el || typeof window.matchMedia !== "function" || stack.series.length === 0) return undefined;
    let plot: uPlotType | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    void import("uplot").then(({ default: uPlot }) => {
      if (cancelled) return;
      const bars = uPlot.paths.bars!({ size: [stack.bucket === "day" ? 0.7 : 0.9, 64], gap: 1 });
      const ratio = window.devicePixelRatio || 1;
      const opts: uPlotType.Options = {
        width: Math.max(280, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        scales: {
          x: {
            time: true,
            // Daily bars sit on their day; half a bucket of room either side keeps the first and last whole.
            range: (_u, min, max) =>
              stack.bucket === "day" ? [min - 43_200, max + 43_200] : [min - 1_800, max + 1_800],
          },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.12)] },
        },
        axes: [
          {
            stroke: "#5b6472",
            grid: { stroke: "#eceff3" },
            ticks: { stroke: "#d9dde3" },
            ...(stack.bucket === "day"
              ? {
                  splits: () => stack.xs,
                  // "Dec 7" under every k-th day: one label per ~72 px of plot, so a phone's do not overlap.
                  values: (u: uPlotType, ticks: number[]) => {
                    const every = Math.max(
                      1,
                      Math.ceil(ticks.length / Math.max(1, Math.floor(u.width / 72))),
                    );
                    return ticks.map((t, i) => (i % every === 0 ? shortDay.format(new Date(t * 1000)) : ""));
                  },
                }
              : {}),
          },
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
          ...stack.series.map((s) => {
            const look = directiveLook(s.directive);
            return {
              label: s.directive,
              stroke: look.color,
              fill: (u: uPlotType) => canvasFill(u.ctx, look, ratio),
              width: 0,
              paths: bars,
              points: { show: false },
            };
          }),
        ],
        hooks: {
          setCursor: [
            (u: uPlotType) => {
              const idx = u.cursor.idx ?? null;
              setHover(idx);
              const t = tip.current;
              if (!t) return;
              if (idx === null || u.cursor.left === undefined || u.cursor.left < 0) {
                t.hidden = true;
                return;
              }
              t.hidden = false;
              // Beside the cursor, flipped to its left past the middle so it never leaves the chart.
              const x = u.over.offsetLeft + u.cursor.left;
              const y = u.over.offsetTop + (u.cursor.top ?? 0);
              const flip = u.cursor.left > u.over.clientWidth / 2;
              t.style.left = `${Math.round(x)}px`;
              t.style.top = `${Math.round(Math.max(0, y - 12))}px`;
              t.style.transform = flip ? "translateX(calc(-100% - 14px))" : "translateX(14px)";
            },
          ],
          // Direct labels: each daily bar's total above it (hourly bars are too thin to carry one).
          draw: [
            (u: uPlotType) => {
              if (stack.bucket !== "day") return;
              const ctx = u.ctx;
              ctx.save();
              ctx.fillStyle = "#1b2029";
              ctx.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
              ctx.textAlign = "center";
              stack.xs.forEach((x, i) => {
                const n = stack.totals[i] ?? 0;
                if (!n) return;
                ctx.fillText(fmtInt(n), u.valToPos(x, "x", true), u.valToPos(n, "y", true) - 4 * ratio);
              });
              ctx.restore();
            },
          ],
        },
      };
      plot = new uPlot(opts, [stack.xs, ...cumulative(stack)], el);
      el.addEventListener("mouseleave", () => {
        if (tip.current) tip.current.hidden = true;
      });
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
      <div className="chart-plot">
        <div
          ref={box}
          className="chart-canvas"
          role="img"
          aria-label={`Reports per ${per} by directive: ${fmtInt(total)} reports in ${stack.series.length} directives. The numbers are in the table below.`}
        />
        <div ref={tip} className="chart-tooltip" hidden aria-hidden="true">
          {at !== undefined ? (
            <>
              <strong>{bucketLabel(stack, at)}</strong>
              <span className="chart-tooltip-total">{fmtInt(stack.totals[hover!] ?? 0)} reports</span>
              <ul>
                {stack.series
                  .filter((s) => (s.values[hover!] ?? 0) > 0)
                  .map((s) => (
                    <li key={s.directive}>
                      <Swatch directive={s.directive} />
                      <Untrusted className="mono" text={s.directive} />
                      <span className="num">{fmtInt(s.values[hover!] ?? 0)}</span>
                    </li>
                  ))}
              </ul>
            </>
          ) : null}
        </div>
      </div>
      <ul className="chart-legend" aria-label="Directives in the chart">
        {stack.series.map((s) =>
          onSelectDirective ? (
            <li key={s.directive}>
              <button type="button" className="legend-item" onClick={() => onSelectDirective(s.directive)}>
                <span className="visually-hidden">Filter by </span>
                <Swatch directive={s.directive} />
                <Untrusted text={s.directive} />
                <span className="muted">
                  {fmtInt(s.total)}
                  <span className="visually-hidden"> reports</span>
                </span>
              </button>
            </li>
          ) : (
            <li key={s.directive} className="legend-item">
              <Swatch directive={s.directive} />
              <Untrusted text={s.directive} />
              <span className="muted">{fmtInt(s.total)}</span>
            </li>
          ),
        )}
      </ul>
      <details className="chart-details">
        <summary>Show the numbers as a table</summary>
        <ChartTable stack={stack} caption={`Reports per ${per} by directive`} />
      </details>
    </div>
  );
}
