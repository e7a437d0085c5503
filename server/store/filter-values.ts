// The values the explorer's filters can take in a window, with their reports (#16: the version and environment
// filters offered free text): policy versions, environments and dispositions from GroupHour, directives from the
// DirectiveHour rollup. Noise as the listing's filter has it, so a value's count is what choosing it lists.
import { Prisma } from "../generated/prisma/client.ts";
import { directiveConditions, hourWhere, windowConditions, type GroupFilter } from "./filters.ts";
import { num } from "./rows.ts";
import type { SqlReader } from "./sql.ts";

export type ValueCount<T> = { value: T; count: number };

export type FilterValues = {
  versions: ValueCount<number>[];
  environments: ValueCount<string>[];
  dispositions: ValueCount<string>[];
  directives: ValueCount<string>[];
};

const byCount = <T>(m: Map<T, number>): ValueCount<T>[] =>
  [...m]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (String(a.value) < String(b.value) ? -1 : 1));

/** Versions, environments, dispositions and directives seen in the window (`f`: window and noise only). */
export async function filterValues(
  sql: SqlReader,
  projectId: string,
  f: Pick<GroupFilter, "since" | "until" | "noise">,
): Promise<FilterValues> {
  const filter: GroupFilter = { since: f.since, until: f.until, noise: f.noise };
  const noise = directiveConditions("g", filter);
  const tags = await sql.all<{ policyVersion: unknown; env: string; disposition: string; cnt: unknown }>(
    Prisma.sql`
    SELECT h."policyVersion" AS "policyVersion", h.env AS env, h.disposition AS disposition, SUM(h.count) AS cnt
    FROM "GroupHour" h
    ${noise.length > 0 ? Prisma.sql`JOIN "ViolationGroup" g ON g.id = h."groupId" AND ${Prisma.join(noise, " AND ")}` : Prisma.empty}
    WHERE ${hourWhere(projectId, filter)}
    GROUP BY h."policyVersion", h.env, h.disposition`,
  );
  const dirs = await sql.all<{ directive: string; cnt: unknown }>(Prisma.sql`
    SELECT d.directive AS directive, SUM(d.count) AS cnt FROM "DirectiveHour" d
    WHERE ${Prisma.join([...windowConditions("d", projectId, filter), ...directiveConditions("d", filter)], " AND ")}
    GROUP BY d.directive`);
  const versions = new Map<number, number>();
  const envs = new Map<string, number>();
  const dispositions = new Map<string, number>();
  for (const r of tags) {
    const c = num(r.cnt);
    const v = num(r.policyVersion);
    versions.set(v, (versions.get(v) ?? 0) + c);
    envs.set(r.env, (envs.get(r.env) ?? 0) + c);
    dispositions.set(r.disposition, (dispositions.get(r.disposition) ?? 0) + c);
  }
  return {
    versions: byCount(versions),
    environments: byCount(envs),
    dispositions: byCount(dispositions),
    directives: byCount(new Map(dirs.map((r) => [r.directive, num(r.cnt)]))),
  };
}
