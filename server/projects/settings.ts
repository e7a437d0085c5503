// Project settings: parsed with zod at the edge (API PATCH), merged field by field, and read back from the
// database field by field, so one bad stored key never resets the others.
import { z } from "zod";
import { ignoreRulesSchema } from "../reports/noise.ts";
import { scriptSettingFields } from "../scripts/settings.ts";

const origin = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[^/\s?#]+$/, "must be an origin such as https://www.example.com");

// The ignore-rule lists without their `.default([])`: zod 4 applies a default inside `.partial()` too, so a
// patch built on the defaulted schema would fill every absent field in (issue 11 item 1).
const ruleFields = {
  hosts: ignoreRulesSchema.shape.hosts.unwrap(),
  schemes: ignoreRulesSchema.shape.schemes.unwrap(),
  sampleContains: ignoreRulesSchema.shape.sampleContains.unwrap(),
};

/** Each setting's schema, with no default: what a stored or patched value must be. */
const fields = {
  ignoreRules: z.object(ruleFields).strict(),
  /** Fraction of non-noise reports stored (0 < rate <= 1); the rest are counted as sampled out. */
  sampleRate: z.number().gt(0).max(1),
  /** Reports stored per UTC day before further ones are rejected (null: no cap). */
  dailyCap: z.number().int().min(0).max(1_000_000_000).nullable(),
  /** When non-empty, reports whose page is not on one of these origins are rejected. */
  allowedOrigins: z.array(origin).max(100),
  /** Minimum reports before the builder proposes a source. */
  evidenceThreshold: z.number().int().min(1).max(1_000_000),
  ...scriptSettingFields,
};

export type ProjectSettings = {
  [K in keyof typeof fields]: z.infer<(typeof fields)[K]>;
};
type SettingName = keyof ProjectSettings;
type RuleName = keyof ProjectSettings["ignoreRules"];

const SETTING_NAMES = Object.keys(fields) as SettingName[];
const RULE_NAMES = Object.keys(ruleFields) as RuleName[];

/** The settings of a new project. */
export function defaultSettings(): ProjectSettings {
  return {
    ignoreRules: { hosts: [], schemes: [], sampleContains: [] },
    sampleRate: 1,
    dailyCap: 1_000_000,
    allowedOrigins: [],
    evidenceThreshold: 2,
    reportScriptHashes: false,
    paymentPages: [],
    scriptGoneDays: 30,
  };
}

/**
 * A settings change, as PATCH accepts it. An absent field keeps its stored value; a present one replaces it
 * (`dailyCap: null` removes the cap, `allowedOrigins: []` accepts every page). `ignoreRules` merges one level
 * deeper: a given list (`hosts`, `schemes`, `sampleContains`) replaces the stored list, an absent one keeps it.
 */
export const projectSettingsPatchSchema = z
  .object({
    ...fields,
    ignoreRules: z.object(ruleFields).partial().strict(),
  })
  .partial()
  .strict();

export type ProjectSettingsPatch = z.infer<typeof projectSettingsPatchSchema>;

/** Apply a parsed patch to stored settings, field by field (see projectSettingsPatchSchema). */
export function mergeSettings(current: ProjectSettings, patch: ProjectSettingsPatch): ProjectSettings {
  const rules = { ...current.ignoreRules };
  for (const name of RULE_NAMES) {
    const given = patch.ignoreRules?.[name];
    if (given !== undefined) rules[name] = given;
  }
  return {
    ignoreRules: rules,
    sampleRate: patch.sampleRate ?? current.sampleRate,
    dailyCap: patch.dailyCap !== undefined ? patch.dailyCap : current.dailyCap,
    allowedOrigins: patch.allowedOrigins ?? current.allowedOrigins,
    evidenceThreshold: patch.evidenceThreshold ?? current.evidenceThreshold,
    reportScriptHashes: patch.reportScriptHashes ?? current.reportScriptHashes,
    paymentPages: patch.paymentPages ?? current.paymentPages,
    scriptGoneDays: patch.scriptGoneDays ?? current.scriptGoneDays,
  };
}

/** The dashboard's name for each setting (web/src/pages/SettingsPage.tsx), so an error reads as the form does. */
const LABELS: ReadonlyMap<string, string> = new Map([
  ["name", "Name"],
  ["settings.ignoreRules", "Ignore rules"],
  ["settings.ignoreRules.hosts", "Blocked hosts"],
  ["settings.ignoreRules.schemes", "Blocked schemes"],
  ["settings.ignoreRules.sampleContains", "Sample contains"],
  ["settings.sampleRate", "Share of reports stored"],
  ["settings.dailyCap", "Daily cap"],
  ["settings.allowedOrigins", "Allowed document origins"],
  ["settings.evidenceThreshold", "Evidence threshold"],
]);

/** One input's error in a project PATCH: the field (dotted path), the list line (1-based) and the message. */
export type FieldProblem = { field: string; line?: number; message: string };

/**
 * Where a PATCH body's issue is, in the words of the form (#16): "Blocked hosts, line 2: use a host like
 * ads.example.net or *.example.net, not "a b"". A path ending in a list index is that list's line; a field without
 * a label keeps its dotted path ("settings.paymentPages.0: …").
 */
export function fieldProblem(issue: { path: readonly PropertyKey[]; message: string }): FieldProblem {
  const path = issue.path.map(String);
  const last = issue.path.at(-1);
  const line = typeof last === "number" ? last + 1 : undefined;
  const field = (line === undefined ? path : path.slice(0, -1)).join(".") || "body";
  const label = LABELS.get(field);
  const where = label ? (line === undefined ? label : `${label}, line ${line}`) : path.join(".") || "body";
  return { field, ...(line !== undefined ? { line } : {}), message: `${where}: ${issue.message}` };
}

/** What was wrong with a stored settings value: the field (dotted for rules) and why it was reset or dropped. */
export type SettingsProblem = { field: string; problem: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const firstIssue = (e: z.ZodError): string => e.issues[0]?.message ?? "invalid";

/**
 * Settings stored as JSON, read field by field: an unknown key is dropped and an invalid field takes its
 * default, each reported to `onProblem` (a missing one takes its default silently); every valid field is kept as stored. A value that is not a
 * JSON object resets every field (and is reported as such).
 */
export function readSettings(json: string, onProblem?: (p: SettingsProblem) => void): ProjectSettings {
  const out = defaultSettings();
  const report = (field: string, problem: string): void => onProblem?.({ field, problem });
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    report("*", "stored settings are not JSON; every setting takes its default");
    return out;
  }
  if (!isRecord(raw)) {
    report("*", "stored settings are not an object; every setting takes its default");
    return out;
  }
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(fields, key)) report(key, "unknown setting dropped");
  }
  for (const name of SETTING_NAMES) {
    // A missing field is an older version's settings: it takes its default without a word.
    if (!Object.hasOwn(raw, name)) continue;
    const value = raw[name];
    if (name === "ignoreRules") {
      out.ignoreRules = readRules(value, report);
      continue;
    }
    const parsed = fields[name].safeParse(value);
    if (parsed.success) setField(out, name, parsed.data);
    else report(name, `invalid (${firstIssue(parsed.error)}); takes its default`);
  }
  return out;
}

function setField<K extends SettingName>(out: ProjectSettings, name: K, value: unknown): void {
  // value was parsed by fields[name], whose output type is ProjectSettings[K].
  out[name] = value as ProjectSettings[K];
}

function readRules(
  value: unknown,
  report: (field: string, problem: string) => void,
): ProjectSettings["ignoreRules"] {
  const rules = defaultSettings().ignoreRules;
  if (!isRecord(value)) {
    report("ignoreRules", "not an object; every ignore rule takes its default");
    return rules;
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(ruleFields, key)) report(`ignoreRules.${key}`, "unknown setting dropped");
  }
  for (const name of RULE_NAMES) {
    if (!Object.hasOwn(value, name)) continue;
    const parsed = ruleFields[name].safeParse(value[name]);
    if (parsed.success) rules[name] = parsed.data;
    else report(`ignoreRules.${name}`, `invalid (${firstIssue(parsed.error)}); takes its default`);
  }
  return rules;
}
