// From parsed script reports to what the writer stores (#18): each report becomes a sighting of one inventory
// entry (its URL, or the accepted pattern it falls under) on one page. Pure.
import type { ScriptReport } from "../reports/wire-scripts.ts";
import { isPaymentPath } from "./settings.ts";
import { patternFor } from "./patterns.ts";

/** One script report as the writer aggregates it. */
export type ScriptSighting = {
  /** The inventory key: the script URL, or the accepted pattern grouping it. */
  url: string;
  origin: string;
  /** The page (document URL without query or fragment); "" when the report named none. */
  page: string;
  /** The page matches the project's payment-page patterns. */
  payment: boolean;
  /** csp-hash: the SRI hash, "" when the browser could not hash it (no CORS). integrity-violation: null. */
  hash: string | null;
  /** An integrity-violation: loaded without SRI. */
  noSri: boolean;
};

/** What the project's settings and accepted patterns decide about its sightings. */
export type SightingRules = { paymentPages: readonly string[]; patterns: readonly { pattern: string }[] };

/** The path of a canonical page URL ("" when it is not one). */
export function pathOf(url: string): string {
  const m = /^https?:\/\/[^/]+(\/[^?#]*)?$/.exec(url);
  return m ? (m[1] ?? "/") : "";
}

/** The origin of a canonical http(s) URL. */
export function originOf(url: string): string {
  const m = /^(https?:\/\/[^/]+)/.exec(url);
  return m ? m[1]! : "";
}

/** Sightings of a request's script reports. */
export function sightingsOf(reports: readonly ScriptReport[], rules: SightingRules): ScriptSighting[] {
  return reports.map((r) => {
    const pattern = patternFor(r.url, rules.patterns);
    const page = r.documentUrl;
    return {
      url: pattern ? pattern.pattern : r.url,
      origin: originOf(r.url),
      page,
      payment:
        page !== "" && rules.paymentPages.length > 0 && isPaymentPath(pathOf(page), rules.paymentPages),
      hash: r.type === "csp-hash" ? r.hash : null,
      noSri: r.type === "integrity-violation",
    };
  });
}
