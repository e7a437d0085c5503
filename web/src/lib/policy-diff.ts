// Directive-level diff of two CSP strings for the builder's side-by-side view (pure; no policy engine import:
// web/ may import only types from the server).

export type DirectiveValue = { value: string; change: "added" | "removed" | "same" };
export type DirectiveDiff = {
  name: string;
  change: "added" | "removed" | "changed" | "same";
  values: DirectiveValue[];
};

/** Parse a policy into directives (lower-cased names, first occurrence wins as in CSP3 §2.2.1). */
export function parseDirectives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    const name = tokens[0]?.toLowerCase();
    if (!name || out.has(name)) continue;
    out.set(name, tokens.slice(1));
  }
  return out;
}

/** Compare two policies directive by directive; candidate order first, then directives only in `current`. */
export function diffPolicies(current: string, candidate: string): DirectiveDiff[] {
  const a = parseDirectives(current);
  const b = parseDirectives(candidate);
  const out: DirectiveDiff[] = [];
  for (const [name, values] of b) {
    const before = a.get(name);
    if (!before) {
      out.push({ name, change: "added", values: values.map((value) => ({ value, change: "added" })) });
      continue;
    }
    const vals: DirectiveValue[] = values.map((value) => ({
      value,
      change: before.includes(value) ? "same" : "added",
    }));
    for (const value of before) if (!values.includes(value)) vals.push({ value, change: "removed" });
    out.push({ name, change: vals.every((v) => v.change === "same") ? "same" : "changed", values: vals });
  }
  for (const [name, values] of a) {
    if (!b.has(name))
      out.push({ name, change: "removed", values: values.map((value) => ({ value, change: "removed" })) });
  }
  return out;
}

/** Counts for the diff's summary line. */
export function diffSummary(diff: DirectiveDiff[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const d of diff) {
    for (const v of d.values) {
      if (v.change === "added") added++;
      if (v.change === "removed") removed++;
    }
    if (d.values.length === 0 && d.change === "added") added++;
    if (d.values.length === 0 && d.change === "removed") removed++;
  }
  return { added, removed };
}
