// Totals for the window by kind: accepted, noise, sampled out, rejected (with reasons on hover/focus).
import type { StatsDto } from "../../../server/contract.ts";
import { fmtInt } from "../lib/format.ts";

export function summarizeStats(totals: Record<string, number>) {
  let rejected = 0;
  const reasons: [string, number][] = [];
  for (const [k, v] of Object.entries(totals)) {
    if (k.startsWith("rejected")) {
      rejected += v;
      reasons.push([k.replace(/^rejected:?/, "") || "other", v]);
    }
  }
  return {
    accepted: totals.accepted ?? 0,
    noise: totals.noise ?? 0,
    sampled: totals.sampled ?? 0,
    rejected,
    reasons,
  };
}

export function StatsBar({ stats }: { stats: StatsDto }) {
  const s = summarizeStats(stats.totals);
  const items: [string, number, string?][] = [
    ["Accepted", s.accepted],
    ["Noise", s.noise],
    ["Sampled out", s.sampled],
    ["Rejected", s.rejected, s.reasons.map(([r, n]) => `${r}: ${fmtInt(n)}`).join(", ")],
  ];
  return (
    <dl className="stats-bar" aria-label="Report totals in this range">
      {items.map(([label, n, detail]) => (
        <div key={label} className="stat">
          <dt>{label}</dt>
          <dd>
            {fmtInt(n)}
            {detail ? <span className="stat-detail">{detail}</span> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}
