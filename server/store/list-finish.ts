// The end every dashboard listing shares (group-list.ts, lean-list.ts): a listing statement's rows become the page
// and the totals, and the page's trends are read (group-trends.ts) while the caller's `beside` runs.
import { num, toGroupRow, type GroupRow, type StoredGroup } from "./rows.ts";
import type { GroupFilter } from "./filters.ts";
import type { SqlReader } from "./sql.ts";
import { addTrends } from "./group-trends.ts";

export type GroupListing = {
  groups: GroupRow[];
  /** listedOnly: with the page filter, matching groups listed by their page list only (count 0). */
  totals: { groups: number; reports: number; byDirective: Record<string, number>; listedOnly: number };
};

export type ListRow = StoredGroup & {
  cnt: unknown;
  kind: unknown;
  rn: unknown;
  groups: unknown;
  counted: unknown;
  listed: unknown;
};

/**
 * The page and totals from a listing statement's rows: kind 0 a page row (with its rank), kind 1 a directive's
 * reports (with its groups and listed-only groups, where the statement counts them there), kind 2 the count of
 * groups alone. Then the page's trends, with `beside` run meanwhile.
 */
export async function finish<T>(
  sql: SqlReader,
  projectId: string,
  f: GroupFilter,
  rollups: boolean,
  both: readonly ListRow[],
  beside: ((ids: number[]) => Promise<T>) | undefined,
): Promise<GroupListing & { beside: T | undefined }> {
  const counts = new Map<string, number>();
  let reports = 0;
  let groups = 0;
  let listedOnly = 0;
  const rows: ListRow[] = [];
  for (const r of both) {
    const kind = num(r.kind);
    if (kind === 0) {
      rows.push(r);
      continue;
    }
    groups += num(r.groups);
    if (kind === 2) continue;
    counts.set(r.directive, num(r.cnt));
    reports += num(r.cnt);
    listedOnly += num(r.listed);
  }
  // Directives in byte order, whatever order the engine grouped them in (PostgreSQL's hash order varied).
  const byDirective = Object.create(null) as Record<string, number>; // keyed by report data
  for (const k of [...counts.keys()].sort()) byDirective[k] = counts.get(k)!;
  rows.sort((x, y) => num(x.rn) - num(y.rn));
  const page = rows.map((r): GroupRow => {
    const g = toGroupRow(r, r.cnt);
    if (f.page) g.pageMatch = num(r.counted) === 1 ? "counted" : "listed";
    return g;
  });
  const [, besides] = await Promise.all([
    addTrends(sql, projectId, page, f, rollups),
    beside?.(page.map((g) => g.id)),
  ]);
  return { groups: page, totals: { groups, reports, byDirective, listedOnly }, beside: besides };
}
