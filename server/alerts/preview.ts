// A rule's preview (#14): what it would have fired over the last 7 days, replayed from the stored hourly counts with
// its quiet period. Hour granularity: an alert is placed at the hour its condition became true.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { AlertRuleKind, AlertRuleParams, AlertRulePreviewDto } from "../contract/alerts.ts";
import type { ProjectRecord } from "../store/projects.ts";
import { resolveParams } from "./vocabulary.ts";
import { digestDue, policyIdentity, quotaLevel, spike } from "./rules.ts";
import { recentScriptEvents, scriptAlert } from "./scripts.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DAYS = 7;

type Candidate = { at: number; key: string; title: string; groupId: number | null; count: number };
export type PreviewRule = {
  kind: AlertRuleKind;
  minCount: number;
  quietMinutes: number;
  params: AlertRuleParams;
};

/** Replay a rule over the last 7 days. */
export async function previewRule(
  prisma: PrismaClient,
  project: ProjectRecord,
  rule: PreviewRule,
  now = Date.now(),
): Promise<AlertRulePreviewDto> {
  const since = now - DAYS * DAY_MS;
  const p = resolveParams(rule.params);
  const hSince = Math.floor(since / HOUR_MS);
  const nowHour = Math.floor(now / HOUR_MS);
  const candidates: Candidate[] = [];
  let note: string | null = null;
  const muted = new Set(
    (await prisma.groupTriage.findMany({ where: { projectId: project.id, state: "muted" } })).map(
      (m) => m.groupId,
    ),
  );
  const admitted = (g: { id: number; directive: string }) =>
    !muted.has(g.id) && (p.directives.length === 0 || p.directives.includes(g.directive));
  const groupsById = async (ids: number[]) =>
    new Map(
      (
        await prisma.violationGroup.findMany({
          where: { id: { in: ids }, noise: "" },
          select: { id: true, directive: true, blocked: true },
        })
      ).map((g) => [g.id, g]),
    );
  const hourRows = async (fromHour: number, disposition?: string) =>
    prisma.groupHour.groupBy({
      by: ["groupId", "hour"],
      where: { projectId: project.id, hour: { gte: fromHour }, ...(disposition ? { disposition } : {}) },
      _sum: { count: true },
      orderBy: { hour: "asc" },
    });

  switch (rule.kind) {
    case "new-group": {
      const groups = await prisma.violationGroup.findMany({
        where: {
          projectId: project.id,
          noise: "",
          firstSeen: { gte: BigInt(since) },
          count: { gte: rule.minCount },
        },
        select: { id: true, directive: true, blocked: true, firstSeen: true, count: true },
      });
      for (const g of groups.filter(admitted))
        candidates.push({
          at: Number(g.firstSeen),
          key: `group:${g.id}`,
          title: `New violation: ${g.directive} blocked ${g.blocked}`,
          groupId: g.id,
          count: Number(g.count),
        });
      if (p.under === "enforced") note = "under: enforced is not replayed: every new group is listed";
      break;
    }
    case "enforced-block": {
      const rows = await hourRows(hSince - p.days * 24, "enforce");
      const groups = await groupsById([...new Set(rows.map((r) => r.groupId))]);
      const perGroup = new Map<number, { hour: number; count: number }[]>();
      for (const r of rows) {
        const list = perGroup.get(r.groupId) ?? [];
        list.push({ hour: r.hour, count: r._sum.count ?? 0 });
        perGroup.set(r.groupId, list);
      }
      for (const [groupId, hours] of perGroup) {
        const g = groups.get(groupId);
        if (!g || !admitted(g)) continue;
        for (const h of hours) {
          if (h.hour < hSince) continue;
          const window = hours
            .filter((x) => x.hour >= h.hour - p.days * 24 && x.hour < h.hour)
            .reduce((n, x) => n + x.count, 0);
          if (window < rule.minCount && window + h.count >= rule.minCount)
            candidates.push({
              at: h.hour * HOUR_MS,
              key: `group:${groupId}`,
              title: `Blocked in production: ${g.directive} blocked ${g.blocked}`,
              groupId,
              count: h.count,
            });
        }
      }
      break;
    }
    case "spike": {
      const rows = await hourRows(hSince - 25);
      const per = new Map<number, Map<number, number>>();
      for (const r of rows) {
        const m = per.get(r.groupId) ?? new Map<number, number>();
        m.set(r.hour, r._sum.count ?? 0);
        per.set(r.groupId, m);
      }
      const groups = await groupsById([...per.keys()]);
      for (const [groupId, counts] of per) {
        const g = groups.get(groupId);
        if (!g || !admitted(g)) continue;
        for (let h = hSince; h <= nowHour; h++) {
          const s = spike(counts, h, p.factor, rule.minCount);
          if (s)
            candidates.push({
              at: h * HOUR_MS,
              key: `group:${groupId}`,
              title: `Spike: ${g.directive} blocked ${g.blocked} ${s.lastHour} times in an hour`,
              groupId,
              count: s.lastHour,
            });
        }
      }
      break;
    }
    case "silence": {
      const hours = await prisma.projectHour.groupBy({
        by: ["hour"],
        where: { projectId: project.id, hour: { gte: hSince }, kind: { in: ["accepted", "noise"] } },
        _sum: { count: true },
        orderBy: { hour: "asc" },
      });
      let last = hSince;
      for (const h of [...hours.map((x) => x.hour), nowHour + 1]) {
        if (h - last > p.hours)
          candidates.push({
            at: (last + p.hours) * HOUR_MS,
            key: `silence:${last}`,
            title: `No reports for ${p.hours} hours`,
            groupId: null,
            count: 0,
          });
        last = h;
      }
      note = "silence is replayed from hourly counters, whether or not a version was live then";
      break;
    }
    case "quota": {
      const cap = project.settings.dailyCap;
      if (cap === null || cap === 0) {
        note = "the project has no daily cap";
        break;
      }
      const rows = await prisma.projectHour.findMany({
        where: {
          projectId: project.id,
          hour: { gte: hSince },
          kind: { in: ["accepted", "noise", "scripts", "rejected:daily_cap"] },
        },
      });
      const perDay = new Map<number, number>();
      for (const r of rows) {
        const day = Math.floor((r.hour * HOUR_MS) / DAY_MS);
        perDay.set(day, (perDay.get(day) ?? 0) + r.count);
      }
      for (const [day, count] of perDay) {
        const level = quotaLevel(count, cap, p.levels);
        if (level !== null)
          candidates.push({
            at: day * DAY_MS,
            key: `quota:${level}:${day}`,
            title: `${level}% of the daily cap: ${count} of ${cap} reports`,
            groupId: null,
            count,
          });
      }
      break;
    }
    case "policy-drift": {
      const versions = await prisma.policyVersion.findMany({
        where: { projectId: project.id, state: { not: "draft" } },
      });
      const known = new Set(versions.map((v) => policyIdentity(v.policy)));
      const observed = await prisma.observedPolicy.findMany({
        where: { projectId: project.id, lastSeen: { gte: BigInt(since) } },
      });
      if (versions.length > 0)
        for (const o of observed)
          if (Number(o.count) >= rule.minCount && !known.has(policyIdentity(o.policy)))
            candidates.push({
              at: Number(o.firstSeen),
              key: `drift:${o.hash}`,
              title: "Policy drift: reports carry a policy that matches none of the project's versions",
              groupId: null,
              count: Number(o.count),
            });
      note = "policy-drift reads the digest of policies observed while a policy-drift rule existed";
      break;
    }
    case "regression": {
      const changes = await prisma.groupTriageChange.findMany({
        where: { by: "cinch", state: "open", at: { gte: BigInt(since) } },
      });
      const groups = await groupsById([...new Set(changes.map((c) => c.groupId))]);
      for (const c of changes) {
        const g = groups.get(c.groupId);
        if (g && admitted(g))
          candidates.push({
            at: Number(c.at),
            key: `group:${g.id}`,
            title: `Regression: ${g.directive} blocked ${g.blocked} again`,
            groupId: g.id,
            count: 0,
          });
      }
      break;
    }
    case "script-new":
    case "script-changed":
      for (const { e, script } of await recentScriptEvents(prisma, project.id, rule.kind, since, 1000)) {
        const a = scriptAlert(
          rule.kind,
          { id: e.id, scriptId: e.scriptId, at: Number(e.at), detail: e.detail },
          script,
          "",
        );
        candidates.push({ at: Number(e.at), key: a.key, title: a.title, groupId: null, count: 1 });
      }
      break;
    case "digest":
      for (let h = hSince; h <= nowHour; h++) {
        const key = digestDue(p, h * HOUR_MS);
        if (key)
          candidates.push({ at: h * HOUR_MS, key, title: `${p.period} digest`, groupId: null, count: 0 });
      }
      break;
  }

  // The quiet period, per key, in time order.
  candidates.sort((a, b) => a.at - b.at);
  const last = new Map<string, number>();
  const fired = candidates.filter((c) => {
    const prev = last.get(c.key);
    if (prev !== undefined && c.at - prev < rule.quietMinutes * 60_000) return false;
    last.set(c.key, c.at);
    return true;
  });
  fired.reverse();
  return {
    since: new Date(since).toISOString(),
    until: new Date(now).toISOString(),
    fired: fired.slice(0, 100).map((c) => ({
      at: new Date(c.at).toISOString(),
      title: c.title,
      groupId: c.groupId,
      count: c.count,
    })),
    total: fired.length,
    note,
  };
}
