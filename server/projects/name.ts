// A project's name: one rule for the API and `cinch project create`.
import { z } from "zod";

/**
 * 1–100 characters once trimmed (a name labels the dashboard's lists and the CLI's output), without control
 * characters: PostgreSQL's text cannot hold NUL, and a name is shown, never a place for them.
 */
export const projectNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !Array.from(s).some((c) => c < " " || c === "\x7f"), "must not contain control characters");
