// Ignore rules reach the past: relabel stored groups as noise "ignore-rule" (and back), in small batches.
//
// A group is relabelled in place: its noise column changes, its id, fingerprint, counts, hours and samples stay.
// The fingerprint still names the reason the group was created with, so new reports keep routing as before: while a
// rule holds, new reports of the host are noise at ingest and land in the host's "ignore-rule" group (created by the
// writer); removing the rule turns every "ignore-rule" group no rule matches any more back into an actionable group.
// Nothing is merged or deleted, so the reports are conserved: a host has at most two groups per directive (the one
// relabelled, the one ingest created), and the builder and the lists sum them. DirectiveHour (the chart's rollup by
// noise) moves with each group, hour by hour.
import type Database from "better-sqlite3";

/** A group as the ignore rules see it: its key and the samples kept for it. */
export type RuleGroup = {
  id: number;
  directive: string;
  blocked: string;
  /** "" (actionable) or "ignore-rule"; other noise reasons are never read or changed. */
  noise: "" | "ignore-rule";
  count: number;
  samples: { blockedUrl: string; sourceFile: string; sample: string }[];
};

/** Groups and reports that changed label. */
export type Moved = { groups: number; reports: number };

type Statements = ReturnType<typeof prepare>;
const cache = new WeakMap<Database.Database, Statements>();

function prepare(raw: Database.Database) {
  return {
    page: raw.prepare(
      `SELECT id, directive, blocked, noise, count FROM ViolationGroup
       WHERE projectId = ? AND noise IN ('', 'ignore-rule') AND id > ? ORDER BY id LIMIT ?`,
    ),
    samples: raw.prepare(`SELECT blockedUrl, sourceFile, sample FROM Sample WHERE groupId = ?`),
    setNoise: raw.prepare(`UPDATE ViolationGroup SET noise = ? WHERE id = ? AND projectId = ? AND noise = ?`),
    // By groupId alone (ids are unique across projects): with projectId too, SQLite picks the primary key and
    // scans every hour row of the project per group (~2 ms a group at 20,000 groups, measured).
    hours: raw.prepare(`SELECT hour, SUM(count) AS n FROM GroupHour WHERE groupId = ? GROUP BY hour`),
    addHour: raw.prepare(
      `INSERT INTO DirectiveHour (projectId, hour, directive, noise, count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (projectId, hour, directive, noise) DO UPDATE SET count = count + excluded.count`,
    ),
    subHour: raw.prepare(
      `UPDATE DirectiveHour SET count = max(count - ?, 0) WHERE projectId = ? AND hour = ? AND directive = ? AND noise = ?`,
    ),
    dropEmpty: raw.prepare(
      `DELETE FROM DirectiveHour WHERE projectId = ? AND hour = ? AND directive = ? AND noise = ? AND count = 0`,
    ),
  };
}

const statements = (raw: Database.Database): Statements => {
  let s = cache.get(raw);
  if (!s) cache.set(raw, (s = prepare(raw)));
  return s;
};

/** Up to `limit` of the project's actionable and ignore-rule groups with ids above `afterId`, in id order. */
export function ruleGroupsPage(
  raw: Database.Database,
  projectId: string,
  afterId: number,
  limit: number,
): RuleGroup[] {
  const s = statements(raw);
  const rows = s.page.all(projectId, afterId, limit) as {
    id: number;
    directive: string;
    blocked: string;
    noise: string;
    count: number | bigint;
  }[];
  return rows.map((r) => ({
    id: r.id,
    directive: r.directive,
    blocked: r.blocked,
    noise: r.noise === "ignore-rule" ? "ignore-rule" : "",
    count: Number(r.count),
    samples: s.samples.all(r.id) as RuleGroup["samples"],
  }));
}

/** Relabel `groups` to `noise` in one transaction, moving their hourly counts in DirectiveHour with them. */
export function relabelGroups(
  raw: Database.Database,
  projectId: string,
  groups: readonly RuleGroup[],
  noise: "" | "ignore-rule",
): Moved {
  const s = statements(raw);
  const moved: Moved = { groups: 0, reports: 0 };
  raw.transaction(() => {
    for (const g of groups) {
      if (g.noise === noise) continue;
      if (s.setNoise.run(noise, g.id, projectId, g.noise).changes === 0) continue;
      moved.groups++;
      moved.reports += g.count;
      for (const h of s.hours.all(g.id) as { hour: number; n: number | bigint }[]) {
        const n = Number(h.n);
        s.subHour.run(n, projectId, h.hour, g.directive, g.noise);
        s.dropEmpty.run(projectId, h.hour, g.directive, g.noise);
        s.addHour.run(projectId, h.hour, g.directive, noise, n);
      }
    }
  })();
  return moved;
}
