// Hash verification per sample: an inline group mixes every inline script of a directive, so only reports
// whose sample is the hash's own text, sent under the version carrying the hash, mean the hash failed.
import { describe, expect, test } from "vitest";
import { hashFailed } from "../../server/policy/inline.ts";
import { hashSource } from "../../server/policy/hash.ts";
import type { PolicyGroup, PolicySample } from "../../server/policy/groups.ts";

const TIGHT = "self.ran.tight=1";
const PADDED = "self.ran.padded=1"; // reported trimmed; the page's text has whitespace around it
const LONG = "self.ran.long='0123456789012345678901234"; // 40 characters: a cut sample

const sample = (text: string, policyVersion?: number | null): PolicySample => ({
  sample: text,
  documentUrl: "https://shop.example/",
  blockedUrl: "inline",
  sourceFile: "https://shop.example/",
  line: 1,
  ...(policyVersion !== undefined ? { policyVersion } : {}),
});

const group = (samples: PolicySample[], countsByVersion: Record<number, number>): PolicyGroup => ({
  id: 1,
  directive: "script-src-elem",
  blocked: "inline",
  count: samples.length,
  pages: ["https://shop.example/"],
  firstSeen: 0,
  lastSeen: 0,
  samples,
  countsByVersion,
});

// Both hashes first carried by version 2.
const versions = { [hashSource(TIGHT)]: 2, [hashSource(PADDED)]: 2 };

describe("hashFailed", () => {
  test.each([
    {
      name: "another script still reporting under v2 does not fail the tight hash",
      g: group([sample(TIGHT, null), sample(PADDED, 2), sample(LONG, 2)], { 0: 3, 2: 2 }),
      tight: false,
      padded: true,
    },
    {
      name: "reports before the hash's version do not count",
      g: group([sample(TIGHT, 1), sample(PADDED, 1)], { 1: 2 }),
      tight: false,
      padded: false,
    },
    {
      name: "a later version still reporting the sample fails it",
      g: group([sample(TIGHT, 3)], { 3: 1 }),
      tight: true,
      padded: false,
    },
    {
      name: "samples without versions: any report of the group under v2 or later counts (per-sample groups)",
      g: group([sample(TIGHT)], { 2: 1 }),
      tight: true,
      padded: true,
    },
  ])("$name", ({ g, tight, padded }) => {
    expect(hashFailed(hashSource(TIGHT), g, versions)).toBe(tight);
    expect(hashFailed(hashSource(PADDED), g, versions)).toBe(padded);
  });

  test("a hash no version carried never failed", () => {
    expect(hashFailed(hashSource(TIGHT), group([sample(TIGHT, 5)], { 5: 1 }), {})).toBe(false);
  });
});
