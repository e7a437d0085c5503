// The package version, read once from package.json (one directory up from server/ and from dist/ alike).
import { readFileSync } from "node:fs";

/** Cinch's version, as package.json says. */
export const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
