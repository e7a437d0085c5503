// The alerts of one node (#14): stores, the engine following the writer's commits, the scheduled rules' tick, the
// dispatcher delivering the outbox, and what the API and the CLI call (send a test, preview a rule).
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "../store/db.ts";
import type { AlertChannelTestDto, AlertWebhookPayload } from "../contract/alerts.ts";
import { AlertConfigStore, type ChannelRecord } from "../store/alert-config.ts";
import { AlertOutbox } from "../store/alert-outbox.ts";
import { TriageStore } from "../store/triage.ts";
import { ObservedPolicyStore } from "../store/observed-policies.ts";
import type { ProjectStore } from "../store/projects.ts";
import type { ReportWriter } from "../store/writer.ts";
import type { Config } from "../config.ts";
import { AlertEngine } from "./engine.ts";
import { Dispatcher, sendTo } from "./dispatch.ts";
import { Notifier } from "./notifier.ts";
import { PolicyDigest, runSchedule } from "./schedule.ts";
import { checkGoneScripts } from "./scripts.ts";
import { ScriptStore } from "../store/scripts.ts";

/** Alerts (and their delivery log) older than this are forgotten; quiet periods are at most as long (api/alerts.ts). */
const OUTBOX_DAYS = 90;

export type AlertOptions = {
  publicUrl: string;
  allowPrivate: boolean;
  timeoutMs: number;
  smtpUrl: string | null;
  smtpFrom: string;
  pollMs: number;
  tickMs: number;
  retryBaseMs: number;
  maxAttempts: number;
};

/** The alert options a configuration selects. */
export function alertOptions(config: Config): AlertOptions {
  return {
    publicUrl: config.publicUrl,
    allowPrivate: config.ALERT_ALLOW_PRIVATE_DESTINATIONS,
    timeoutMs: config.ALERT_TIMEOUT_MS,
    smtpUrl: config.SMTP_URL ?? null,
    smtpFrom: config.SMTP_FROM,
    pollMs: config.ALERT_POLL_MS,
    tickMs: config.ALERT_TICK_MS,
    retryBaseMs: config.ALERT_RETRY_BASE_MS,
    maxAttempts: config.ALERT_MAX_ATTEMPTS,
  };
}

export class AlertService {
  readonly config: AlertConfigStore;
  readonly outbox: AlertOutbox;
  readonly triage: TriageStore;
  readonly observed: ObservedPolicyStore;
  readonly engine: AlertEngine;
  readonly dispatcher: Dispatcher;
  readonly notifier: Notifier;
  readonly policies = new PolicyDigest();
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private goneCheckedAt = 0;

  private readonly prisma: PrismaClient;

  constructor(
    db: Pick<Db, "prisma" | "sql">,
    private readonly projects: ProjectStore,
    private readonly log: Logger,
    readonly opts: AlertOptions,
  ) {
    const prisma = (this.prisma = db.prisma);
    this.config = new AlertConfigStore(prisma);
    this.outbox = new AlertOutbox(db);
    this.triage = new TriageStore(prisma);
    this.observed = new ObservedPolicyStore(prisma);
    this.notifier = new Notifier({
      allowPrivate: opts.allowPrivate,
      timeoutMs: opts.timeoutMs,
      smtpUrl: opts.smtpUrl,
      smtpFrom: opts.smtpFrom,
    });
    this.engine = new AlertEngine({
      prisma,
      rules: this.config,
      outbox: this.outbox,
      triage: this.triage,
      projects,
      log,
      publicUrl: opts.publicUrl,
    });
    this.dispatcher = new Dispatcher(
      this.outbox,
      this.config,
      this.notifier,
      {
        pollMs: opts.pollMs,
        retryBaseMs: opts.retryBaseMs,
        maxAttempts: opts.maxAttempts,
        leaseMs: Math.max(opts.timeoutMs * 4, 30_000),
      },
      log,
    );
    this.engine.onFired = () => this.dispatcher.kick();
  }

  /** Follow the writer's commits (call once, before reports arrive). */
  attach(writer: Pick<ReportWriter, "watch">): void {
    writer.watch(this.engine);
  }

  /** Load the rules, then start the delivery loop and the scheduled rules' tick. */
  async start(): Promise<void> {
    await this.engine.ready();
    this.dispatcher.start();
    const arm = () => {
      this.tickTimer = setTimeout(() => {
        this.ticking = this.tick()
          .catch((err: unknown) => this.log.error({ err }, "alert schedule failed"))
          .finally(() => {
            this.ticking = null;
            if (this.tickTimer) arm();
          });
      }, this.opts.tickMs);
      this.tickTimer.unref();
    };
    arm();
  }

  /** One run of the scheduled rules (reloading the rules first), and the outbox kept to the last 90 days. */
  async tick(): Promise<void> {
    await this.engine.reload();
    await this.outbox.prune(Date.now() - OUTBOX_DAYS * 86_400_000);
    await runSchedule(
      this.engine,
      {
        prisma: this.prisma,
        projects: this.projects,
        observed: this.observed,
        publicUrl: this.opts.publicUrl,
      },
      this.policies,
    );
    // The script inventory's script-gone check (#18): days matter, so at most once an hour.
    if (Date.now() - this.goneCheckedAt >= 3_600_000) {
      this.goneCheckedAt = Date.now();
      await checkGoneScripts(new ScriptStore(this.prisma), this.projects, this.goneCheckedAt);
    }
  }

  /** The rules or triage changed (API): reload now, not on the next tick. */
  changed(): Promise<void> {
    return this.engine.reload();
  }

  /** Ingest saw a report's original-policy (a Map update; flushed on the tick). */
  observePolicy(projectId: string, policy: string, documentUrl: string, at: number): void {
    this.policies.observe(projectId, policy, documentUrl, at);
  }

  /** Whether a project has a policy-drift rule (ingest reads the policies only then). */
  wantsPolicies(projectId: string): boolean {
    return this.engine.rulesOf(projectId).some((r) => r.kind === "policy-drift");
  }

  /** Send a test message to a channel now (not through the outbox). */
  async test(channel: ChannelRecord): Promise<AlertChannelTestDto> {
    const started = performance.now();
    const now = new Date().toISOString();
    const payload: AlertWebhookPayload = {
      event: "test",
      id: `test-${Date.now()}`,
      createdAt: now,
      title: `Test from Cinch to channel "${channel.name}"`,
      project: { id: "", name: "Cinch", url: this.opts.publicUrl },
      group: null,
      sample: null,
      rule: null,
      details: { note: "This is a test; alerts to this channel look like this one." },
    };
    const r = await sendTo(this.notifier, channel, payload, payload.id);
    return {
      delivered: r.ok,
      responseCode: r.responseCode,
      error: r.error,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Stop the tick and the delivery loop; evaluate what commits queued. */
  async stop(): Promise<void> {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    if (this.ticking) await this.ticking;
    await this.engine.idle();
    await this.dispatcher.stop();
  }
}
