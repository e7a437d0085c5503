// Number and time formatting in the viewer's locale and time zone (Intl only; never hand-rolled).

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** 12,345 */
export const fmtInt = (n: number): string => integer.format(n);

function toDate(t: string | number | Date): Date | null {
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

const dateOnlyUtc = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** A UTC day, e.g. "Mar 5, 2026" (the server's per-day counts are kept by UTC day). */
export function fmtDate(t: string | number | Date): string {
  const d = toDate(t);
  return d ? dateOnlyUtc.format(d) : "—";
}

/** Date and time in the viewer's zone, e.g. "Mar 5, 2026, 2:14 PM". */
export function fmtDateTime(t: string | number | Date, seconds = false): string {
  const d = toDate(t);
  return d ? (seconds ? dateTimeSeconds : dateTime).format(d) : "—";
}

export function fmtTime(t: string | number | Date): string {
  const d = toDate(t);
  return d ? timeOnly.format(d) : "—";
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];

/** "3 hours ago", relative to `now`. */
export function fmtRelative(t: string | number | Date, now: number = Date.now()): string {
  const d = toDate(t);
  if (!d) return "—";
  const diff = d.getTime() - now;
  for (const [unit, ms] of STEPS) {
    if (Math.abs(diff) >= ms || unit === "second") return relative.format(Math.round(diff / ms), unit);
  }
  return relative.format(0, "second");
}

/** A byte count, e.g. "1,234 bytes". */
export const fmtBytes = (n: number): string => `${fmtInt(n)} ${n === 1 ? "byte" : "bytes"}`;

/** Value for an <input type="datetime-local"> in the viewer's zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Parse an <input type="datetime-local"> value (viewer's zone) to epoch ms, or null. */
export function fromLocalInput(v: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? null : ms;
}

// Cinch's own blocked keywords in words (a Map: the value is attacker-controlled, "constructor" must not resolve).
const BLOCKED_WORDS: ReadonlyMap<string, string> = new Map([
  // An old browser's blank script-src report that was inline code or eval; its policy cannot tell which.
  ["inline-or-eval", "inline or eval"],
]);

/** How a group's blocked value reads: "(empty)" for none, plain words for Cinch's own keywords, else as sent. */
export function blockedLabel(blocked: string): string {
  if (blocked === "") return "(empty)";
  return BLOCKED_WORDS.get(blocked) ?? blocked;
}
