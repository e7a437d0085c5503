// Browser label ("Chrome 156") from a User-Agent string, via bowser, memoized for batch ingest.
import Bowser from "bowser";

const MAX_UA_LENGTH = 512;
const CACHE_LIMIT = 512;
// A batch carries one UA per entry, nearly always the same one: memoize so bowser's regex table runs once
// per distinct UA. Bounded: cleared when full, so a flood of unique UAs cannot grow memory.
const cache = new Map<string, string>();

/** "<Family> <major>" for a User-Agent (e.g. "Firefox 128"), "" when absent or unrecognized. */
export function browserLabel(userAgent: string | undefined): string {
  if (userAgent === undefined) return "";
  const ua = userAgent.length > MAX_UA_LENGTH ? userAgent.slice(0, MAX_UA_LENGTH) : userAgent;
  if (ua.trim() === "") return ""; // bowser throws on an empty UA
  const hit = cache.get(ua);
  if (hit !== undefined) return hit;
  let label = "";
  try {
    const { name, version } = Bowser.parse(ua).browser;
    const major = version?.split(".")[0] ?? "";
    if (name) label = major ? `${name} ${major}` : name;
  } catch {
    label = "";
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ua, label);
  return label;
}
