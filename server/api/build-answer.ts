// A build's answer as the API sends it: one page of suggestions and one of decisions, their evidence given the
// newest samples of their first groups (the build reads samples for few groups), as JSON text. Shared by the API,
// for builds it runs itself, and by the policy worker, which presents its builds too (server/policy-worker/), so
// that a large project's answer is never walked or serialized on the event loop that serves ingest.
import type { BuildResult, Evidence } from "../policy/build-types.ts";
import type { PolicyGroupRow } from "../store/policy-groups.ts";
import {
  EVIDENCE_SAMPLES,
  presentBuildGrade,
  presentBuildHead,
  shownItems,
  type BuildPage,
} from "./present-policy.ts";

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

/**
 * The answer, with samples from `rings` for the evidence that has none, as JSON text: the text of
 * `JSON.stringify(presentBuild(…))`, field for field.
 */
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
  const { policy, ...head } = presentBuildHead(r, { ...ctx, evidence });
  return (
    `{"policy":${policyJson(policy)},${JSON.stringify(head).slice(1, -1)},` +
    `${gradeJson(r)},"warnings":${JSON.stringify(r.warnings)}}`
  );
}

// The policy's text and its grade and findings are the same objects build after build while a commit does not change
// the candidate (BuildMemo.finalFor hands out the frozen result): their JSON is kept for the last few. At 20,000
// groups they are ~1.3 MB of a 2.8 MB answer and ~8 ms of its ~16 ms JSON (2026-12-07).
const KEPT = 4;
const policies: { policy: string; json: string }[] = [];
const grades: {
  of: Pick<BuildResult, "grade" | "score" | "findings" | "reasons">;
  size: number;
  json: string;
}[] = [];

function policyJson(policy: string): string {
  const i = policies.findIndex((p) => p.policy === policy);
  const hit = i >= 0 ? policies.splice(i, 1)[0]! : { policy, json: JSON.stringify(policy) };
  policies.unshift(hit);
  policies.length = Math.min(policies.length, KEPT);
  return hit.json;
}

/** `"grade":…,"score":…,"findings":[…],"reasons":[…],"breakdown":{…},"size":…` of a build. */
function gradeJson(r: BuildResult): string {
  const i = grades.findIndex(
    (g) =>
      g.of.findings === r.findings &&
      g.of.reasons === r.reasons &&
      g.of.grade === r.grade &&
      g.of.score === r.score &&
      g.size === r.policy.length,
  );
  const hit =
    i >= 0
      ? grades.splice(i, 1)[0]!
      : {
          of: { grade: r.grade, score: r.score, findings: r.findings, reasons: r.reasons },
          size: r.policy.length,
          json: JSON.stringify(presentBuildGrade(r)).slice(1, -1),
        };
  grades.unshift(hit);
  grades.length = Math.min(grades.length, KEPT);
  return hit.json;
}
