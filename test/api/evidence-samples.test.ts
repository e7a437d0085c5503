// In-process policy answers keep the evidence samples they showed (api/evidence-samples.ts): a group's samples are
// read again only when a report arrived for it since (its count or last report changed), or when it is new.
import { expect, test } from "vitest";
import { evidenceSamples } from "../../server/api/evidence-samples.ts";
import type { GroupsEntry } from "../../server/api/policy-cache.ts";
import type { PolicyGroupRow } from "../../server/store/policy-groups.ts";

const row = (id: number, count: number, lastSeen = 1_000): PolicyGroupRow => ({
  id,
  directive: "img-src",
  blocked: `https://h${id}.example`,
  count,
  pages: ["https://shop.example/"],
  firstSeen: 0,
  lastSeen,
  samples: [],
  countsByVersion: {},
  recentCount: count,
});

const sampleOf = (id: number, n: number): PolicyGroupRow["samples"][number] => ({
  sample: "",
  documentUrl: "https://shop.example/",
  blockedUrl: `https://h${id}.example/${n}.png`,
  sourceFile: "",
  line: null,
  policyVersion: null,
});

test("samples are read once per group while no report arrives for it, again after one, and for new groups", async () => {
  const rows = [row(1, 5), row(2, 3), row(3, 1)];
  const entry = { rows, index: null, evidence: new Map() } as unknown as GroupsEntry;
  let version = 0;
  const asked: number[][] = [];
  const read = async (ids: readonly number[]) => {
    asked.push([...ids]);
    return new Map(ids.map((id) => [id, [sampleOf(id, version)]]));
  };
  const first = await evidenceSamples(entry, [1, 2, 3], read);
  expect(asked).toEqual([[1, 2, 3]]);
  expect(first.get(2)).toEqual([sampleOf(2, 0)]);

  // Nothing new: nothing read, the same samples answered.
  version = 1;
  expect(await evidenceSamples(entry, [1, 2, 3], read)).toEqual(first);
  expect(asked).toHaveLength(1);

  // A report for group 2 (a new row object with a higher count), a report with the same count but a later last
  // report for group 3 (a re-count), and a new group 4: those three are read, group 1 is kept.
  rows[1] = row(2, 4);
  rows[2] = row(3, 1, 2_000);
  rows.push(row(4, 1));
  entry.index = null;
  const after = await evidenceSamples(entry, [1, 2, 3, 4], read);
  expect(asked[1]).toEqual([2, 3, 4]);
  expect(after.get(1)).toEqual([sampleOf(1, 0)]);
  expect(after.get(2)).toEqual([sampleOf(2, 1)]);
  expect(after.get(4)).toEqual([sampleOf(4, 1)]);

  // A group the read found no samples for (here: one not in the set) answers none.
  const none = await evidenceSamples(entry, [5], async (ids) => (asked.push([...ids]), new Map()));
  expect(none.get(5)).toEqual([]);
});
