// Shared between the naive target and the harness: the first groupId the naive collector writes.

/** The naive collector's rows are Sample rows with groupId at or above this (Cinch's own ids stay far below). */
export const NAIVE_ID_BASE = 1_000_000_000;
