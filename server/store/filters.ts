// The dashboard's filter, and the one place each of its conditions becomes SQL (Prisma.sql: parameterized,
// never string-built), for both engines (identifiers quoted; the text match is the dialect's, sql.ts).
// Conditions take the alias of the table they apply to.
import type { TriageState } from "../contract/alerts.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { hourOf } from "./aggregate.ts";
import { dayOf } from "./breakdown.ts";
import type { Dialect } from "./sql.ts";

export const NOISE_FILTERS = ["include", "exclude", "only"] as const;
export type NoiseFilter = (typeof NOISE_FILTERS)[number];
export const GROUP_SORTS = ["count", "lastSeen", "firstSeen", "directive", "blocked"] as const;
export type GroupSort = (typeof GROUP_SORTS)[number];

export type GroupFilter = {
  since: number; // epoch ms
  until: number; // epoch ms
  directive?: string;
  noise: NoiseFilter;
  disposition?: string;
  policyVersion?: number;
  env?: string;
  /**
   * Substring of a page (document URL): a group counts only the reports of its matching pages, from the per-page
   * counts (GroupBreakdown, whole UTC days); a group whose stored page list matches without counts is listed.
   */
  page?: string;
  /** Substring of directive or blocked. */
  text?: string;
  /** Triage state (#14); a group never triaged is open. */
  triage?: TriageState;
  sort?: GroupSort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
};

/** Table aliases the conditions apply to: GroupHour h, ViolationGroup g, DirectiveHour d. */
type Alias = "h" | "g" | "d";
const col = (alias: Alias, name: string): Prisma.Sql => Prisma.raw(`${alias}."${name}"`);

/**
 * Whether a filter can be answered from the rollups (DirectiveHour, GroupRunning), which count every tag
 * combination together: not when it selects a disposition, policy version or environment.
 */
export const tagFree = (f: GroupFilter): boolean =>
  f.disposition === undefined && f.policyVersion === undefined && f.env === undefined;

/** Escape LIKE wildcards so user text matches literally. */
const likeArg = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Project and window on an hourly table (GroupHour h or DirectiveHour d). */
export function windowConditions(alias: "h" | "d", projectId: string, f: GroupFilter): Prisma.Sql[] {
  return [
    Prisma.sql`${col(alias, "projectId")} = ${projectId}`,
    Prisma.sql`${col(alias, "hour")} >= ${hourOf(f.since)}`,
    Prisma.sql`${col(alias, "hour")} <= ${hourOf(f.until)}`,
  ];
}

/** Disposition, policy version and environment (GroupHour's tag columns). */
export function tagConditions(f: GroupFilter): Prisma.Sql[] {
  const parts: Prisma.Sql[] = [];
  if (f.disposition !== undefined) parts.push(Prisma.sql`${col("h", "disposition")} = ${f.disposition}`);
  if (f.policyVersion !== undefined)
    parts.push(Prisma.sql`${col("h", "policyVersion")} = ${f.policyVersion}`);
  if (f.env !== undefined) parts.push(Prisma.sql`${col("h", "env")} = ${f.env}`);
  return parts;
}

/** Directive and noise: attributes of a group, and of the DirectiveHour rollup's rows. */
export function directiveConditions(alias: "g" | "d", f: GroupFilter): Prisma.Sql[] {
  const parts: Prisma.Sql[] = [];
  if (f.directive) parts.push(Prisma.sql`${col(alias, "directive")} = ${f.directive}`);
  if (f.noise === "exclude") parts.push(Prisma.sql`${col(alias, "noise")} = ''`);
  if (f.noise === "only") parts.push(Prisma.sql`${col(alias, "noise")} <> ''`);
  return parts;
}

/** The UTC days a window touches: per-page counts are kept per day (breakdown.ts). */
export const windowDays = (f: GroupFilter): { first: number; last: number } => ({
  first: dayOf(f.since),
  last: dayOf(f.until),
});

/** The page filter on GroupBreakdown rows (alias b): the project's page counts over the window's days. */
export function pageCountWhere(d: Dialect, projectId: string, f: GroupFilter & { page: string }): Prisma.Sql {
  const { first, last } = windowDays(f);
  return Prisma.join(
    [
      Prisma.sql`b."projectId" = ${projectId}`,
      Prisma.sql`b."day" >= ${first}`,
      Prisma.sql`b."day" <= ${last}`,
      Prisma.sql`b."kind" = 'page'`,
      d.like(Prisma.raw(`b."value"`), likeArg(f.page)),
    ],
    " AND ",
  );
}

/** The page filter on a group's stored page list (alias g): what is known of groups without per-page counts. */
export const listedPage = (d: Dialect, page: string): Prisma.Sql => d.like(col("g", "pages"), likeArg(page));

/**
 * The window's conditions on GroupHour rows (alias h). Queries aggregate these rows first and join the (far
 * fewer) per-group sums to ViolationGroup: joining every hourly row was 10x slower at 10 million reports
 * (bench/results/latest.md), and the covering index GroupHour(projectId, hour, groupId, count) serves the scan.
 */
export function hourWhere(projectId: string, f: GroupFilter): Prisma.Sql {
  return Prisma.join([...windowConditions("h", projectId, f), ...tagConditions(f)], " AND ");
}

/**
 * The filter's conditions on the group itself (alias g). Joined to GroupHour sums, which are already scoped to
 * the project, the project condition is left out (scoped = false): SQLite would otherwise start from every group
 * of the project instead of from the window's sums.
 */
export function groupWhere(d: Dialect, projectId: string, f: GroupFilter, scoped = true): Prisma.Sql {
  const parts: Prisma.Sql[] = [
    scoped ? Prisma.sql`${col("g", "projectId")} = ${projectId}` : Prisma.sql`1 = 1`,
  ];
  parts.push(...directiveConditions("g", f));
  // The page condition is not here: it selects per-page counts, not groups (pageCountWhere, listedPage).
  if (f.text) {
    const t = likeArg(f.text);
    parts.push(Prisma.sql`(${d.like(col("g", "blocked"), t)} OR ${d.like(col("g", "directive"), t)})`);
  }
  // Triage rows exist only for triaged groups: "open" is every group without a row in another state.
  if (f.triage === "open") {
    parts.push(
      Prisma.sql`${col("g", "id")} NOT IN (SELECT t."groupId" FROM "GroupTriage" t WHERE t."state" <> 'open')`,
    );
  } else if (f.triage !== undefined) {
    parts.push(
      Prisma.sql`${col("g", "id")} IN (SELECT t."groupId" FROM "GroupTriage" t WHERE t."state" = ${f.triage})`,
    );
  }
  return Prisma.join(parts, " AND ");
}
