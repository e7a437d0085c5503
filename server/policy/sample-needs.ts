// Which groups the engine reads every sample of. Most groups are decided by their origin alone; the samples only
// matter for inline code, eval and other non-URL groups (hashes, attribute checks), for script origins
// csp_evaluator knows as bypass hosts (narrowed to the exact script URLs reported), and for hosts a policy names
// with a path (a path source allows some of a host's URLs and not others). The shell loads the whole sample ring
// for these groups and none (or a few, for evidence) for the rest.
import { parsePolicyList } from "./csp.ts";
import { takesSourceList } from "./directives.ts";
import { isKnownBypassOrigin } from "./evaluate.ts";
import { parseSource } from "./source.ts";

/** A test for group keys (`blocked`): does any of the policies name this group's host with a path? */
export type PathHostTest = (blocked: string) => boolean;

/** The test of policies that name no host with a path (pathSourceHosts answers this one). */
export const NO_PATH_HOSTS: PathHostTest = () => false;

/** The hosts (and `*.suffix` wildcards) the policies name with a non-empty path. */
export function pathSourceHosts(policies: readonly string[]): PathHostTest {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const text of policies) {
    for (const p of parsePolicyList(text)) {
      for (const d of p.directives) {
        // report-uri's URL is not a source: the starter policy's (Cinch's own /r/ URL) made every project's groups
        // walked per answer (~2-5 ms of the event loop at 20,000 groups) and read whole for Cinch's own host.
        if (!takesSourceList(d.name)) continue;
        for (const value of d.values) {
          const s = parseSource(value);
          if (s.kind !== "host" || s.path === "" || s.path === "/") continue;
          if (s.host === "*") any = true;
          else if (s.host.startsWith("*.")) suffixes.push(s.host.slice(1));
          else exact.add(s.host.replace(/\.$/, ""));
        }
      }
    }
  }
  if (!any && exact.size === 0 && suffixes.length === 0) return NO_PATH_HOSTS;
  return (blocked) => {
    if (!blocked.includes("://")) return false;
    if (any) return true;
    const host = hostOf(blocked);
    return host !== null && (exact.has(host) || suffixes.some((s) => host.endsWith(s)));
  };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Does the engine read every sample of this group (see the module comment)? */
export function needsAllSamples(
  directive: string,
  blocked: string,
  pathHosts: PathHostTest = NO_PATH_HOSTS,
): boolean {
  if (!blocked.includes("://")) return true;
  if (/^(script-src|worker-src)/.test(directive) && isKnownBypassOrigin(blocked)) return true;
  return pathHosts(blocked);
}
