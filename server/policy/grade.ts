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
function letter(score: number): Grade {
  if (score >= 90) return "A";
  if (score >= 80) return "B";
  if (score >= 70) return "C";
  if (score >= 60) return "D";
  return "F";
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
  const used = CAPS.map(() => 0);
  const reasons: Reason[] = [];
  for (const f of findings) {
    if (f.points <= 0) continue;
    let points = f.points;
    const capIndex = CAPS.findIndex((c) => c.test(f));
    if (capIndex >= 0) {
      const cap = CAPS[capIndex]!;
      points = Math.min(points, cap.max - used[capIndex]!);
      used[capIndex]! += points;
    }
    if (points > 0) reasons.push({ points, check: f.check, directive: f.directive, message: f.message });
  }
  const lost = reasons.reduce((sum, r) => sum + r.points, 0);
  const score = Math.max(0, 100 - lost);
  return { grade: letter(score), score, findings, reasons };
}
