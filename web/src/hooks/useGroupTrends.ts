// Hourly trend per visible group. Uses `trend` on the group when the server provides it; otherwise fetches each
// visible group's hourly series (a few at a time) and caches it for the current window.
import { useEffect, useState } from "react";
import type { GroupDto } from "../../../server/contract.ts";
import { useApi } from "./api.tsx";
import { HOUR } from "../lib/stack.ts";

/** Bucket a sparse hourly series into at most `buckets` values over [since, until]. */
export function bucketSeries(
  series: { hour: string; count: number }[],
  since: number,
  until: number,
  buckets = 24,
): number[] {
  const hours = Math.max(1, Math.ceil((until - since) / HOUR));
  const n = Math.min(buckets, hours);
  const out = new Array<number>(n).fill(0);
  const span = Math.max(1, until - since);
  for (const p of series) {
    const t = Date.parse(p.hour);
    if (Number.isNaN(t) || t < since - HOUR || t > until) continue;
    const i = Math.min(n - 1, Math.max(0, Math.floor(((t - since) / span) * n)));
    out[i] = (out[i] ?? 0) + p.count;
  }
  return out;
}

export function useGroupTrends(
  projectId: string,
  groups: readonly GroupDto[] | undefined,
  since: number,
  until: number,
): ReadonlyMap<number, number[]> {
  const api = useApi();
  const [trends, setTrends] = useState<Map<number, number[]>>(new Map());
  const key = groups?.map((g) => g.id).join(",") ?? "";

  useEffect(() => {
    if (!groups) return undefined;
    let cancelled = false;
    const next = new Map<number, number[]>();
    const todo: GroupDto[] = [];
    for (const g of groups) {
      if (Array.isArray(g.trend)) next.set(g.id, g.trend);
      else todo.push(g);
    }
    setTrends(new Map(next));
    const worker = async () => {
      for (let g = todo.shift(); g && !cancelled; g = todo.shift()) {
        try {
          const d = await api.group(projectId, g.id, { since, until });
          if (cancelled) return;
          next.set(g.id, bucketSeries(d.series, since, until));
          setTrends(new Map(next));
        } catch {
          if (!cancelled) next.set(g.id, []);
        }
      }
    };
    void Promise.all([worker(), worker(), worker(), worker()]);
    return () => {
      cancelled = true;
    };
  }, [api, projectId, key, since, until]);

  return trends;
}
