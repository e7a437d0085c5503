// Delivery of the outbox (#14): at least once, with retries and exponential backoff, surviving restarts (the state is
// in the database). Each node polls for due deliveries and claims one with a conditional UPDATE of its lease before
// sending, so with several nodes on one database each delivery is sent by one of them.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AlertWebhookPayload } from "../contract/alerts.ts";
import type { AlertConfigStore, ChannelRecord } from "../store/alert-config.ts";
import type { AlertOutbox, DeliveryRecord } from "../store/alert-outbox.ts";
import type { Notifier, SendResult } from "./notifier.ts";
import { emailMessage, signature, slackMessage, webhookBody } from "./format.ts";
import { backoffMs } from "./rules.ts";

export type DispatchOptions = {
  /** How often due deliveries are looked for (a local alert wakes the loop at once). */
  pollMs: number;
  /** Delay before the second attempt; doubled after each failure (at most 6 h). */
  retryBaseMs: number;
  maxAttempts: number;
  /** How long a claim holds; longer than a send can take (the notifier's timeout). */
  leaseMs: number;
};

/** Send one payload to one channel (the outbox's deliveries and the channels' "send a test"). */
export async function sendTo(
  notifier: Notifier,
  channel: ChannelRecord,
  payload: AlertWebhookPayload,
  deliveryId: string,
): Promise<SendResult> {
  switch (channel.kind) {
    case "webhook": {
      const body = webhookBody(payload);
      const headers: Record<string, string> = {
        "X-Cinch-Delivery": deliveryId,
        "X-Cinch-Event": payload.event,
      };
      if (channel.secret) headers["X-Cinch-Signature"] = signature(channel.secret, body);
      return notifier.post(channel.url, body, headers);
    }
    case "slack":
      return notifier.post(channel.url, slackMessage(payload), {});
    case "email": {
      const m = emailMessage(payload);
      return notifier.mail(channel.to, m.subject, m.text, m.html);
    }
  }
}

export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  readonly owner = randomUUID();

  constructor(
    private readonly outbox: AlertOutbox,
    private readonly config: AlertConfigStore,
    private readonly notifier: Notifier,
    private readonly opts: DispatchOptions,
    private readonly log: Pick<Logger, "warn" | "error">,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
    this.kick();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
      this.arm();
    }, this.opts.pollMs);
    this.timer.unref();
  }

  /** Look for due deliveries now (after an alert was raised, on the poll). */
  kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.runOnce()
      .catch((err: unknown) => this.log.error({ err }, "alert delivery loop failed"))
      .finally(() => {
        this.busy = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Deliver what is due now; resolves when those attempts are done. */
  async runOnce(): Promise<void> {
    const due = await this.outbox.due(this.now(), 50);
    await Promise.all(due.map((d) => this.attempt(d)));
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    if (!(await this.outbox.claim(d.id, this.owner, this.now(), this.opts.leaseMs))) return;
    const event = await this.outbox.event(d.eventId);
    const channel = d.channelId ? await this.config.channel(d.channelId) : null;
    let result: SendResult;
    if (!event) result = { ok: false, responseCode: null, error: "event not found" };
    else if (!channel) result = { ok: false, responseCode: null, error: "channel deleted" };
    else {
      const payload = { ...(JSON.parse(event.payload) as AlertWebhookPayload), id: event.id };
      result = await sendTo(this.notifier, channel, payload, d.id);
    }
    const attempts = d.attempts + 1;
    const permanent = !event || !channel || attempts >= this.opts.maxAttempts;
    if (!result.ok) {
      this.log.warn(
        { delivery: d.id, channel: d.channelName, attempts, code: result.responseCode },
        `alert delivery failed: ${result.error ?? "unknown error"}`,
      );
    }
    await this.outbox.finish(
      d.id,
      this.owner,
      result.ok
        ? { ok: true, responseCode: result.responseCode, at: this.now() }
        : {
            ok: false,
            responseCode: result.responseCode,
            error: result.error ?? "failed",
            retryAt: permanent ? null : this.now() + backoffMs(attempts, this.opts.retryBaseMs),
          },
    );
  }

  /** Deliver what is due now and wait for every attempt in flight (tests, the CLI). */
  async settle(): Promise<void> {
    while (this.busy) await this.busy;
    await this.runOnce();
    while (this.busy) await this.busy;
  }

  /** Stop polling and wait for the attempts in flight (their results are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.busy) await this.busy;
  }
}
