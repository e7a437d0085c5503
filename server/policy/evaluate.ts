// csp_evaluator's default and strict-CSP checks, mapped to Cinch findings (the only file importing it).
import { CspEvaluator, DEFAULT_CHECKS, STRICTCSP_CHECKS } from "csp_evaluator/dist/evaluator.js";
import { Version } from "csp_evaluator/dist/csp.js";
import { Severity as EvalSeverity, Type } from "csp_evaluator/dist/finding.js";
import { CspParser } from "csp_evaluator/dist/parser.js";
import type { Finding, Severity } from "./findings.ts";
import { KEYWORDS } from "./source.ts";

// Severity HIGH 10 … INFO 60 (csp-evaluator finding.ts) → ours, and what each costs the grade.
// MEDIUM_MAYBE ("'self' / this host may serve JSONP") and STRICT_CSP ("consider strict-dynamic")
// cost little: an allowlist policy on 'self' and explicit origins must still be able to reach A.
const SEVERITY_MAP: Record<number, { severity: Severity; points: number }> = {
  [EvalSeverity.HIGH]: { severity: "high", points: 25 },
  [EvalSeverity.SYNTAX]: { severity: "syntax", points: 5 },
  [EvalSeverity.MEDIUM]: { severity: "medium", points: 10 },
  [EvalSeverity.HIGH_MAYBE]: { severity: "medium", points: 10 },
  [EvalSeverity.STRICT_CSP]: { severity: "low", points: 2 },
  [EvalSeverity.MEDIUM_MAYBE]: { severity: "low", points: 1 },
  [EvalSeverity.INFO]: { severity: "info", points: 0 },
};

// csp-evaluator 1.1.8 predates these CSP3 keywords and flags them as invalid (csp-reference "Gaps").
const KNOWN_KEYWORDS = new Set<string>(KEYWORDS);

/** Run csp_evaluator's default and strict-CSP checks (CSP3 version) on one serialized policy. */
export function evaluatorFindings(policy: string): Finding[] {
  const csp = new CspParser(policy).csp;
  const raw = new CspEvaluator(csp, Version.CSP3).evaluate(DEFAULT_CHECKS, STRICTCSP_CHECKS);
  const out: Finding[] = [];
  for (const f of raw) {
    if (
      f.type === Type.INVALID_KEYWORD &&
      f.value !== undefined &&
      KNOWN_KEYWORDS.has(f.value.toLowerCase())
    ) {
      continue;
    }
    const mapped = SEVERITY_MAP[f.severity] ?? { severity: "info" as const, points: 0 };
    out.push({
      severity: mapped.severity,
      directive: f.directive,
      value: f.value ?? null,
      message: f.description,
      check: Type[f.type] ?? String(f.type),
      origin: "csp_evaluator",
      points: mapped.points,
    });
  }
  return out;
}

/** True for csp_evaluator's MEDIUM_MAYBE / STRICT_CSP allowlist findings, which grading caps. */
export function isAllowlistAdvice(f: Finding): boolean {
  return f.origin === "csp_evaluator" && (f.severity === "low" || f.severity === "info");
}

/**
 * Does csp_evaluator know `origin` as a script-allowlist bypass (JSONP or AngularJS hosted there)?
 * The builder then allows exact script URLs on it instead of the whole origin (the ladder's lowest rung).
 */
export function isKnownBypassOrigin(origin: string): boolean {
  return evaluatorFindings(`script-src ${origin}; object-src 'none'`).some(
    (f) => f.check === "SCRIPT_ALLOWLIST_BYPASS" && f.severity === "high",
  );
}
