// The script inventory's project settings (#18): schemas merged into server/projects/settings.ts's table.
import { z } from "zod";

/** A payment-page path pattern: starts with `/`, `*` matches any characters (query strings are never matched). */
const paymentPage = z
  .string()
  .max(300)
  .regex(/^\/[^\s?#]*$/, "must be a path pattern such as /checkout/* (no query, no fragment)");

/** Each inventory setting's schema, with no default (server/projects/settings.ts gives the defaults). */
export const scriptSettingFields = {
  /** Put 'report-sha384' in the script directive of the policies Cinch serves and of the install values. */
  reportScriptHashes: z.boolean(),
  /** Path patterns of the payment pages; the inventory filters to scripts seen on them. */
  paymentPages: z.array(paymentPage).max(100),
  /** Days without a sighting after which a script gets a script-gone event. */
  scriptGoneDays: z.number().int().min(1).max(365),
};

/** Whether a page path matches one of the payment-page patterns (`*` = any characters, else exact). */
export function isPaymentPath(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globToRegExp(p).test(path));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}
