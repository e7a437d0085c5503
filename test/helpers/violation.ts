// A stored-shape violation for tests: a blocked script on a site page, every field set, `over` on top.
import type { Violation } from "../../server/reports/types.ts";

export const violation = (over: Partial<Violation> = {}): Violation => ({
  directive: "script-src-elem",
  blocked: "https://cdn.example/a.js",
  blockedKey: "https://cdn.example",
  documentUrl: "https://site.example/",
  disposition: "enforce",
  sourceFile: "",
  line: null,
  column: null,
  sample: "",
  statusCode: 200,
  browser: "Chrome 131",
  noise: null,
  ...over,
});
