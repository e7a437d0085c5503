// Test helpers: compact PolicyGroup construction.
import type { PolicyGroup } from "../../server/policy/groups.ts";

export const PAGE = "https://app.example.com/";

/** A group with sensible defaults: 5 reports on two pages of app.example.com. */
export function group(
  directive: string,
  blocked: string,
  extra: Partial<PolicyGroup> & { sample?: string; blockedUrl?: string } = {},
): PolicyGroup {
  const { sample = "", blockedUrl = blocked, ...rest } = extra;
  return {
    id: `${directive} ${blocked} ${sample}`,
    directive,
    blocked,
    count: 5,
    pages: [PAGE, `${PAGE}b`],
    firstSeen: 1_000,
    lastSeen: 2_000,
    samples: [{ sample, documentUrl: PAGE, blockedUrl, sourceFile: "", line: null }],
    ...rest,
  };
}
