// Evidence bookkeeping: merge groups into the counts, pages and samples behind a suggestion.
import type { Evidence } from "./build-types.ts";
import type { PolicyGroup } from "./groups.ts";

const MAX_PAGES = 20;
const MAX_SAMPLES = 5;

/** Empty evidence (for removals nothing reported). */
export function emptyEvidence(): Evidence {
  return { count: 0, pages: [], firstSeen: 0, lastSeen: 0, samples: [] };
}

/** Add one group's counts, pages and samples to `e` (pages and samples capped, sorted pages). */
export function addEvidence(e: Evidence, g: PolicyGroup): void {
  e.firstSeen = e.count === 0 ? g.firstSeen : Math.min(e.firstSeen, g.firstSeen);
  e.lastSeen = e.count === 0 ? g.lastSeen : Math.max(e.lastSeen, g.lastSeen);
  e.count += g.count;
  for (const p of g.pages) if (!e.pages.includes(p)) e.pages.push(p);
  // Sorting allocates even when nothing moves; the list is usually still in order.
  if (!isSorted(e.pages)) e.pages.sort();
  if (e.pages.length > MAX_PAGES) e.pages.length = MAX_PAGES;
  for (const s of g.samples) if (e.samples.length < MAX_SAMPLES) e.samples.push(s);
}

/** Is the list in the order of the default sort (UTF-16 code units, what `<` compares for strings)? */
function isSorted(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]! > list[i]!) return false;
  return true;
}

/** Does the evidence meet the threshold? */
export function meetsThreshold(e: Evidence, minCount: number, minPages: number): boolean {
  return e.count >= minCount && e.pages.length >= minPages;
}

/** The page a group was reported from: its origin is the group's 'self'. */
export function pageOf(g: PolicyGroup): string | undefined {
  return g.pages[0] ?? g.samples[0]?.documentUrl;
}
