// csp_evaluator's default and strict-CSP checks, mapped to Cinch findings (the only file importing it).
import { CspEvaluator, DEFAULT_CHECKS, STRICTCSP_CHECKS } from "csp_evaluator/dist/evaluator.js";
import { Csp, Directive, Keyword, Version } from "csp_evaluator/dist/csp.js";
import { Finding as EvalFinding, Severity as EvalSeverity, Type } from "csp_evaluator/dist/finding.js";
import {
  checkIpSource,
  checkScriptAllowlistBypass,
  looksLikeIpAddress,
} from "csp_evaluator/dist/checks/security_checks.js";
import { checkMissingSemicolon } from "csp_evaluator/dist/checks/parser_checks.js";
import { URLS as ANGULAR_URLS } from "csp_evaluator/dist/allowlist_bypasses/angular.js";
import {
  NEEDS_EVAL as JSONP_NEEDS_EVAL,
  URLS as JSONP_URLS,
} from "csp_evaluator/dist/allowlist_bypasses/jsonp.js";
import { applyCheckFunktionToDirectives, getHostname, getSchemeFreeUrl } from "csp_evaluator/dist/utils.js";
import { CspParser } from "csp_evaluator/dist/parser.js";
import type { Finding, Severity } from "./findings.ts";
import { KEYWORDS } from "./source.ts";

// Severity HIGH 10 … INFO 60 (csp-evaluator finding.ts) → ours, and what each costs the grade.
// MEDIUM_MAYBE ("'self' / this host may serve JSONP") and STRICT_CSP ("consider strict-dynamic")
// cost little: an allowlist policy on 'self' and explicit origins must still be able to reach A.
const SEVERITY_MAP: Record<number, { severity: Severity; points: number }> = {
  [EvalSeverity.HIGH]: { severity: "high", points: 25 },
  [EvalSeverity.SYNTAX]: { severity: "syntax", points: 5 },
  [EvalSeverity.MEDIUM]: { severity: "medium", points: 10 },
  [EvalSeverity.HIGH_MAYBE]: { severity: "medium", points: 10 },
  [EvalSeverity.STRICT_CSP]: { severity: "low", points: 2 },
  [EvalSeverity.MEDIUM_MAYBE]: { severity: "low", points: 1 },
  [EvalSeverity.INFO]: { severity: "info", points: 0 },
};

// csp-evaluator 1.1.8 predates these CSP3 keywords and flags them as invalid (docs/architecture.md "Grading").
const KNOWN_KEYWORDS = new Set<string>(KEYWORDS);

// csp_evaluator's csp.isKeyword / isDirective / isUrlScheme build an array or a RegExp on every call (once
// per source of the policy, several times): the same tests on a Set and a compiled RegExp.
const EVAL_KEYWORDS = new Set<string>(Object.values(Keyword));
const EVAL_DIRECTIVES = new Set<string>(Object.values(Directive));
const URL_SCHEME = /^[a-zA-Z][+a-zA-Z0-9.-]*:$/;

/** csp_evaluator's parser normalizeDirectiveValue. */
function normalizeDirectiveValue(directiveValue: string): string {
  directiveValue = directiveValue.trim();
  const directiveValueLower = directiveValue.toLowerCase();
  if (EVAL_KEYWORDS.has(directiveValueLower) || URL_SCHEME.test(directiveValue)) return directiveValueLower;
  return directiveValue;
}

/**
 * csp_evaluator's CspParser.parse, with a Set for de-duplicating values: the original's `includes` is
 * quadratic in a directive's length (seconds on a 10,000-source list). Same result, same Csp class, except
 * that a value csp_evaluator cannot parse as a URL (`a>b`, `https://[::1`, `x:y:z`: its checks call
 * `new URL` on every source and throw) is left out and named in `skipped` instead.
 */
export function parseForEvaluator(
  unparsedCsp: string,
  skipped: { directive: string; value: string }[] = [],
): Csp {
  const csp = new Csp();
  for (const token of unparsedCsp.split(";")) {
    const parts = token.trim().match(/\S+/g);
    if (!Array.isArray(parts)) continue;
    const name = parts[0]!.toLowerCase();
    // csp_evaluator's parser tests `name in directives` on a plain object: an inherited name ("constructor")
    // counts as already seen and is dropped. Kept so (the reference test compares), and said so.
    if (name in csp.directives) continue;
    const values: string[] = [];
    const seen = new Set<string>();
    for (let j = 1; j < parts.length; j++) {
      const value = normalizeDirectiveValue(parts[j]!);
      if (seen.has(value)) continue;
      seen.add(value);
      if (hostnameOf(value) === null) skipped.push({ directive: name, value });
      else values.push(value);
    }
    csp.directives[name] = values;
  }
  return csp;
}

/** csp_evaluator's checkMissingSemicolon (parser_checks.ts), with isDirective on a Set. */
function fastMissingSemicolon(parsedCsp: Csp): EvalFinding[] {
  const findings: EvalFinding[] = [];
  for (const [directive, directiveValues] of Object.entries(parsedCsp.directives)) {
    if (directiveValues === undefined) continue;
    for (const value of directiveValues) {
      if (EVAL_DIRECTIVES.has(value)) {
        findings.push(
          new EvalFinding(
            Type.MISSING_SEMICOLON,
            "Did you forget the semicolon? " + '"' + value + '" seems to be a directive, not a value.',
            EvalSeverity.SYNTAX,
            directive,
            value,
          ),
        );
      }
    }
  }
  return findings;
}

// csp_evaluator's utils.matchWildcardUrls parses its whole bypass list (164 URLs) on every call, i.e. for
// every script source, and the source itself once per list; here both are parsed once. Same logic.
const setScheme = (u: string) => (u.startsWith("//") ? u.replace("//", "https://") : u);
// URL getters build a new string per access: each entry's hostname and pathname are read once.
type ListUrl = { url: URL; hostname: string; pathname: string };
const listUrl = (u: string): ListUrl => {
  const url = new URL(setScheme(u));
  return { url, hostname: url.hostname, pathname: url.pathname };
};
const ANGULAR = ANGULAR_URLS.map(listUrl);
const JSONP = JSONP_URLS.map(listUrl);

type CspUrl = { host: string; hostHasWildcard: boolean; wildcardFreeHost: string; path: string };

function parseCspUrl(cspUrlString: string): CspUrl {
  const cspUrl = new URL(setScheme(cspUrlString.replace(":*", "").replace("*", "wildcard_placeholder")));
  const host = cspUrl.hostname.toLowerCase();
  return {
    host,
    hostHasWildcard: host.startsWith("wildcard_placeholder."),
    // Sic: `\w` + "ildcard_placeholder", as in csp_evaluator.
    wildcardFreeHost: host.replace(/^\wildcard_placeholder/i, ""),
    path: cspUrl.pathname,
  };
}

function matchWildcardUrls(csp: CspUrl, listOfUrls: readonly ListUrl[]): URL | null {
  const { host, hostHasWildcard, wildcardFreeHost, path } = csp;
  const hasPath = path !== "/";
  for (const { url, hostname, pathname } of listOfUrls) {
    const domain = hostname;
    if (!domain.endsWith(wildcardFreeHost)) continue;
    if (!hostHasWildcard && host !== domain) continue;
    if (hasPath) {
      if (path.endsWith("/")) {
        if (!pathname.startsWith(path)) continue;
      } else if (pathname !== path) {
        continue;
      }
    }
    return url;
  }
  return null;
}

/** csp_evaluator's checkScriptAllowlistBypass (security_checks.ts), with the bypass lists parsed once. */
function fastScriptAllowlistBypass(parsedCsp: Csp): EvalFinding[] {
  const violations: EvalFinding[] = [];
  parsedCsp
    .getEffectiveDirectives([Directive.SCRIPT_SRC, Directive.SCRIPT_SRC_ELEM])
    .forEach((effectiveScriptSrcDirective) => {
      const scriptSrcValues = parsedCsp.directives[effectiveScriptSrcDirective] || [];
      if (scriptSrcValues.includes(Keyword.NONE)) return;
      for (const value of scriptSrcValues) {
        if (value === Keyword.SELF) {
          violations.push(
            new EvalFinding(
              Type.SCRIPT_ALLOWLIST_BYPASS,
              `'self' can be problematic if you host JSONP, AngularJS or user ` + "uploaded files.",
              EvalSeverity.MEDIUM_MAYBE,
              effectiveScriptSrcDirective,
              value,
            ),
          );
          continue;
        }
        if (value.startsWith("'")) continue;
        if (URL_SCHEME.test(value) || value.indexOf(".") === -1) continue;
        const url = parseCspUrl("//" + getSchemeFreeUrl(value));
        const angularBypass = matchWildcardUrls(url, ANGULAR);
        let jsonpBypass = matchWildcardUrls(url, JSONP);
        if (jsonpBypass) {
          const evalRequired = JSONP_NEEDS_EVAL.includes(jsonpBypass.hostname);
          const evalPresent = scriptSrcValues.includes(Keyword.UNSAFE_EVAL);
          if (evalRequired && !evalPresent) jsonpBypass = null;
        }
        if (jsonpBypass || angularBypass) {
          let bypassDomain = "";
          let bypassTxt = "";
          if (jsonpBypass) {
            bypassDomain = jsonpBypass.hostname;
            bypassTxt = " JSONP endpoints";
          }
          if (angularBypass) {
            bypassDomain = angularBypass.hostname;
            bypassTxt += bypassTxt.trim() === "" ? "" : " and";
            bypassTxt += " Angular libraries";
          }
          violations.push(
            new EvalFinding(
              Type.SCRIPT_ALLOWLIST_BYPASS,
              bypassDomain + " is known to host" + bypassTxt + " which allow to bypass this CSP.",
              EvalSeverity.HIGH,
              effectiveScriptSrcDirective,
              value,
            ),
          );
        } else {
          violations.push(
            new EvalFinding(
              Type.SCRIPT_ALLOWLIST_BYPASS,
              `No bypass found; make sure that this URL doesn't serve JSONP ` +
                "replies or Angular libraries.",
              EvalSeverity.MEDIUM_MAYBE,
              effectiveScriptSrcDirective,
              value,
            ),
          );
        }
      }
    });
  return violations;
}

// utils.getHostname parses a URL per source; it is a pure function of the source text, asked for every
// source of every policy graded: remembered (bounded), failures too (null: `new URL` threw on it).
const HOSTNAMES = new Map<string, string | null>();
function hostnameOf(value: string): string | null {
  let host = HOSTNAMES.get(value);
  if (host === undefined) {
    try {
      host = getHostname(value);
    } catch {
      host = null;
    }
    if (HOSTNAMES.size >= 100_000) HOSTNAMES.clear();
    HOSTNAMES.set(value, host);
  }
  return host;
}

/** csp_evaluator's checkIpSource (security_checks.ts), with getHostname remembered. */
function fastIpSource(parsedCsp: Csp): EvalFinding[] {
  const violations: EvalFinding[] = [];
  const checkIp = (directive: string, directiveValues: string[]) => {
    for (const value of directiveValues) {
      const host = hostnameOf(value);
      if (host !== null && looksLikeIpAddress(host)) {
        if (host === "127.0.0.1") {
          violations.push(
            new EvalFinding(
              Type.IP_SOURCE,
              directive +
                " directive allows localhost as source. " +
                "Please make sure to remove this in production environments.",
              EvalSeverity.INFO,
              directive,
              value,
            ),
          );
        } else {
          violations.push(
            new EvalFinding(
              Type.IP_SOURCE,
              directive +
                " directive has an IP-Address as source: " +
                host +
                " (will be ignored by browsers!). ",
              EvalSeverity.INFO,
              directive,
              value,
            ),
          );
        }
      }
    }
  };
  applyCheckFunktionToDirectives(parsedCsp, checkIp);
  return violations;
}

const FAST_CHECKS = new Map<unknown, (csp: Csp) => EvalFinding[]>([
  [checkScriptAllowlistBypass, fastScriptAllowlistBypass],
  [checkMissingSemicolon, fastMissingSemicolon],
  [checkIpSource, fastIpSource],
]);
const FAST_DEFAULT_CHECKS = DEFAULT_CHECKS.map((check) => FAST_CHECKS.get(check) ?? check);

/** csp_evaluator's own parser and checks, unchanged: the reference the fast path is tested against. */
export function referenceEvaluatorFindings(policy: string): Finding[] {
  return mapFindings(
    new CspEvaluator(new CspParser(policy).csp, Version.CSP3).evaluate(DEFAULT_CHECKS, STRICTCSP_CHECKS),
  );
}

/**
 * Run csp_evaluator's default and strict-CSP checks (CSP3 version) on one serialized policy. Never throws:
 * a source it cannot parse is an info finding ("unevaluable-source"; the grammar check is Cinch's, see
 * checks.ts), and a check that throws all the same is one too ("evaluator-error"), the others still run.
 */
export function evaluatorFindings(policy: string): Finding[] {
  const skipped: { directive: string; value: string }[] = [];
  const csp = parseForEvaluator(policy, skipped);
  const out: Finding[] = skipped.map(({ directive, value }) => ({
    severity: "info",
    directive,
    value,
    message: `csp_evaluator cannot read ${JSON.stringify(value)} as a source; it was not checked`,
    check: "unevaluable-source",
    origin: "cinch",
    points: 0,
  }));
  // CspEvaluator.evaluate, one guarded check at a time.
  const raw: EvalFinding[] = [];
  const run = (check: (c: Csp) => EvalFinding[], on: Csp) => {
    try {
      raw.push(...check(on));
    } catch (e) {
      out.push({
        severity: "info",
        directive: "",
        value: null,
        message: `csp_evaluator's ${check.name || "check"} failed on this policy: ${e instanceof Error ? e.message : String(e)}`,
        check: "evaluator-error",
        origin: "cinch",
        points: 0,
      });
    }
  };
  let effective: Csp = csp;
  run((c) => {
    const found: EvalFinding[] = [];
    effective = c.getEffectiveCsp(Version.CSP3, found);
    return found;
  }, csp);
  for (const check of FAST_DEFAULT_CHECKS) run(check, csp);
  for (const check of STRICTCSP_CHECKS) run(check, effective);
  return [...mapFindings(raw), ...out];
}

/**
 * csp_evaluator findings whose wording contradicts what Cinch tells the user (#16), restated as information that
 * costs nothing; null for the others.
 * - UNSAFE_INLINE_FALLBACK ("consider adding 'unsafe-inline' … to be backward compatible"): every browser that
 *   supports nonces or hashes ignores 'unsafe-inline' next to them (CSP2 and later, all current browsers), so it
 *   only matters to browsers from before CSP2, and the builder never adds it.
 * - IP_SOURCE ("will be ignored by browsers!"): browsers match an IP-address source like a host name (Chromium
 *   applies it when enforcing); what is worth saying is that an address is a brittle thing to allow.
 */
function restated(f: EvalFinding): string | null {
  if (f.type === Type.UNSAFE_INLINE_FALLBACK) {
    return (
      `${f.directive} has nonces or hashes without 'unsafe-inline'. That is fine: every browser that supports ` +
      "nonces and hashes ignores 'unsafe-inline' next to them, so adding it would only let inline scripts run in " +
      "browsers too old for CSP2. Cinch never adds it."
    );
  }
  if (f.type === Type.IP_SOURCE && f.value !== undefined && !f.description.includes("localhost")) {
    return (
      `${f.directive} allows the IP address ${f.value}. Browsers match it like a host name and apply it when ` +
      "enforcing; prefer a host name, since an address can change hands without your policy changing."
    );
  }
  return null;
}

function mapFindings(raw: EvalFinding[]): Finding[] {
  const out: Finding[] = [];
  for (const f of raw) {
    if (
      f.type === Type.INVALID_KEYWORD &&
      f.value !== undefined &&
      KNOWN_KEYWORDS.has(f.value.toLowerCase())
    ) {
      continue;
    }
    const mapped = SEVERITY_MAP[f.severity] ?? { severity: "info" as const, points: 0 };
    const said = restated(f);
    out.push({
      severity: said ? "info" : mapped.severity,
      directive: f.directive,
      value: f.value ?? null,
      message: said ?? f.description,
      check: Type[f.type] ?? String(f.type),
      origin: "csp_evaluator",
      points: said ? 0 : mapped.points,
    });
  }
  return out;
}

/** True for csp_evaluator's MEDIUM_MAYBE / STRICT_CSP allowlist findings, which grading caps. */
export function isAllowlistAdvice(f: Finding): boolean {
  return f.origin === "csp_evaluator" && (f.severity === "low" || f.severity === "info");
}

/**
 * Does csp_evaluator know `origin` as a script-allowlist bypass (JSONP or AngularJS hosted there)?
 * The builder then allows exact script URLs on it instead of the whole origin (the ladder's lowest rung).
 */
export function isKnownBypassOrigin(origin: string): boolean {
  let known = BYPASS_CACHE.get(origin);
  if (known === undefined) {
    known = evaluatorFindings(`script-src ${origin}; object-src 'none'`).some(
      (f) => f.check === "SCRIPT_ALLOWLIST_BYPASS" && f.severity === "high",
    );
    if (BYPASS_CACHE.size >= BYPASS_CACHE_MAX) BYPASS_CACHE.clear();
    BYPASS_CACHE.set(origin, known);
  }
  return known;
}

// A pure function of the origin, asked once per script origin of every build and every read of a project's groups:
// remembered (bounded). At 10,000 a 20,000-group project emptied it on every read (~25 ms of csp_evaluator per read
// of the groups on the event loop, 2026-12-07); 100,000 origins are ~8 MB.
const BYPASS_CACHE = new Map<string, boolean>();
const BYPASS_CACHE_MAX = 100_000;
