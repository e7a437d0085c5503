// Short forms for crowded table cells: browsers by family, a page by its path. The full text stays available (a
// title on hover, the expanded cell on focus, the group page), so nothing is lost by shortening.

/** "Chrome 131" → "Chrome"; "Samsung Internet 27" → "Samsung Internet"; a name without a version as is. */
export function browserFamily(browser: string): string {
  return browser.replace(/\s+\d[\w.]*$/, "") || browser;
}

/**
 * A group's browsers as families, in first-seen order, at most `max` named and the rest counted:
 * ["Chrome 131", "Chrome 130", "Safari 18", "Firefox 133"] with max 2 → { shown: ["Chrome", "Safari"], more: 1 }.
 */
export function compactBrowsers(browsers: readonly string[], max = 2): { shown: string[]; more: number } {
  const families = [...new Set(browsers.map(browserFamily))];
  return { shown: families.slice(0, max), more: Math.max(0, families.length - max) };
}

/** A page URL without its origin when it parses ("/checkout?step=2"), else the text as sent. */
export function pagePath(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return url;
    return `${u.pathname}${u.search}` || "/";
  } catch {
    return url;
  }
}
