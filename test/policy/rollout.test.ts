// A version's rollout status: time and traffic under report-only, what is new against the enforced version, hashes.
import { describe, expect, test } from "vitest";
import { duration, rolloutStatus, type RolloutInput } from "../../server/policy/rollout.ts";
import { hashSource } from "../../server/policy/hash.ts";
import { group } from "./helpers.ts";

const NOW = 10 * 86_400_000;
const base: RolloutInput = {
  version: 2,
  state: "report-only",
  policy: "default-src 'self'",
  reportOnlySince: NOW - 2 * 60_000,
  reportOnlyUntil: null,
  reports: 4,
  pages: 3,
  groups: [],
  enforcedVersion: 1,
  hashVersions: {},
  now: NOW,
};
const item = (s: ReturnType<typeof rolloutStatus>, id: string) => s.checklist.find((c) => c.id === id);

describe("rolloutStatus", () => {
  test("two minutes on three pages: not ready, and the checklist says what is missing", () => {
    const s = rolloutStatus(base);
    expect(s.ready).toBe(false);
    expect(s.ranMs).toBe(120_000);
    expect(item(s, "duration")).toEqual({
      id: "duration",
      ok: false,
      text: "ran report-only for 2 minutes on 3 pages (4 reports); run it for at least 1 day",
    });
    expect(item(s, "pages")?.ok).toBe(false);
    expect(item(s, "new-groups")).toMatchObject({ ok: true, text: "Nothing new compared with enforced v1" });
  });

  test("a draft has not run report-only", () => {
    const s = rolloutStatus({ ...base, state: "draft", reportOnlySince: null, reports: 0, pages: 0 });
    expect(item(s, "report-only")).toMatchObject({ ok: false });
    expect(s.ranMs).toBe(0);
  });

  test("groups seen under v2 and never under enforced v1 are named: what enforcing would block", () => {
    const s = rolloutStatus({
      ...base,
      groups: [
        group("img-src", "https://old.example", { countsByVersion: { 1: 3, 2: 3 } }),
        group("script-src-elem", "https://new.example", { countsByVersion: { 2: 7 } }),
      ],
    });
    expect(s.newGroups).toEqual([
      {
        id: "script-src-elem https://new.example ",
        directive: "script-src-elem",
        blocked: "https://new.example",
        count: 7,
      },
    ]);
    expect(item(s, "new-groups")?.text).toBe(
      "1 group reported under v2 and never under v1: enforcing would block script-src-elem https://new.example",
    );
  });

  test("a day on ten pages with nothing new and hashes that held: ready", () => {
    const hash = hashSource("init();");
    const s = rolloutStatus({
      ...base,
      policy: `default-src 'self'; script-src 'self' ${hash}`,
      reportOnlySince: NOW - 25 * 3_600_000,
      pages: 10,
      hashVersions: { [hash]: 2 },
    });
    expect(s.hashes).toEqual({ verified: [hash], failed: [], pending: [] });
    expect(s.ready).toBe(true);
  });

  test("a hash whose inline code still reports under its version failed", () => {
    const hash = hashSource("init();");
    const s = rolloutStatus({
      ...base,
      policy: `script-src 'self' ${hash}`,
      hashVersions: { [hash]: 2 },
      groups: [
        group("script-src-elem", "inline", {
          sample: "init();",
          countsByVersion: { 2: 1 },
          samples: [
            {
              sample: "init();",
              documentUrl: "https://a/",
              blockedUrl: "inline",
              sourceFile: "",
              line: 1,
              policyVersion: 2,
            },
          ],
        }),
      ],
    });
    expect(s.hashes.failed).toEqual([hash]);
    expect(item(s, "hashes")?.ok).toBe(false);
  });

  test.each([
    [30_000, "less than a minute"],
    [60_000, "1 minute"],
    [7_200_000, "2 hours"],
    [3 * 86_400_000, "3 days"],
  ])("duration(%i) = %s", (ms, text) => expect(duration(ms)).toBe(text));
});
