// The alert engine (#14): follows the writer's commits (a GroupWatcher: it only queues what a commit changed, so
// ingest never waits for it), evaluates the commit-time rules off the commit path, runs the scheduled rules on a
// tick (schedule.ts) and hands every alert to the persistent outbox, which the dispatcher delivers (dispatch.ts).
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { AlertRuleKind, TriageState } from "../contract/alerts.ts";
import type { GroupChange, GroupWatcher } from "../store/writer.ts";
import type { AlertConfigStore, RuleRecord } from "../store/alert-config.ts";
import type { AlertOutbox } from "../store/alert-outbox.ts";
import type { TriageStore } from "../store/triage.ts";
import type { ProjectRecord, ProjectStore } from "../store/projects.ts";
import { COMMIT_KINDS, resolveParams } from "./vocabulary.ts";
import { crossed, directiveAdmitted } from "./rules.ts";
import { buildPayload } from "./payload.ts";

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
  /** Muted and resolved groups per project (others are open): a commit touching a resolved one is seen even
   *  without rules, to reopen it. */
  private triaged = new Map<string, Map<number, TriageState>>();
  /** (rule, group) pairs known to have had enforce reports within the window, until when (enforced-block). */
  private enforcedSeen = new Map<string, number>();
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
    const triaged = new Map<string, Map<number, TriageState>>();
    const rows = await this.deps.prisma.groupTriage.findMany({
      where: { state: { in: ["resolved", "muted"] } },
    });
    for (const r of rows) {
      if (r.state !== "resolved" && r.state !== "muted") continue;
      let m = triaged.get(r.projectId);
      if (!m) triaged.set(r.projectId, (m = new Map()));
      m.set(r.groupId, r.state);
    }
    this.rulesByProject = by;
    this.triaged = triaged;
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
    for (const state of this.triaged.get(projectId)?.values() ?? []) if (state === "resolved") return true;
    return this.rulesOf(projectId).some((r) => COMMIT_KINDS.has(r.kind));
  }

  committed(projectId: string, changes: readonly GroupChange[]): void {
    this.queue.push({ projectId, changes, at: this.now() });
    this.queuedChanges += changes.length;
    let dropped = 0;
    while (this.queuedChanges > QUEUE_MAX && this.queue.length > 1) {
      const old = this.queue.shift()!;
      this.queuedChanges -= old.changes.length;
      dropped += old.changes.length;
    }
    if (dropped > 0) {
      this.dropped += dropped;
      this.deps.log.warn(
        { dropped, total: this.dropped },
        "alert evaluation is behind: the oldest commits' changes were dropped unevaluated",
      );
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
        // Let waiting requests run between commits' evaluations: ingest goes first.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * Evaluate one commit's changes. Measured with bench/alerts.ts: a query per changed group per commit (triage
   * states, enforce windows) cost ingest most of its throughput on two cores, since better-sqlite3 runs on the event
   * loop; so triage states come from memory (reloaded on changes and every tick), and a query runs only for a
   * candidate: a created group, a resolved one, or a group with enforce reports not known to have had some within
   * the hour.
   */
  private async evaluateCommit({ projectId, changes, at }: Queued): Promise<void> {
    const rules = this.rulesOf(projectId).filter((r) => COMMIT_KINDS.has(r.kind));
    const triage = this.triaged.get(projectId);
    let project: ProjectRecord | null | undefined;
    const projectOf = async () => (project ??= await this.deps.projects.get(projectId));
    let enforcedExists: boolean | undefined;
    for (const c of changes) {
      const state: TriageState = triage?.get(c.id) ?? "open";
      if (state === "muted") continue;
      let regressed = false;
      if (state === "resolved") {
        regressed = await this.deps.triage.reopen(c.id, at);
        if (regressed) triage?.delete(c.id);
      }
      for (const rule of rules) {
        const p = resolveParams(rule.params);
        if (!directiveAdmitted(p, c.directive)) continue;
        let fire: { title: string; count: number; details: Record<string, unknown> } | null = null;
        if (rule.kind === "new-group") {
          const candidate = rule.minCount > 1 ? c.firstSeen > at - 7 * 86_400_000 : c.created === true;
          if (!candidate) continue;
          if (rule.minCount > 1) {
            const total = (await this.groupTotals([c.id])).get(c.id) ?? c.count;
            if (!crossed(total, c.count, rule.minCount)) continue;
          }
          if (p.under === "enforced") {
            enforcedExists ??=
              (await this.deps.prisma.policyVersion.count({ where: { projectId, state: "enforced" } })) > 0;
            if (!enforcedExists) continue;
          }
          fire = { title: `New violation: ${c.directive} blocked ${c.blocked}`, count: c.count, details: {} };
        } else if (rule.kind === "enforced-block") {
          const added = c.hours.reduce((n, h) => n + (h.disposition === "enforce" ? h.count : 0), 0);
          if (added === 0) continue;
          const known = `${rule.id}\n${c.id}`;
          if ((this.enforcedSeen.get(known) ?? 0) > at) continue;
          const window = await this.enforceReports(c.id, at - p.days * 86_400_000);
          if (window >= rule.minCount) {
            if (this.enforcedSeen.size >= 100_000) this.enforcedSeen.clear();
            this.enforcedSeen.set(known, at + HOUR_MS);
          }
          if (!crossed(window, added, rule.minCount)) continue;
          fire = {
            title: `Blocked in production: ${c.directive} blocked ${c.blocked}`,
            count: added,
            details: { days: p.days, enforceReports: added },
          };
        } else if (rule.kind === "regression" && regressed) {
          fire = {
            title: `Regression: ${c.directive} blocked ${c.blocked} again after it was resolved`,
            count: c.count,
            details: {},
          };
        }
        if (!fire) continue;
        const proj = await projectOf();
        if (!proj) return;
        await this.fire({ rule, project: proj, key: `group:${c.id}`, groupId: c.id, ...fire });
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

  /** Raise an alert unless the rule fired for the same key within its quiet period. True when it was raised. */
  async fire(f: Firing): Promise<boolean> {
    const at = this.now();
    if (!(await this.deps.outbox.takeQuiet(f.rule.id, f.key, at, f.rule.quietMinutes * 60_000))) return false;
    const channels = [];
    for (const id of f.rule.channels) {
      const c = await this.deps.rules.channel(id);
      if (c) channels.push({ id: c.id, name: c.name, kind: c.kind });
    }
    // The event id is chosen by the outbox: the stored payload's id is filled in by the dispatcher at send time.
    const payload = await buildPayload(this.deps, f, at);
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
