// Aggregating a batch's script sightings (#18) for one commit: per inventory entry its times, hashes, pages (bounded)
// and hours. Pure (no database): both engines write the same aggregate (scripts-write.ts). Never touches the
// violation groups the policy builder reads.
import type { ScriptSighting } from "../scripts/sighting.ts";
import type { Counters } from "./aggregate.ts";

const hourOf = (ms: number): number => Math.floor(ms / 3_600_000);

/** Pages kept per script (the same bound as a violation group's pages). */
export const MAX_SCRIPT_PAGES = 50;

export type SeenSpan = { firstSeen: number; lastSeen: number; count: number };
export type PageSpan = SeenSpan & { payment: boolean; noSri: boolean };

/** What a batch adds to one inventory entry (project, url). */
export type ScriptDelta = SeenSpan & {
  projectId: string;
  url: string;
  origin: string;
  /** Keyed by hash ("" = fetched without CORS); only csp-hash reports add here. */
  hashes: Map<string, SeenSpan>;
  /** Keyed by page URL; at most MAX_SCRIPT_PAGES per batch (the store keeps its own bound). */
  pages: Map<string, PageSpan>;
  /** integrity-violation reports: first and last, or null when none in the batch. */
  noSri: { firstSeen: number; lastSeen: number } | null;
  /** Reports per hour. */
  hours: Map<number, number>;
};

/** A request's sightings as queued for a commit. */
export type ScriptItem = {
  projectId: string;
  scripts?: readonly ScriptSighting[] | undefined;
  receivedAt: number;
};

const widen = (s: SeenSpan, at: number): void => {
  if (at < s.firstSeen) s.firstSeen = at;
  if (at > s.lastSeen) s.lastSeen = at;
  s.count++;
};

/**
 * The batch's script deltas keyed by `projectId\nurl`, sorted by key (PostgreSQL nodes lock entries in one order).
 * Each request's sightings also count as `scripts` in the project's hourly counters (same transaction).
 */
export function aggregateScripts(items: readonly ScriptItem[], counters: Counters): ScriptDelta[] {
  const out = new Map<string, ScriptDelta>();
  for (const item of items) {
    const sightings = item.scripts ?? [];
    if (sightings.length === 0) continue;
    const at = item.receivedAt;
    const hour = hourOf(at);
    counters.add(item.projectId, "scripts", sightings.length, at);
    for (const s of sightings) {
      const key = `${item.projectId}\n${s.url}`;
      let d = out.get(key);
      if (!d) {
        d = {
          projectId: item.projectId,
          url: s.url,
          origin: s.origin,
          firstSeen: at,
          lastSeen: at,
          count: 0,
          hashes: new Map(),
          pages: new Map(),
          noSri: null,
          hours: new Map(),
        };
        out.set(key, d);
      }
      widen(d, at);
      d.hours.set(hour, (d.hours.get(hour) ?? 0) + 1);
      if (s.hash !== null) {
        const h = d.hashes.get(s.hash);
        if (h) widen(h, at);
        else d.hashes.set(s.hash, { firstSeen: at, lastSeen: at, count: 1 });
      }
      if (s.noSri) {
        if (!d.noSri) d.noSri = { firstSeen: at, lastSeen: at };
        else {
          d.noSri.firstSeen = Math.min(d.noSri.firstSeen, at);
          d.noSri.lastSeen = Math.max(d.noSri.lastSeen, at);
        }
      }
      if (s.page !== "") {
        const p = d.pages.get(s.page);
        if (p) {
          widen(p, at);
          p.noSri ||= s.noSri;
        } else if (d.pages.size < MAX_SCRIPT_PAGES) {
          d.pages.set(s.page, { firstSeen: at, lastSeen: at, count: 1, payment: s.payment, noSri: s.noSri });
        }
      }
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}
