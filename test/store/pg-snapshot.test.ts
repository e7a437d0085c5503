// Which commits a PostgreSQL snapshot saw (store/pg-snapshot.ts): pg_current_snapshot()'s text, parsed, and a
// committed transaction's visibility in it, as PostgreSQL's pg_visible_in_snapshot decides it.
import { describe, expect, test } from "vitest";
import { parseSnapshot, sawCommit } from "../../server/store/pg-snapshot.ts";

describe("sawCommit", () => {
  test.each([
    { snapshot: "100:105:101,103", xid: "99", saw: true, why: "ended before the oldest running one" },
    { snapshot: "100:105:101,103", xid: "100", saw: true, why: "xmin itself had ended (it is not listed)" },
    { snapshot: "100:105:101,103", xid: "101", saw: false, why: "running when the snapshot was taken" },
    { snapshot: "100:105:101,103", xid: "102", saw: true, why: "between xmin and xmax, not running" },
    { snapshot: "100:105:101,103", xid: "103", saw: false, why: "running" },
    { snapshot: "100:105:101,103", xid: "105", saw: false, why: "xmax: not yet begun" },
    { snapshot: "100:105:101,103", xid: "4000000000", saw: false, why: "far later" },
    { snapshot: "7:7:", xid: "6", saw: true, why: "nothing running" },
    { snapshot: "7:7:", xid: "7", saw: false, why: "nothing running, not yet begun" },
    // xid8 values past 2^53 (an epoch after many wraparounds) compare exactly.
    {
      snapshot: "9007199254740993:9007199254740995:9007199254740994",
      xid: "9007199254740993",
      saw: true,
      why: "past 2^53",
    },
    {
      snapshot: "9007199254740993:9007199254740995:9007199254740994",
      xid: "9007199254740994",
      saw: false,
      why: "past 2^53, running",
    },
  ])("$snapshot, $xid: $saw ($why)", ({ snapshot, xid, saw }) => {
    expect(sawCommit(parseSnapshot(snapshot), xid)).toBe(saw);
  });
});

describe("parseSnapshot", () => {
  test.each(["", "1:2", "a:2:", "1:2:3:4", "1:2:x", "1:2:3,", "-1:2:"])("refuses %j", (text) => {
    expect(() => parseSnapshot(text)).toThrow(`not a PostgreSQL snapshot: ${JSON.stringify(text)}`);
  });
});
