// Reading one group's page and browser counts over a window (GroupBreakdown, #16), and what of the window they
// do not cover (reports from before per-page counting began: the group's days with no rows).
import { Prisma } from "../generated/prisma/client.ts";
import { HOUR_MS } from "./aggregate.ts";
import { BREAKDOWN_KINDS, DAY_MS, dayOf, type BreakdownKind, type BreakdownSum } from "./breakdown.ts";
import { num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

export type StoredBreakdown = {
  /** Per value (OTHER = the days' "other" buckets) over the window's whole UTC days. */
  sums: BreakdownSum[];
  /** Reports of the group in the window before its first counted day (none counted: all of them). */
  uncounted: number;
  /** The counted span: the window's first day's start and last day's end (epoch ms). */
  since: number;
  until: number;
};

/**
 * A group's page and browser counts over the days [since, until] touches. `hours`: its GroupHour sums in the window
 * (the caller has them), from which the reports before the first day with counts are found.
 */
export async function groupBreakdowns(
  sql: SqlReader,
  groupId: number,
  since: number,
  until: number,
  hours: readonly { hour: unknown; cnt: unknown }[],
): Promise<Record<BreakdownKind, StoredBreakdown>> {
  const first = dayOf(since);
  const last = dayOf(until);
  const rows = await sql.all<{ kind: string; value: string; cnt: unknown }>(Prisma.sql`
    SELECT b.kind AS kind, b.value AS value, SUM(b.count) AS cnt FROM "GroupBreakdown" b
    WHERE b."groupId" = ${groupId} AND b.day >= ${first} AND b.day <= ${last}
    GROUP BY b.kind, b.value`);
  const [start] = await sql.all<{ day: unknown }>(Prisma.sql`
    SELECT MIN(b.day) AS day FROM "GroupBreakdown" b WHERE b."groupId" = ${groupId}`);
  const countedFrom = start?.day === null || start?.day === undefined ? null : num(start.day) * DAY_MS;
  let uncounted = 0;
  for (const h of hours) {
    if (countedFrom === null || num(h.hour) * HOUR_MS < countedFrom) uncounted += num(h.cnt);
  }
  const out = {} as Record<BreakdownKind, StoredBreakdown>;
  for (const kind of BREAKDOWN_KINDS) {
    out[kind] = {
      sums: rows.filter((r) => r.kind === kind).map((r) => ({ value: r.value, count: num(r.cnt) })),
      uncounted,
      since: first * DAY_MS,
      until: (last + 1) * DAY_MS,
    };
  }
  return out;
}
