// Parse query strings and JSON bodies with zod at the edge; failures become 400s naming the field.
import type { z } from "zod";
import { badRequest } from "./errors.ts";

/** Validate input with a schema; the error message names the first bad field and why. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = "query"): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join(".") : where;
  throw badRequest("invalid_input", `${path}: ${issue?.message ?? "invalid"}`);
}
