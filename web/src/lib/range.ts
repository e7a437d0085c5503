// Time ranges of the explorer: presets ("24h") or a custom since/until, kept in the URL so views are permalinks.

export const RANGE_PRESETS = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { id: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
] as const;

export type RangePreset = (typeof RANGE_PRESETS)[number]["id"];
export type TimeRange = { preset: RangePreset | "custom"; since: number; until: number };

export const DEFAULT_RANGE: RangePreset = "24h";

const isPreset = (s: string | null): s is RangePreset => RANGE_PRESETS.some((p) => p.id === s);

/** Read the range from URL parameters: `range=7d`, or `since`/`until` in epoch ms for a custom range. */
export function rangeFromParams(params: URLSearchParams, now: number = Date.now()): TimeRange {
  const since = Number(params.get("since"));
  const until = Number(params.get("until"));
  if (params.get("range") === "custom" && since > 0 && until > since)
    return { preset: "custom", since, until };
  const id = params.get("range");
  const preset = RANGE_PRESETS.find((p) => p.id === (isPreset(id) ? id : DEFAULT_RANGE))!;
  return { preset: preset.id, since: now - preset.ms, until: now };
}

/** The URL parameters for a range (the inverse of rangeFromParams). */
export function rangeToParams(r: {
  preset: RangePreset | "custom";
  since?: number;
  until?: number;
}): Record<string, string | null> {
  if (r.preset === "custom")
    return { range: "custom", since: String(r.since ?? ""), until: String(r.until ?? "") };
  return { range: r.preset === DEFAULT_RANGE ? null : r.preset, since: null, until: null };
}
