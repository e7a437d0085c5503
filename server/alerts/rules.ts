// The rules' decisions as small pure functions (#14): each takes numbers the engine read and says whether, and
// with what facts, a rule fires. No I/O.
import { parsePolicy, serializePolicy } from "../policy/csp.ts";
import type { ResolvedParams } from "./vocabulary.ts";

/** Whether a rule's directive filter admits a directive (no filter: every directive). */
export const directiveAdmitted = (p: ResolvedParams, directive: string): boolean =>
  p.directives.length === 0 || p.directives.includes(directive);

/**
 * A count crossed a threshold with this change: before < min ≤ after. new-group with minCount 1 fires on the
 * group's first report; enforced-block with minCount 1 fires on the first enforce report in N days.
 */
export const crossed = (after: number, added: number, min: number): boolean =>
  after >= min && after - added < min;

/**
 * spike: the last complete hour or the current one so far, against the hourly average over the 24 hours before
 * the last complete one; fires above factor × average and at least minCount. Hours are epoch hour numbers.
 */
export function spike(
  counts: ReadonlyMap<number, number>,
  nowHour: number,
  factor: number,
  minCount: number,
): { lastHour: number; hourlyAverage: number } | null {
  const last = Math.max(counts.get(nowHour) ?? 0, counts.get(nowHour - 1) ?? 0);
  let before = 0;
  for (let h = nowHour - 25; h <= nowHour - 2; h++) before += counts.get(h) ?? 0;
  const hourlyAverage = before / 24;
  if (last < minCount || last <= factor * hourlyAverage) return null;
  return { lastHour: last, hourlyAverage: Math.round(hourlyAverage * 100) / 100 };
}

/** silence: hours since the last report (or since the version went live, when none came), when over the limit. */
export function silence(
  lastReportAt: number | null,
  liveSince: number,
  now: number,
  hours: number,
): number | null {
  const since = Math.max(lastReportAt ?? 0, liveSince);
  const silent = (now - since) / 3_600_000;
  return silent >= hours ? Math.floor(silent) : null;
}

/** quota: the highest configured level (percent of the daily cap) the day's count reached, or null. */
export function quotaLevel(count: number, cap: number, levels: readonly number[]): number | null {
  const reached = levels.filter((l) => count >= (cap * l) / 100);
  return reached.length === 0 ? null : Math.max(...reached);
}

const REPORTING = new Set(["report-uri", "report-to"]);

/**
 * A policy's identity for drift: its directives without the reporting ones (Cinch tags report-uri per version and
 * deployments rewrite it), names lower-cased, values in order, directives sorted. Two policies that differ only in
 * where reports go or in directive order are the same policy.
 */
export function policyIdentity(text: string): string {
  const p = parsePolicy(text);
  const directives = p.directives
    .filter((d) => !REPORTING.has(d.name.toLowerCase()))
    .map((d) => ({ name: d.name.toLowerCase(), values: [...d.values].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return serializePolicy({ directives });
}

/**
 * digest: the period's key when one is due at `now` (the configured UTC hour, and weekday for weekly), else null.
 * The key names the day, so a digest is sent once per period even when the tick runs several times in the hour.
 */
export function digestDue(p: ResolvedParams, now: number): string | null {
  const d = new Date(now);
  if (d.getUTCHours() !== p.hour) return null;
  if (p.period === "weekly" && d.getUTCDay() !== p.weekday) return null;
  return `digest:${p.period}:${d.toISOString().slice(0, 10)}`;
}

/** Exponential backoff before attempt `attempts + 1`: base × 2^(attempts − 1), at most six hours. */
export const backoffMs = (attempts: number, baseMs: number): number =>
  Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
