// Cinch's own policy checks, on top of csp_evaluator: framing, forms, base, reporting, redundancy, size.
import { getDirective } from "./csp.ts";
import type { Policy } from "./csp.ts";
import { takesSourceList } from "./directives.ts";
import type { Finding } from "./findings.ts";
import { coveredSources, DEFAULT_SIZE_BUDGET } from "./minify.ts";

function finding(f: Omit<Finding, "origin" | "value"> & { value?: string | null }): Finding {
  return { ...f, value: f.value ?? null, origin: "cinch" };
}

/** Cinch's checks on a parsed policy; `text` is its serialized form (for the size budget). */
export function cinchFindings(policy: Policy, text: string, budget = DEFAULT_SIZE_BUDGET): Finding[] {
  const out: Finding[] = [];
  const has = (name: string) => getDirective(policy, name) !== undefined;
  // frame-ancestors and form-action do not fall back to default-src (CSP3 §6.3.2.1, §6.4.1).
  if (!has("frame-ancestors")) {
    out.push(
      finding({
        severity: "medium",
        directive: "frame-ancestors",
        message:
          "frame-ancestors is missing: any site can frame these pages (clickjacking); it does not fall back to default-src",
        check: "missing-frame-ancestors",
        points: 10,
      }),
    );
  }
  if (!has("form-action")) {
    out.push(
      finding({
        severity: "low",
        directive: "form-action",
        message:
          "form-action is missing: injected forms can post to any site; it does not fall back to default-src",
        check: "missing-form-action",
        points: 3,
      }),
    );
  }
  if (!has("base-uri")) {
    out.push(
      finding({
        severity: "low",
        directive: "base-uri",
        message:
          "base-uri is missing: an injected <base> can re-point relative script URLs; set 'self' or 'none'",
        check: "missing-base-uri",
        points: 3,
      }),
    );
  }
  if (!has("report-uri") && !has("report-to")) {
    out.push(
      finding({
        severity: "low",
        directive: "report-to",
        message: "no report-to or report-uri: violations will go unnoticed",
        check: "missing-reporting",
        points: 3,
      }),
    );
  } else if (!has("report-uri")) {
    out.push(
      finding({
        severity: "info",
        directive: "report-uri",
        message:
          "report-to without report-uri: browsers without the Reporting API (Firefox, Safari) send nothing",
        check: "report-to-only",
        points: 0,
      }),
    );
  }
  for (const d of policy.directives) {
    if (!takesSourceList(d.name)) continue;
    for (const c of coveredSources(d.values)) {
      out.push(
        finding({
          severity: "low",
          directive: d.name,
          value: c.source,
          message: `${c.source} is covered by ${c.by} in ${d.name}: the minifier drops it`,
          check: "covered-source",
          points: 1,
        }),
      );
    }
  }
  for (const issue of policy.issues) {
    // A quoted unknown word is csp_evaluator's INVALID_KEYWORD already; every other bad token is ours.
    if (issue.kind === "invalid-source" && !issue.value?.startsWith("'")) {
      out.push(
        finding({
          severity: "syntax",
          directive: issue.directive,
          value: issue.value,
          message: `${issue.message}: browsers ignore it`,
          check: "invalid-source",
          points: 5,
        }),
      );
    } else if (
      issue.kind === "duplicate" ||
      issue.kind === "invalid-name" ||
      issue.kind === "multiple-policies"
    ) {
      out.push(
        finding({
          severity: "syntax",
          directive: issue.directive,
          message: issue.message,
          check: issue.kind,
          points: 5,
        }),
      );
    } else if (issue.kind === "deprecated") {
      out.push(
        finding({
          severity: "low",
          directive: issue.directive,
          message: issue.message,
          check: "deprecated",
          points: 1,
        }),
      );
    }
  }
  if (text.length > budget) {
    out.push(
      finding({
        severity: "medium",
        directive: "",
        message: `policy is ${text.length} characters, over the ${budget}-character budget (proxies and CDNs cut long headers)`,
        check: "over-budget",
        points: 10,
      }),
    );
  }
  return out;
}
