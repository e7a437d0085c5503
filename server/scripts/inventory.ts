// The inventory's rules (#18), pure: what a stored script's hashes, integrity reports and pages say (hashable, SRI,
// payment page), the SRI tag to paste, the advice when there is none, and the list filters.
import { isPaymentPath } from "./settings.ts";
import { pathOf } from "./sighting.ts";

/** Review states, in the order listings count them. */
export const SCRIPT_STATUSES = ["new", "authorized", "rejected", "changed"] as const;
export type ScriptStatus = (typeof SCRIPT_STATUSES)[number];
export const isScriptStatus = (s: unknown): s is ScriptStatus =>
  (SCRIPT_STATUSES as readonly unknown[]).includes(s);

/** Change-log kinds; script-new and script-changed are also alert kinds. */
export const SCRIPT_EVENT_KINDS = [
  "script-new",
  "script-changed",
  "script-gone",
  "script-no-sri",
  "script-reviewed",
] as const;
export type ScriptEventKind = (typeof SCRIPT_EVENT_KINDS)[number];
export const isScriptEventKind = (s: unknown): s is ScriptEventKind =>
  (SCRIPT_EVENT_KINDS as readonly unknown[]).includes(s);

/** What the rules read of a stored script (server/store/scripts.ts's ScriptRecord has these fields). */
export type InventoryScript = {
  url: string;
  origin: string;
  status: string;
  lastSeen: number;
  noSriFirstSeen: number | null;
  noSriLastSeen: number | null;
  hashes: readonly { hash: string; firstSeen: number; lastSeen: number }[];
  pages: readonly { url: string }[];
};

const DAY_MS = 86_400_000;

/** The stored status as a ScriptStatus ("new" for anything unknown). */
export const statusOf = (s: InventoryScript): ScriptStatus => (isScriptStatus(s.status) ? s.status : "new");

/** Hashes the browser computed (the "" rows record fetches without CORS), most recently seen first. */
export const realHashes = (s: InventoryScript) => s.hashes.filter((h) => h.hash !== "");

/**
 * Whether the browser can hash it: the most recent csp-hash carried a hash (true) or was empty (false: a
 * cross-origin script fetched without CORS); null before any csp-hash.
 */
export function hashable(s: InventoryScript): boolean | null {
  const empty = s.hashes.find((h) => h.hash === "");
  const real = realHashes(s);
  if (!empty && real.length === 0) return null;
  if (!empty) return true;
  if (real.length === 0) return false;
  return Math.max(...real.map((h) => h.lastSeen)) >= empty.lastSeen;
}

/**
 * SRI as the integrity-violation reports tell it: false while they keep coming (one within the day before the
 * script's last sighting), true when they stopped while the script is still seen (SRI was added), null when none came
 * (it has SRI, or the page sends no Integrity-Policy-Report-Only: Cinch cannot tell which).
 */
export function sri(s: InventoryScript): boolean | null {
  if (s.noSriLastSeen === null) return null;
  return s.noSriLastSeen < s.lastSeen - DAY_MS;
}

/** Whether one of its pages is a payment page under the project's patterns. */
export const onPaymentPage = (s: InventoryScript, paymentPages: readonly string[]): boolean =>
  paymentPages.length > 0 && s.pages.some((p) => isPaymentPath(pathOf(p.url), paymentPages));

/** Whether a page URL is a payment page. */
export const isPaymentPage = (url: string, paymentPages: readonly string[]): boolean =>
  paymentPages.length > 0 && isPaymentPath(pathOf(url), paymentPages);

const escapeAttr = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * The tag to paste for a script with exactly one hash seen that the browser can hash, and not grouped by a pattern
 * (a pattern's versions differ): `<script src="…" integrity="sha384-…" crossorigin="anonymous"></script>`.
 */
export function sriTag(s: InventoryScript): string | null {
  const real = realHashes(s);
  if (real.length !== 1 || hashable(s) !== true || s.url.includes("*")) return null;
  return `<script src="${escapeAttr(s.url)}" integrity="${escapeAttr(real[0]!.hash)}" crossorigin="anonymous"></script>`;
}

/** What to change, or why there is no tag: a sentence, or null when the tag is there and nothing else is asked. */
export function advice(s: InventoryScript): string | null {
  const h = hashable(s);
  if (h === false)
    return (
      "The browser could not hash this cross-origin script: it was fetched without CORS. Add " +
      'crossorigin="anonymous" to its <script> tag and have its server send Access-Control-Allow-Origin ' +
      "(your origin, or *), then its hash (and SRI) can be checked."
    );
  if (h === null)
    return "No csp-hash report yet: add 'report-sha384' to the script-src directive (project setting reportScriptHashes).";
  if (s.url.includes("*"))
    return "Grouped by a URL pattern: each version has its own hash; pin SRI per version on the page that loads it.";
  const count = realHashes(s).length;
  if (count > 1)
    return `${count} different hashes were seen: the file changes (or differs per visitor), so a fixed integrity value would block it. Pin a versioned URL first.`;
  return null;
}

/** List filters (GET /api/projects/:id/scripts query). */
export type ScriptFilter = {
  status?: ScriptStatus | undefined;
  payment?: boolean | undefined;
  origin?: string | undefined;
  missingSri?: boolean | undefined;
  changed?: boolean | undefined;
};

/** Whether a script passes the filters (all given ones must hold). */
export function matchesFilter(s: InventoryScript, f: ScriptFilter, paymentPages: readonly string[]): boolean {
  if (f.status !== undefined && statusOf(s) !== f.status) return false;
  if (f.payment && !onPaymentPage(s, paymentPages)) return false;
  if (f.origin !== undefined && s.origin !== f.origin) return false;
  if (f.missingSri && sri(s) !== false) return false;
  if (f.changed && statusOf(s) !== "changed" && realHashes(s).length < 2) return false;
  return true;
}
