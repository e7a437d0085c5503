// A build's answer as the API sends it: one page of suggestions and one of decisions, their evidence given the
// newest samples of their first groups (the build reads samples for few groups), as JSON text. Shared by the API,
// for builds it runs itself, and by the policy worker, which presents its builds too (server/policy-worker/), so
// that a large project's answer is never walked or serialized on the event loop that serves ingest.
import type { BuildResult, Evidence } from "../policy/build-types.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import { EVIDENCE_SAMPLES, presentBuild, shownItems, type BuildPage } from "./present-policy.ts";

/** Where an answer's build started: the base policy and the version it came from. */
export type AnswerContext = BuildPage & { base: string; baseVersion: number | null };

/** Newest samples per group id. */
export type Rings = ReadonlyMap<number, readonly PolicyGroupRow["samples"][number][]>;

const needsSamples = (e: Evidence): boolean => e.samples.length === 0 && e.count > 0;

/** The groups whose newest samples the answer's evidence shows (items shown whose build evidence has none). */
export function sampleNeeds(r: Pick<BuildResult, "suggestions" | "decisions">, page: BuildPage): number[] {
  const ids = new Set<number>();
  const shown = shownItems(r, page);
  for (const it of [...shown.suggestions, ...shown.decisions]) {
    if (!needsSamples(it.evidence)) continue;
    for (const id of it.groupIds.slice(0, EVIDENCE_SAMPLES)) if (typeof id === "number") ids.add(id);
  }
  return [...ids];
}

/** The answer, with samples from `rings` for the evidence that has none, as JSON text. */
export function answerJson(r: BuildResult, ctx: AnswerContext, rings: Rings): string {
  const evidence = (e: Evidence, groupIds: readonly (string | number)[]): Evidence => {
    if (!needsSamples(e)) return e;
    const samples: Evidence["samples"] = [];
    for (const id of groupIds.slice(0, EVIDENCE_SAMPLES)) {
      if (typeof id !== "number" || samples.length >= EVIDENCE_SAMPLES) break;
      samples.push(...(rings.get(id) ?? []).slice(0, EVIDENCE_SAMPLES - samples.length));
    }
    return { ...e, samples };
  };
  return JSON.stringify(presentBuild(r, { ...ctx, evidence }));
}
