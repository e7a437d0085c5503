// Parse and serialize CSP policies (CSP3 §2.2): lower-cased names, first duplicate wins, `;` and `,`.
import { fallbackChain, isDeprecatedDirective, isKnownDirective, takesSourceList } from "./directives.ts";
import { parsedSource } from "./source.ts";

/** One directive: a lower-case name and its whitespace-separated values, as written. */
export type Directive = { name: string; values: string[] };

export const POLICY_ISSUE_KINDS = [
  "duplicate",
  "unknown",
  "deprecated",
  "invalid-name",
  "invalid-source",
  "multiple-policies",
] as const;
export type PolicyIssueKind = (typeof POLICY_ISSUE_KINDS)[number];

/**
 * Something the parser noticed and kept (unknown, deprecated, invalid-source: browsers ignore such a source)
 * or dropped (duplicate, invalid-name). `value` is the offending source of an invalid-source issue.
 */
export type PolicyIssue = { kind: PolicyIssueKind; directive: string; message: string; value?: string };

/** A parsed policy: directives in source order, plus what the parser flagged. */
export type Policy = { directives: Directive[]; issues: PolicyIssue[] };

// CSP3 §2.2.1: ASCII whitespace is TAB, LF, FF, CR and SPACE.
const ASCII_WS = /[\t\n\f\r ]+/;
const DIRECTIVE_NAME = /^[a-z0-9-]+$/;

/**
 * Parse one serialized policy (CSP3 §2.2.1 "parse a serialized CSP"). A `,` separates policies in a
 * header (§2.2.2); only the first is returned here, with a "multiple-policies" issue — use
 * parsePolicyList to get them all.
 */
export function parsePolicy(text: string): Policy {
  const [first, ...rest] = parsePolicyList(text);
  const policy = first ?? { directives: [], issues: [] };
  if (rest.length > 0) {
    policy.issues.push({
      kind: "multiple-policies",
      directive: "",
      message: `the value holds ${rest.length + 1} comma-separated policies; only the first was parsed`,
    });
  }
  return policy;
}

/** Parse a header value that may hold several comma-separated policies (CSP3 §2.2.2); all apply. */
export function parsePolicyList(text: string): Policy[] {
  return text
    .split(",")
    .filter((part) => part.trim() !== "")
    .map(parseSingle);
}

function parseSingle(text: string): Policy {
  const directives: Directive[] = [];
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  for (const token of text.split(";")) {
    const parts = token.split(ASCII_WS).filter((p) => p !== "");
    const [rawName, ...values] = parts;
    if (rawName === undefined) continue;
    // Directive names are ASCII case-insensitive (§2.2.1 step 2.4).
    const name = rawName.toLowerCase();
    if (!DIRECTIVE_NAME.test(name)) {
      issues.push({
        kind: "invalid-name",
        directive: name,
        message: `"${rawName}" is not a valid directive name`,
      });
      continue;
    }
    // §2.2.1 step 2.5: a duplicate directive is ignored; the first one wins.
    if (seen.has(name)) {
      issues.push({
        kind: "duplicate",
        directive: name,
        message: `duplicate ${name} ignored (the first one wins)`,
      });
      continue;
    }
    seen.add(name);
    directives.push({ name, values });
    // CSP3 §2.3.1: a token outside the source grammar is ignored by browsers; said here, once per token.
    if (takesSourceList(name)) {
      for (const value of values) {
        if (parsedSource(value).kind !== "invalid") continue;
        issues.push({
          kind: "invalid-source",
          directive: name,
          value,
          message: `${name}: ${JSON.stringify(value)} is not a valid source expression`,
        });
      }
    }
    if (isDeprecatedDirective(name)) {
      issues.push({ kind: "deprecated", directive: name, message: `${name} is obsolete` });
    } else if (!isKnownDirective(name)) {
      issues.push({ kind: "unknown", directive: name, message: `${name} is not a CSP3 directive` });
    }
  }
  return { directives, issues };
}

/**
 * Why a policy cannot be saved as a version, or null when it parses cleanly: the first source outside the
 * CSP grammar or the first invalid directive name, naming the directive and the exact token.
 */
export function policySyntaxError(text: string): string | null {
  for (const p of parsePolicyList(text)) {
    const bad = p.issues.find((i) => i.kind === "invalid-source" || i.kind === "invalid-name");
    if (bad) return bad.message;
  }
  return null;
}

/** Serialize a policy: `name v1 v2; name2 ...` in the policy's own order. */
export function serializePolicy(policy: Pick<Policy, "directives">): string {
  return policy.directives
    .map((d) => (d.values.length > 0 ? `${d.name} ${d.values.join(" ")}` : d.name))
    .join("; ");
}

/** The directive with this name, or undefined. */
export function getDirective(policy: Pick<Policy, "directives">, name: string): Directive | undefined {
  return policy.directives.find((d) => d.name === name);
}

/**
 * The directive that governs `directive` through its fallback chain (CSP3 §6.8.4), or undefined when
 * nothing governs it (the type is unrestricted).
 */
export function effectiveDirective(
  policy: Pick<Policy, "directives">,
  directive: string,
): Directive | undefined {
  for (const name of fallbackChain(directive)) {
    const found = getDirective(policy, name);
    if (found) return found;
  }
  return undefined;
}

/** A deep copy, so builders can edit without touching the input. */
export function clonePolicy(policy: Policy): Policy {
  return {
    directives: policy.directives.map((d) => ({ name: d.name, values: [...d.values] })),
    issues: policy.issues.map((i) => ({ ...i })),
  };
}

/** Replace or append a directive's values. */
export function setDirective(policy: Pick<Policy, "directives">, name: string, values: string[]): void {
  const found = getDirective(policy, name);
  if (found) found.values = values;
  else policy.directives.push({ name, values });
}
