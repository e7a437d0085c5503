// The alert engine (#14): follows the writer's commits (a GroupWatcher: it only queues what a commit changed, so
// ingest never waits for it), evaluates the commit-time rules off the commit path, runs the scheduled rules on a
// tick (schedule.ts) and hands every alert to the persistent outbox, which the dispatcher delivers (dispatch.ts).
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { AlertRuleKind, AlertWebhookPayload, TriageState } from "../contract/alerts.ts";
import type { GroupChange, GroupWatcher } from "../store/writer.ts";
import type { AlertConfigStore, RuleRecord } from "../store/alert-config.ts";
import type { AlertOutbox } from "../store/alert-outbox.ts";
import type { TriageStore } from "../store/triage.ts";
import type { ProjectRecord, ProjectStore } from "../store/projects.ts";
import { COMMIT_KINDS, resolveParams } from "./vocabulary.ts";
import { crossed, directiveAdmitted } from "./rules.ts";

const HOUR_MS = 3_600_000;
/** Commits' changes waiting for evaluation; beyond it the oldest are dropped (and counted): alerts must not hold memory hostage. */
const QUEUE_MAX = 10_000;

export type EngineDeps = {
  prisma: PrismaClient;
  rules: AlertConfigStore;
  outbox: AlertOutbox;
  triage: TriageStore;
  projects: Pick<ProjectStore, "get">;
  log: Pick<Logger, "warn" | "error" | "debug">;
  publicUrl: string;
  now?: () => number;
};

/** What fire() needs to build an alert. */
export type Firing = {
  rule: RuleRecord;
  project: ProjectRecord;
  /** Quiet-period key: `group:<id>` or a project-level condition. */
  key: string;
  title: string;
  groupId: number | null;
  /** Reports behind this alert (the group's reports in the change, the spike's hour, …). */
  count: number;
  details: Record<string, unknown>;
};

type Queued = { projectId: string; changes: readonly GroupChange[]; at: number };

export class AlertEngine implements GroupWatcher {
  private queue: Queued[] = [];
  private queuedChanges = 0;
  private running: Promise<void> | null = null;
  private rulesByProject = new Map<string, RuleRecord[]>();
  private rulesLoaded: Promise<void> | null = null;
  /** Resolved groups per project: a commit touching one of them must be seen even without regression rules. */
  private resolved = new Map<string, Set<number>>();
  /** Called after an alert was put in the outbox (the dispatcher's wake-up). */
  onFired: (() => void) | null = null;
  dropped = 0;
  readonly now: () => number;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Load the rules and resolved groups (at start, after a rule or triage change, and on every tick). */
  async reload(): Promise<void> {
    const rules = await this.deps.rules.allRules();
    const by = new Map<string, RuleRecord[]>();
    for (const r of rules) {
      if (!r.enabled) continue;
      let list = by.get(r.projectId);
      if (!list) by.set(r.projectId, (list = []));
      list.push(r);
    }
    const resolved = new Map<string, Set<number>>();
    const rows = await this.deps.prisma.groupTriage.findMany({ where: { state: "resolved" } });
    for (const r of rows) {
      let set = resolved.get(r.projectId);
      if (!set) resolved.set(r.projectId, (set = new Set()));
      set.add(r.groupId);
    }
    this.rulesByProject = by;
    this.resolved = resolved;
  }

  /** Make sure the rules were loaded once (the first commit may come before start()). */
  ready(): Promise<void> {
    this.rulesLoaded ??= this.reload();
    return this.rulesLoaded;
  }

  rulesOf(projectId: string): RuleRecord[] {
    return this.rulesByProject.get(projectId) ?? [];
  }

  /** Project ids with at least one enabled rule. */
  projectsWithRules(): string[] {
    return [...this.rulesByProject.keys()];
  }

  // GroupWatcher: synchronous and cheap, on the commit path.
  wants(projectId: string): boolean {
    if ((this.resolved.get(projectId)?.size ?? 0) > 0) return true;
    return this.rulesOf(projectId).some((r) => COMMIT_KINDS.has(r.kind));
  }

  committed(projectId: string, changes: readonly GroupChange[]): void {
    this.queue.push({ projectId, changes, at: this.now() });
    this.queuedChanges += changes.length;
    while (this.queuedChanges > QUEUE_MAX && this.queue.length > 1) {
      const old = this.queue.shift()!;
      this.queuedChanges -= old.changes.length;
      this.dropped += old.changes.length;
    }
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Evaluate everything queued (also awaited by tests and at stop). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const item = this.queue.shift()!;
        this.queuedChanges -= item.changes.length;
        try {
          await this.evaluateCommit(item);
        } catch (err) {
          this.deps.log.error({ err, project: item.projectId }, "alert evaluation failed");
        }
      }
    } finally {
      this.running = null;
    }
  }

  private async evaluateCommit({ projectId, changes, at }: Queued): Promise<void> {
    const project = await this.deps.projects.get(projectId);
    if (!project) return;
    const ids = changes.map((c) => c.id);
    const triage = await this.deps.triage.states(ids);
    const rules = this.rulesOf(projectId).filter((r) => COMMIT_KINDS.has(r.kind));
    const enforcedExists = rules.some((r) => r.kind === "new-group" && r.params.under === "enforced")
      ? (await this.deps.prisma.policyVersion.count({ where: { projectId, state: "enforced" } })) > 0
      : false;
    const totals = rules.some((r) => r.kind === "new-group" && r.minCount > 1)
      ? await this.groupTotals(ids)
      : new Map<number, number>();
    for (const c of changes) {
      const state: TriageState = triage.get(c.id) ?? "open";
      if (state === "muted") continue;
      let regressed = false;
      if (state === "resolved") {
        regressed = await this.deps.triage.reopen(c.id, at);
        if (regressed) this.resolved.get(projectId)?.delete(c.id);
      }
      for (const rule of rules) {
        const p = resolveParams(rule.params);
        if (!directiveAdmitted(p, c.directive)) continue;
        const base = { rule, project, key: `group:${c.id}`, groupId: c.id, count: c.count };
        if (rule.kind === "new-group") {
          if (p.under === "enforced" && !enforcedExists) continue;
          const total = rule.minCount > 1 ? (totals.get(c.id) ?? c.count) : c.created ? c.count : 0;
          if (!(rule.minCount > 1 ? crossed(total, c.count, rule.minCount) : c.created === true)) continue;
          await this.fire({
            ...base,
            title: `New violation: ${c.directive} blocked ${c.blocked}`,
            details: {},
          });
        } else if (rule.kind === "enforced-block") {
          const added = c.hours.reduce((n, h) => n + (h.disposition === "enforce" ? h.count : 0), 0);
          if (added === 0) continue;
          const window = await this.enforceReports(c.id, at - p.days * 86_400_000);
          if (!crossed(window, added, rule.minCount)) continue;
          await this.fire({
            ...base,
            count: added,
            title: `Blocked in production: ${c.directive} blocked ${c.blocked}`,
            details: { days: p.days, enforceReports: added },
          });
        } else if (rule.kind === "regression" && regressed) {
          await this.fire({
            ...base,
            title: `Regression: ${c.directive} blocked ${c.blocked} again after it was resolved`,
            details: {},
          });
        }
      }
    }
  }

  private async groupTotals(ids: readonly number[]): Promise<Map<number, number>> {
    const rows = await this.deps.prisma.violationGroup.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, count: true },
    });
    return new Map(rows.map((r) => [r.id, Number(r.count)]));
  }

  /** A group's enforce reports since `since` (hour granularity), this commit's included. */
  private async enforceReports(groupId: number, since: number): Promise<number> {
    const r = await this.deps.prisma.groupHour.aggregate({
      where: { groupId, disposition: "enforce", hour: { gte: Math.floor(since / HOUR_MS) } },
      _sum: { count: true },
    });
    return r._sum.count ?? 0;
  }

  /** The payload of an alert (the webhook body without delivery headers). */
  async payload(f: Firing, eventId: string, at: number): Promise<AlertWebhookPayload> {
    const projectUrl = `${this.deps.publicUrl}/projects/${encodeURIComponent(f.project.id)}`;
    let group: AlertWebhookPayload["group"] = null;
    let sample: AlertWebhookPayload["sample"] = null;
    if (f.groupId !== null) {
      const g = await this.deps.prisma.violationGroup.findUnique({ where: { id: f.groupId } });
      if (g) {
        const t = await this.deps.triage.get(g.id);
        group = {
          id: g.id,
          directive: g.directive,
          blocked: g.blocked,
          count: f.count,
          total: Number(g.count),
          firstSeen: new Date(Number(g.firstSeen)).toISOString(),
          lastSeen: new Date(Number(g.lastSeen)).toISOString(),
          url: `${projectUrl}/violations/${g.id}`,
          triage: t.state,
        };
        const s = await this.deps.prisma.sample.findFirst({
          where: { groupId: g.id },
          orderBy: { receivedAt: "desc" },
        });
        if (s) {
          sample = {
            documentUrl: s.documentUrl,
            blockedUrl: s.blockedUrl,
            sourceFile: s.sourceFile,
            sample: s.sample,
            disposition: s.disposition,
            browser: s.browser,
            receivedAt: new Date(Number(s.receivedAt)).toISOString(),
          };
        }
      }
    }
    return {
      event: f.rule.kind,
      id: eventId,
      createdAt: new Date(at).toISOString(),
      title: f.title,
      project: { id: f.project.id, name: f.project.name, url: projectUrl },
      group,
      sample,
      rule: {
        id: f.rule.id,
        kind: f.rule.kind,
        minCount: f.rule.minCount,
        quietMinutes: f.rule.quietMinutes,
        params: f.rule.params,
      },
      details: f.details,
    };
  }

  /** Raise an alert unless the rule fired for the same key within its quiet period. True when it was raised. */
  async fire(f: Firing): Promise<boolean> {
    const at = this.now();
    if (!(await this.deps.outbox.takeQuiet(f.rule.id, f.key, at, f.rule.quietMinutes * 60_000))) return false;
    const channels = [];
    for (const id of f.rule.channels) {
      const c = await this.deps.rules.channel(id);
      if (c) channels.push({ id: c.id, name: c.name, kind: c.kind });
    }
    // The event id is chosen by the outbox; the payload names it, so it is written after: build with a placeholder
    // id, then store the payload carrying the real one.
    const payload = await this.payload(f, "", at);
    const { event } = await this.deps.outbox.add(
      {
        projectId: f.project.id,
        ruleId: f.rule.id,
        kind: f.rule.kind as AlertRuleKind,
        groupId: f.groupId,
        title: f.title,
        payload: JSON.stringify(payload),
      },
      channels,
      at,
    );
    await this.deps.rules.markFired(f.rule.id, at);
    this.onFired?.();
    this.deps.log.debug({ event: event.id, rule: f.rule.id, key: f.key }, `alert: ${f.title}`);
    return true;
  }
}
