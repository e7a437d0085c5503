// zod building blocks shared by the configuration and the API: one spelling of a boolean in text.
import { z } from "zod";

/** A boolean as environment variables and query strings spell it: true/false, 1/0, yes/no. */
export const booleanText = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
