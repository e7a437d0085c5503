// The findings vocabulary shared by csp_evaluator's checks and Cinch's own.

export const SEVERITIES = ["high", "medium", "low", "info", "syntax"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One problem with a policy. `points` is what it costs the grade (before per-check caps). */
export type Finding = {
  severity: Severity;
  directive: string;
  value: string | null;
  message: string;
  /** Stable id of the check: csp_evaluator's Type name (e.g. "SCRIPT_UNSAFE_INLINE") or Cinch's. */
  check: string;
  origin: "csp_evaluator" | "cinch";
  points: number;
};
