// Why a report is noise, in words (#16: the Noise table showed raw ids such as `unknown-directive`). The ids are
// server/reports/types.ts's NOISE_REASONS; an id this table does not know is shown as sent. A Map: the id comes
// from stored data and "constructor" must not resolve.

const NOISE_TEXT: ReadonlyMap<string, { label: string; description: string }> = new Map([
  [
    "extension",
    {
      label: "Browser extension",
      description: "The blocked resource or script belonged to a browser extension, not to your site.",
    },
  ],
  [
    "injector",
    {
      label: "Injected software",
      description: "Came from a host of known adware or injected software on the visitor's machine.",
    },
  ],
  [
    "browser-internal",
    {
      label: "Browser internals",
      description: "A browser-internal scheme or page (about:, chrome:, translation and reader views).",
    },
  ],
  [
    "ignore-rule",
    { label: "Your ignore rule", description: "Matched one of this project's ignore rules (Settings)." },
  ],
  [
    "unknown-directive",
    { label: "Not a directive", description: "The report named no CSP directive (junk or a forged report)." },
  ],
  [
    "test-report",
    { label: "Test report", description: "Sent by the Send a test report button; kept out of the policy." },
  ],
]);

/** The label and explanation of a noise reason id (the id itself when unknown). */
export function noiseText(id: string): { label: string; description: string } {
  return NOISE_TEXT.get(id) ?? { label: id, description: `Classified as noise: ${id}.` };
}
