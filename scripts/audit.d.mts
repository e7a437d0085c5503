// Types for scripts/audit.mjs (imported by test/security/audit.test.ts).
export type AuditDecision = {
  verdict: "clean" | "vulnerable" | "unavailable";
  exitCode: number;
  message: string;
};
export function decide(run: {
  status: number | null;
  stdout: string;
  stderr: string;
  strict?: boolean;
}): AuditDecision;
