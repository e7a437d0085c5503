// The one mapper from stored rows (either engine, raw SQL or Prisma) to the store's answers: numbers may come back
// as bigint, number or numeric text; lists are JSON text; "" means "none" for noise and disposition.
import { parseList } from "./aggregate.ts";
import type { PolicySample } from "../policy/groups.ts";

/** A stored number as a JS number (SQLite and PostgreSQL return BIGINT and SUM() as bigint or text). */
export const num = (v: unknown): number =>
  typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
/** A DateTime read as epoch milliseconds (Dialect.epochMs) as a Date; null stays null. */
export const dateOf = (v: unknown): Date => new Date(num(v));
export const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : dateOf(v));
/** A stored Boolean: SQLite's 0/1 (a number or bigint), PostgreSQL's boolean. */
export const flag = (v: unknown): boolean => v === true || (v !== false && num(v) !== 0);
const orNull = (s: string): string | null => (s === "" ? null : s);

export type GroupRow = {
  id: number;
  directive: string;
  blocked: string;
  noise: string | null;
  /** Reports in the asked window (the lifetime count where no window was asked). */
  count: number;
  total: number;
  firstSeen: number;
  lastSeen: number;
  pages: string[];
  browsers: string[];
  /** Reports per equal slice of the listing's window, oldest first (set by listGroups). */
  trend?: number[];
  /** With the page filter: `count` is the matching pages' reports ("counted"), or only the list matched. */
  pageMatch?: "counted" | "listed";
};

/** A ViolationGroup row as stored (raw or from Prisma). */
export type StoredGroup = {
  id: unknown;
  directive: string;
  blocked: string;
  noise: string;
  count: unknown;
  firstSeen: unknown;
  lastSeen: unknown;
  pages: unknown;
  browsers: unknown;
};

/** A group; `windowCount` is its count in the asked window (default: its lifetime count). */
export const toGroupRow = (r: StoredGroup, windowCount: unknown = r.count): GroupRow => ({
  id: num(r.id),
  directive: r.directive,
  blocked: r.blocked,
  noise: orNull(r.noise),
  count: num(windowCount),
  total: num(r.count),
  firstSeen: num(r.firstSeen),
  lastSeen: num(r.lastSeen),
  pages: parseList(r.pages),
  browsers: parseList(r.browsers),
});

export type SampleRow = {
  receivedAt: number;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: number | null;
  column: number | null;
  sample: string;
  statusCode: number | null;
  browser: string;
  disposition: string | null;
  policyVersion: number | null;
  env: string;
};

/** A Sample row as stored. */
export type StoredSample = {
  receivedAt: unknown;
  documentUrl: string;
  blockedUrl: string;
  sourceFile: string;
  line: unknown;
  column: unknown;
  sample: string;
  statusCode: unknown;
  browser: string;
  disposition: string;
  policyVersion: unknown;
  env: string;
};

export const toSampleRow = (s: StoredSample): SampleRow => ({
  receivedAt: num(s.receivedAt),
  documentUrl: s.documentUrl,
  blockedUrl: s.blockedUrl,
  sourceFile: s.sourceFile,
  line: numOrNull(s.line),
  column: numOrNull(s.column),
  sample: s.sample,
  statusCode: numOrNull(s.statusCode),
  browser: s.browser,
  disposition: orNull(s.disposition),
  policyVersion: numOrNull(s.policyVersion),
  env: s.env,
});

export type PolicySampleRow = PolicySample & { policyVersion: number | null };

/** The columns of a sample the policy engine reads. */
export const toPolicySample = (
  x: Pick<StoredSample, "sample" | "documentUrl" | "blockedUrl" | "sourceFile" | "line" | "policyVersion">,
): PolicySampleRow => ({
  sample: x.sample,
  documentUrl: x.documentUrl,
  blockedUrl: x.blockedUrl,
  sourceFile: x.sourceFile,
  line: numOrNull(x.line),
  policyVersion: numOrNull(x.policyVersion),
});
