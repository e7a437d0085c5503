// The project opt-in of the inventory (#18): 'report-sha384' in the script directives of the policies Cinch serves
// and of the install values, and the Integrity-Policy-Report-Only header to paste. Pure.
import { getDirective, parsePolicy, serializePolicy, type Directive } from "../policy/csp.ts";

/** The keyword: Chromium (133+) then sends a csp-hash report, with the script's SHA-384, for every external script. */
export const REPORT_HASH_KEYWORD = "'report-sha384'";

const REPORT_HASH_KEYWORDS = new Set(["'report-sha256'", "'report-sha384'", "'report-sha512'"]);

const add = (d: Directive): void => {
  const lower = d.values.map((v) => v.toLowerCase());
  // Already asking for hashes; or 'none': no script runs, and a keyword beside 'none' would end its meaning.
  if (lower.some((v) => REPORT_HASH_KEYWORDS.has(v)) || (lower.length === 1 && lower[0] === "'none'")) return;
  d.values.push(REPORT_HASH_KEYWORD);
};

/**
 * The policy with 'report-sha384' in what governs external scripts: script-src-elem and script-src where present;
 * when only default-src governs scripts, a script-src copying default-src's sources plus the keyword (the same
 * sources apply, so nothing is allowed or blocked that was not before). A policy that does not restrict scripts is
 * returned as it is (a csp-hash report needs a script directive). Other directives keep their order and spelling.
 */
export function withReportHashes(policy: string): string {
  const parsed = parsePolicy(policy);
  const elem = getDirective(parsed, "script-src-elem");
  const script = getDirective(parsed, "script-src");
  if (elem) add(elem);
  if (script) add(script);
  if (!elem && !script) {
    const fallback = getDirective(parsed, "default-src");
    if (!fallback) return policy;
    const copy: Directive = { name: "script-src", values: [...fallback.values] };
    add(copy);
    if (copy.values.length === fallback.values.length) return policy;
    parsed.directives.splice(parsed.directives.indexOf(fallback) + 1, 0, copy);
  }
  return serializePolicy(parsed);
}

/** The Integrity-Policy-Report-Only header value reporting scripts without SRI to the report-to group. */
export const integrityPolicyReportOnly = (group: string): string =>
  `blocked-destinations=(script), endpoints=(${group})`;
