// Records every securitypolicyviolation event fired on any page of a browser context (installed before page scripts).
import type { BrowserContext } from "playwright-core";

/** Start recording; the returned array fills as violations fire (`directive blockedURI sample`). */
export async function recordCspViolations(context: BrowserContext): Promise<string[]> {
  const seen: string[] = [];
  await context.exposeBinding("__cinchCspViolation", (_source, detail: string) => {
    seen.push(detail);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const w = window as unknown as { __cinchCspViolation: (d: string) => void };
      w.__cinchCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  return seen;
}
