// The export error vocabulary: a stable id and a message naming the format and the problem.

export const EXPORT_ERROR_IDS = [
  "meta_report_only",
  "unsupported_value",
  "unknown_format",
  "line_too_long",
] as const;
export type ExportErrorId = (typeof EXPORT_ERROR_IDS)[number];

/** A policy that cannot be expressed in the requested format. */
export class ExportError extends Error {
  constructor(
    readonly id: ExportErrorId,
    message: string,
  ) {
    super(message);
    this.name = "ExportError";
  }
}
