// The policy API's closed vocabularies as lists the dashboard iterates (version states and moves, export formats).
// Their types come from the server's contract; test/api/policy-contract.test.ts checks each list is the server's.
import type { ExportFormat, VersionState } from "../../../server/contract.ts";

export const VERSION_STATES = [
  "draft",
  "report-only",
  "enforced",
  "retired",
] as const satisfies readonly VersionState[];

/** Allowed state moves, as the server allows them: forward through the rollout, back one step, retire. */
export const VERSION_MOVES: Record<VersionState, readonly VersionState[]> = {
  draft: ["report-only", "enforced", "retired"],
  "report-only": ["enforced", "retired", "draft"],
  enforced: ["report-only", "retired"],
  retired: ["report-only"],
};

export const EXPORT_FORMATS = [
  "header",
  "meta",
  "nginx",
  "apache",
  "caddy",
  "iis",
  "helmet",
  "nextjs",
  "phoenix",
  "rails",
  "django",
  "cloudflare",
] as const satisfies readonly ExportFormat[];
