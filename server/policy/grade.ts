// Grading: csp_evaluator + Cinch findings → a score, a letter A–F, and a reason for every point lost.
import { parsePolicy, serializePolicy } from "./csp.ts";
import { cinchFindings } from "./checks.ts";
import { evaluatorFindings, isAllowlistAdvice } from "./evaluate.ts";
import type { Finding } from "./findings.ts";
import { DEFAULT_SIZE_BUDGET } from "./minify.ts";

export const GRADES = ["A", "B", "C", "D", "F"] as const;
export type Grade = (typeof GRADES)[number];

/** One deduction: the points it cost and the finding behind it. */
export type Reason = { points: number; check: string; directive: string; message: string };

export type Evaluation = { grade: Grade; score: number; findings: Finding[]; reasons: Reason[] };

// Caps per family so that advice repeated per source cannot sink an otherwise tight policy: csp_evaluator's
// allowlist advice ('self' / host "may be bypassable", "consider strict-dynamic") and covered sources.
const CAPS: { test: (f: Finding) => boolean; max: number; label: string }[] = [
  { test: isAllowlistAdvice, max: 5, label: "allowlist advice" },
  { test: (f) => f.check === "covered-source", max: 3, label: "covered sources" },
];

// Thresholds: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F. One high finding (25) leaves at most a C.
export const GRADE_THRESHOLDS: readonly { grade: Grade; min: number }[] = [
  { grade: "A", min: 90 },
  { grade: "B", min: 80 },
  { grade: "C", min: 70 },
  { grade: "D", min: 60 },
  { grade: "F", min: 0 },
];

function letter(score: number): Grade {
  return GRADE_THRESHOLDS.find((t) => score >= t.min)?.grade ?? "F";
}

/** Points each capped family's findings asked for, and what the cap let count. */
type CapUse = { label: string; max: number; asked: number; counted: number };

/** The deductions of (sorted) findings: one reason per finding that costs points, within the family caps. */
function deduct(findings: readonly Finding[]): { reasons: Reason[]; caps: CapUse[] } {
  const caps: CapUse[] = CAPS.map((c) => ({ label: c.label, max: c.max, asked: 0, counted: 0 }));
  const reasons: Reason[] = [];
  for (const f of findings) {
    if (f.points <= 0) continue;
    let points = f.points;
    const capIndex = CAPS.findIndex((c) => c.test(f));
    if (capIndex >= 0) {
      const use = caps[capIndex]!;
      use.asked += points;
      points = Math.min(points, use.max - use.counted);
      use.counted += points;
    }
    if (points > 0) reasons.push({ points, check: f.check, directive: f.directive, message: f.message });
  }
  return { reasons, caps };
}

/** What a score is made of: 100 minus each deduction (family caps applied), floored at 0, then the letter. */
export type ScoreBreakdown = {
  start: number;
  deductions: Reason[];
  caps: CapUse[];
  lost: number;
  score: number;
  grade: Grade;
  thresholds: readonly { grade: Grade; min: number }[];
  /** One line: "100 − 25 (SCRIPT_UNSAFE_INLINE, script-src) − 5 (allowlist advice, capped at 5) = 70 → C". */
  summary: string;
};

const SUMMARY_TERMS = 6;

/** The breakdown of an evaluation's score, from its (sorted) findings: the same deductions evaluatePolicy made. */
export function scoreBreakdown(findings: readonly Finding[]): ScoreBreakdown {
  const { reasons, caps } = deduct(findings);
  const lost = reasons.reduce((sum, r) => sum + r.points, 0);
  const score = Math.max(0, 100 - lost);
  const grade = letter(score);
  const capped = new Set(
    findings
      .filter((f) => CAPS.some((c) => c.test(f)))
      .map((f) => `${f.check}\n${f.directive}\n${f.message}`),
  );
  const terms = reasons
    .filter((r) => !capped.has(`${r.check}\n${r.directive}\n${r.message}`))
    .map((r) => `− ${r.points} (${r.check}${r.directive ? `, ${r.directive}` : ""})`);
  for (const c of caps) {
    if (c.counted > 0) {
      const note = c.asked > c.counted ? `, ${c.asked} asked, capped at ${c.max}` : "";
      terms.push(`− ${c.counted} (${c.label}${note})`);
    }
  }
  const shown = terms.slice(0, SUMMARY_TERMS);
  if (terms.length > SUMMARY_TERMS) shown.push(`− … (${terms.length - SUMMARY_TERMS} more)`);
  const floor = 100 - lost < 0 ? " (floored at 0)" : "";
  const summary = `100 ${shown.join(" ")}${shown.length > 0 ? " " : ""}= ${score}${floor} → ${grade}`;
  return { start: 100, deductions: reasons, caps, lost, score, grade, thresholds: GRADE_THRESHOLDS, summary };
}

const ORDER = { high: 0, syntax: 1, medium: 2, low: 3, info: 4 } as const;

/**
 * Evaluate a policy: csp_evaluator's default + strict-CSP findings and Cinch's own (missing
 * frame-ancestors / form-action / base-uri / reporting, covered sources, size over budget), a 0–100
 * score, a letter grade, and one reason per deduction (the score is 100 minus their points, floored at 0).
 */
export function evaluatePolicy(policy: string, opts: { budget?: number } = {}): Evaluation {
  const parsed = parsePolicy(policy);
  const text = serializePolicy(parsed);
  const cinch = cinchFindings(parsed, text, opts.budget ?? DEFAULT_SIZE_BUDGET);
  const evaluator = evaluatorFindings(text).filter(
    // csp_evaluator reports a missing base-uri only next to nonces; keep one finding, its own.
    (f) =>
      !(
        f.check === "MISSING_DIRECTIVES" &&
        f.directive === "base-uri" &&
        cinch.some((c) => c.check === "missing-base-uri")
      ),
  );
  const findings = [...evaluator, ...cinch].sort(
    (a, b) => ORDER[a.severity] - ORDER[b.severity] || b.points - a.points,
  );
  const { reasons } = deduct(findings);
  const lost = reasons.reduce((sum, r) => sum + r.points, 0);
  const score = Math.max(0, 100 - lost);
  return { grade: letter(score), score, findings, reasons };
}
