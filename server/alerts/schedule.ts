// The scheduled rules (#14), run on the engine's tick: spike, silence, quota, policy-drift and the digests. Each
// reads stored counts (hourly rows, project counters, the observed-policy digest) and fires through the engine, whose
// quiet period keeps a condition that lasts from alerting on every tick.
import { createHash } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ProjectRecord, ProjectStore } from "../store/projects.ts";
import type { RuleRecord } from "../store/alert-config.ts";
import {
  MAX_POLICY,
  MAX_PER_PROJECT,
  type ObservedPolicy,
  type ObservedPolicyStore,
} from "../store/observed-policies.ts";
import type { AlertEngine } from "./engine.ts";
import { resolveParams } from "./vocabulary.ts";
import { digestDue, policyIdentity, quotaLevel, silence, spike } from "./rules.ts";
import { digestText } from "./digest.ts";
import { scriptAlerts } from "./scripts.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type ScheduleDeps = {
  prisma: PrismaClient;
  projects: Pick<ProjectStore, "get">;
  observed: ObservedPolicyStore;
  /** For links in the script inventory's alerts (#18). */
  publicUrl?: string;
};

/**
 * Observed `original-policy` texts, counted in memory between ticks (ingest calls `observe`: a Map update, no I/O)
 * and flushed to the bounded stored digest on the tick. Bounded per project and in projects.
 */
export class PolicyDigest {
  private seen = new Map<string, Map<string, ObservedPolicy>>();

  observe(projectId: string, policy: string, documentUrl: string, at: number): void {
    let m = this.seen.get(projectId);
    if (!m) {
      if (this.seen.size >= 10_000) return;
      this.seen.set(projectId, (m = new Map()));
    }
    const text = policy.slice(0, MAX_POLICY);
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 32);
    const o = m.get(hash);
    if (o) {
      o.count++;
      o.lastSeen = at;
    } else if (m.size < MAX_PER_PROJECT) {
      m.set(hash, {
        hash,
        policy: text,
        documentUrl: documentUrl.slice(0, 500),
        count: 1,
        firstSeen: at,
        lastSeen: at,
      });
    }
  }

  take(): Map<string, ObservedPolicy[]> {
    const out = new Map<string, ObservedPolicy[]>([...this.seen].map(([p, m]) => [p, [...m.values()]]));
    this.seen = new Map();
    return out;
  }
}

/** One tick: flush the policy digest, then run every scheduled rule of every project that has one. */
export async function runSchedule(
  engine: AlertEngine,
  deps: ScheduleDeps,
  digest: PolicyDigest,
): Promise<void> {
  for (const [projectId, seen] of digest.take()) await deps.observed.add(projectId, seen);
  const now = engine.now();
  for (const projectId of engine.projectsWithRules()) {
    const project = await deps.projects.get(projectId);
    if (!project) continue;
    for (const rule of engine.rulesOf(projectId)) {
      switch (rule.kind) {
        case "spike":
          await spikes(engine, deps, project, rule, now);
          break;
        case "silence":
          await silent(engine, deps, project, rule, now);
          break;
        case "quota":
          await quota(engine, deps, project, rule, now);
          break;
        case "policy-drift":
          await drift(engine, deps, project, rule);
          break;
        case "digest": {
          const key = digestDue(resolveParams(rule.params), now);
          if (key) {
            const text = await digestText(deps.prisma, project, resolveParams(rule.params).period, now);
            await engine.fire({
              rule,
              project,
              key,
              groupId: null,
              count: 0,
              title: `${resolveParams(rule.params).period === "weekly" ? "Weekly" : "Daily"} digest`,
              details: { text },
            });
          }
          break;
        }
        case "script-new":
        case "script-changed":
          await scriptAlerts(
            engine,
            deps.prisma,
            project,
            { ...rule, kind: rule.kind },
            now,
            deps.publicUrl ?? "",
          );
          break;
        case "new-group":
        case "enforced-block":
        case "regression":
          break; // evaluated per commit
      }
    }
  }
}

async function spikes(
  engine: AlertEngine,
  deps: ScheduleDeps,
  project: ProjectRecord,
  rule: RuleRecord,
  now: number,
) {
  const p = resolveParams(rule.params);
  const nowHour = Math.floor(now / HOUR_MS);
  const rows = await deps.prisma.groupHour.groupBy({
    by: ["groupId", "hour"],
    where: { projectId: project.id, hour: { gte: nowHour - 25 } },
    _sum: { count: true },
  });
  const per = new Map<number, Map<number, number>>();
  for (const r of rows) {
    let m = per.get(r.groupId);
    if (!m) per.set(r.groupId, (m = new Map()));
    m.set(r.hour, r._sum.count ?? 0);
  }
  const candidates = [...per].flatMap(([groupId, counts]) => {
    const s = spike(counts, nowHour, p.factor, rule.minCount);
    return s ? [{ groupId, ...s }] : [];
  });
  if (candidates.length === 0) return;
  const groups = await deps.prisma.violationGroup.findMany({
    where: { id: { in: candidates.map((c) => c.groupId) }, noise: "" },
    select: { id: true, directive: true, blocked: true },
  });
  const muted = await deps.prisma.groupTriage.findMany({
    where: { groupId: { in: groups.map((g) => g.id) }, state: "muted" },
    select: { groupId: true },
  });
  const mutedIds = new Set(muted.map((m) => m.groupId));
  for (const g of groups) {
    if (mutedIds.has(g.id) || (p.directives.length > 0 && !p.directives.includes(g.directive))) continue;
    const c = candidates.find((x) => x.groupId === g.id)!;
    await engine.fire({
      rule,
      project,
      key: `group:${g.id}`,
      groupId: g.id,
      count: c.lastHour,
      title: `Spike: ${g.directive} blocked ${g.blocked} ${c.lastHour} times in an hour`,
      details: { lastHour: c.lastHour, hourlyAverage: c.hourlyAverage, factor: p.factor },
    });
  }
}

async function silent(
  engine: AlertEngine,
  deps: ScheduleDeps,
  project: ProjectRecord,
  rule: RuleRecord,
  now: number,
) {
  const p = resolveParams(rule.params);
  const live = await deps.prisma.policyVersion.findFirst({
    where: { projectId: project.id, state: { in: ["report-only", "enforced"] } },
    orderBy: { updatedAt: "asc" },
  });
  if (!live) return;
  const last = await deps.prisma.violationGroup.aggregate({
    where: { projectId: project.id },
    _max: { lastSeen: true },
  });
  const lastAt = last._max.lastSeen === null ? null : Number(last._max.lastSeen);
  const hours = silence(lastAt, live.updatedAt.getTime(), now, p.hours);
  if (hours === null) return;
  await engine.fire({
    rule,
    project,
    key: `silence:${lastAt ?? 0}`,
    groupId: null,
    count: 0,
    title: `No reports for ${hours} hours while version ${live.version} is ${live.state}`,
    details: { hours, lastReportAt: lastAt === null ? null : new Date(lastAt).toISOString() },
  });
}

async function quota(
  engine: AlertEngine,
  deps: ScheduleDeps,
  project: ProjectRecord,
  rule: RuleRecord,
  now: number,
) {
  const cap = project.settings.dailyCap;
  if (cap === null || cap === 0) return;
  const day = Math.floor(now / DAY_MS);
  const rows = await deps.prisma.projectHour.groupBy({
    by: ["kind"],
    where: {
      projectId: project.id,
      hour: { gte: (day * DAY_MS) / HOUR_MS, lt: ((day + 1) * DAY_MS) / HOUR_MS },
      // "scripts": the inventory's reports count against the cap too (#18).
      kind: { in: ["accepted", "noise", "scripts", "rejected:daily_cap"] },
    },
    _sum: { count: true },
  });
  const count = rows.reduce((n, r) => n + (r._sum.count ?? 0), 0);
  const level = quotaLevel(count, cap, resolveParams(rule.params).levels);
  if (level === null) return;
  await engine.fire({
    rule,
    project,
    key: `quota:${level}:${day}`,
    groupId: null,
    count,
    title: `${level}% of the daily cap: ${count} of ${cap} reports today`,
    details: { level, count, cap },
  });
}

async function drift(engine: AlertEngine, deps: ScheduleDeps, project: ProjectRecord, rule: RuleRecord) {
  const versions = await deps.prisma.policyVersion.findMany({
    where: { projectId: project.id, state: { not: "draft" } },
    orderBy: { version: "desc" },
  });
  if (versions.length === 0) return;
  const known = new Set(versions.map((v) => policyIdentity(v.policy)));
  const expected =
    versions.find((v) => v.state === "enforced") ?? versions.find((v) => v.state === "report-only");
  for (const o of await deps.observed.list(project.id)) {
    if (o.count < rule.minCount || known.has(policyIdentity(o.policy))) continue;
    await engine.fire({
      rule,
      project,
      key: `drift:${o.hash}`,
      groupId: null,
      count: o.count,
      title: "Policy drift: reports carry a policy that matches none of the project's versions",
      details: {
        observed: o.policy,
        expected: expected ? expected.policy : null,
        expectedVersion: expected ? expected.version : null,
        reports: o.count,
        documentUrl: o.documentUrl,
      },
    });
  }
}
