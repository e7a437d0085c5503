// The explorer's query (/violations, /violations/series, /summary): window, filters, sort and page, parsed once.
import { z } from "zod";
import { badRequest } from "../http/errors.ts";
import { GROUP_SORTS, NOISE_FILTERS, type GroupFilter } from "../store/violations.ts";
import { TRIAGE_STATES } from "../alerts/vocabulary.ts";

const DAY = 86_400_000;

/** A time: ISO-8601 or epoch milliseconds. */
const time = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const windowSchema = z.object({ since: time.optional(), until: time.optional() });

/** The explorer's query: window, filters, sort and page (also the summary's, server/api/dashboard.ts). */
export const listSchema = windowSchema
  .extend({
    directive: z
      .string()
      .regex(/^[a-z-]{1,40}$/, "must be a directive name")
      .optional(),
    noise: z.enum(NOISE_FILTERS).default("exclude"),
    disposition: z.enum(["enforce", "report"]).optional(),
    version: z
      .string()
      .regex(/^\d{1,9}$/, "must be a non-negative integer")
      .transform(Number)
      .optional(),
    env: z.string().max(32).optional(),
    page: z.string().max(500).optional(),
    text: z.string().max(500).optional(),
    triage: z.enum(TRIAGE_STATES).optional(),
    sort: z.enum(GROUP_SORTS).default("count"),
    order: z.enum(["asc", "desc"]).default("desc"),
    limit: z
      .string()
      .regex(/^\d{1,4}$/)
      .transform(Number)
      .pipe(z.number().min(1).max(1000))
      .default(100),
    offset: z
      .string()
      .regex(/^\d{1,7}$/)
      .transform(Number)
      .default(0),
  })
  .strict();

export function windowOf(q: { since?: number; until?: number }): { since: number; until: number } {
  const until = q.until ?? Date.now();
  const since = q.since ?? until - DAY;
  if (since > until) throw badRequest("invalid_input", "since must not be after until");
  if (until - since > 400 * DAY) throw badRequest("invalid_input", "the window may span at most 400 days");
  return { since, until };
}

/** The store's filter from the parsed query (the query names the policy version `version`). */
export function filterOf(q: z.infer<typeof listSchema>, w: { since: number; until: number }): GroupFilter {
  return {
    ...w,
    directive: q.directive,
    noise: q.noise,
    disposition: q.disposition,
    policyVersion: q.version,
    env: q.env,
    page: q.page,
    text: q.text,
    triage: q.triage,
  };
}
