// Project settings: parsed with zod at the edge (API PATCH) and again when read back from the database.
import { z } from "zod";
import { ignoreRulesSchema } from "../reports/noise.ts";

const origin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[^/\s?#]+$/, "must be an origin such as https://www.example.com");

export const projectSettingsSchema = z
  .object({
    ignoreRules: ignoreRulesSchema.default({ hosts: [], schemes: [], sampleContains: [] }),
    /** Fraction of non-noise reports stored (0 < rate <= 1); the rest are counted as sampled out. */
    sampleRate: z.number().gt(0).max(1).default(1),
    /** Reports stored per UTC day before further ones are rejected (null: no cap). */
    dailyCap: z.number().int().min(0).max(1_000_000_000).nullable().default(1_000_000),
    /** When non-empty, reports whose page is not on one of these origins are rejected. */
    allowedOrigins: z.array(origin).max(100).default([]),
    /** Minimum reports before the builder proposes a source. */
    evidenceThreshold: z.number().int().min(1).max(1_000_000).default(2),
  })
  .strict();

export type ProjectSettings = z.infer<typeof projectSettingsSchema>;

/** A partial update, as PATCH accepts it. */
export const projectSettingsPatchSchema = projectSettingsSchema.partial().strict();

/** Settings stored as JSON; a corrupt or outdated value falls back to defaults field by field. */
export function readSettings(json: string): ProjectSettings {
  let raw: unknown = {};
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  const parsed = projectSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : projectSettingsSchema.parse({});
}
