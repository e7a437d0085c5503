// Live tail: committed reports are fanned out to Server-Sent-Event subscribers of their project, at bounded cost.
// Measured before (#11 item 2): 200 tails that stopped reading drove RSS from 350 MB to 4.8 GB in 40 s, and 100
// reading tails cut ingest from >=1,000 to 116 requests/s, because every report was serialized and written to
// every stream inside the ingest request. Now ingest only queues the events; one fan-out per event-loop turn
// serializes each event once into one chunk shared by every subscriber, and each subscriber has a byte budget:
// past it its events are dropped (and counted, and the count is sent when it catches up), and a subscriber that
// stays past it for `stallMs` is disconnected.
import { PassThrough } from "node:stream";
import type { Context } from "koa";
import type { TailEventDto } from "../contract.ts";
import type { Violation } from "../reports/types.ts";
import { HttpError } from "../http/errors.ts";
import type { TailRelay } from "../store/pg-commits.ts";

export type TailLimits = {
  /** Open streams per project; the next one is a 429. */
  perProject: number;
  /** Open streams on this instance. */
  total: number;
  /** Bytes one stream may have waiting for its reader before its events are dropped. */
  bufferBytes: number;
  /** A stream that stays over its budget this long is closed. */
  stallMs: number;
};

export const DEFAULT_TAIL_LIMITS: TailLimits = {
  perProject: 20,
  total: 200,
  bufferBytes: 256 * 1024,
  stallMs: 10_000,
};

/** Events kept per project between two fan-outs; beyond this a flood is counted as dropped, not buffered. */
const PENDING_MAX = 200;
/** Events taken from one publish call (one ingest request): a batch of 100 reports shows its first 20. */
const PER_PUBLISH = 20;
const PING_MS = 15_000;

/** Where a subscriber's bytes go: the SSE stream and how much of it is still unsent. */
export type TailSink = {
  write(chunk: Buffer): void;
  /** Bytes written but not yet handed to the kernel. */
  buffered(): number;
  close(): void;
};

/** How often a subscriber with dropped events checks whether its reader caught up, to send the count. */
const CATCH_UP_CHECK_MS = 50;

class Subscriber {
  dropped = 0;
  overSince: number | null = null;
  private catchUp: NodeJS.Timeout | null = null;
  constructor(
    readonly sink: TailSink,
    private readonly limits: TailLimits,
  ) {}

  /** Offer a chunk of `events` events; drop it when over budget, close when over budget for too long. */
  offer(chunk: Buffer, events: number, now: number): void {
    // Judged on what is already waiting, so one fan-out chunk larger than the budget still reaches a reader
    // that keeps up; a stream holds at most the budget plus one chunk (<= PENDING_MAX events).
    if (this.sink.buffered() > this.limits.bufferBytes) {
      this.dropped += events;
      this.overSince ??= now;
      if (now - this.overSince >= this.limits.stallMs) this.sink.close();
      else this.watchCatchUp();
      return;
    }
    this.overSince = null;
    this.sendDropped();
    this.sink.write(chunk);
  }

  /** Stop the catch-up check (the stream is gone). */
  stop(): void {
    if (this.catchUp) clearInterval(this.catchUp);
    this.catchUp = null;
  }

  private sendDropped(): void {
    if (this.dropped === 0) return;
    this.sink.write(Buffer.from(`event: dropped\ndata: {"dropped":${this.dropped}}\n\n`));
    this.dropped = 0;
  }

  // The count of dropped events must reach a reader that catches up even when no new event follows (CI saw the
  // last drops of a flood go untold: the few events after it arrived while the stream was still draining).
  private watchCatchUp(): void {
    this.catchUp ??= setInterval(() => {
      if (this.sink.buffered() > this.limits.bufferBytes) {
        if (this.overSince !== null && Date.now() - this.overSince >= this.limits.stallMs) {
          this.stop();
          this.sink.close();
        }
        return;
      }
      this.overSince = null;
      this.sendDropped();
      this.stop();
    }, CATCH_UP_CHECK_MS).unref();
  }
}

export class TailHub {
  private subscribers = new Map<string, Set<Subscriber>>();
  private pending = new Map<string, { events: TailEventDto[]; overflow: number }>();
  private scheduled = false;
  private open = 0;
  private pinger: NodeJS.Timeout | null = null;
  readonly limits: TailLimits;

  /**
   * With a relay (PostgreSQL, several nodes: store/pg-commits.ts), reports received by other nodes reach this
   * node's subscribers, and this node's reach the other nodes' subscribers.
   */
  constructor(
    limits: Partial<TailLimits> = {},
    private readonly relay?: TailRelay,
  ) {
    this.limits = { ...DEFAULT_TAIL_LIMITS, ...limits };
    relay?.onEvents((projectId, events) => {
      if (!this.subscribers.has(projectId)) return;
      this.queue(projectId, events.filter(isTailEvent));
    });
  }

  /** Streams open now (all projects). */
  get size(): number {
    return this.open;
  }

  /**
   * Add a subscriber; returns its unsubscribe function, or throws a 429 when a cap is reached. The sink is
   * written only from the fan-out, never from the caller of publish().
   */
  subscribe(projectId: string, sink: TailSink): () => void {
    let set = this.subscribers.get(projectId);
    if ((set?.size ?? 0) >= this.limits.perProject) {
      throw tooManyTails("for this project", this.limits.perProject);
    }
    if (this.open >= this.limits.total) throw tooManyTails("on this instance", this.limits.total);
    if (!set) {
      this.subscribers.set(projectId, (set = new Set()));
      this.relay?.want(projectId, true);
    }
    const sub = new Subscriber(sink, this.limits);
    set.add(sub);
    this.open++;
    // One keep-alive timer for all streams (proxies close idle connections), through the same budget.
    this.pinger ??= setInterval(() => this.ping(), PING_MS).unref();
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      sub.stop();
      this.open--;
      if (this.open === 0 && this.pinger) {
        clearInterval(this.pinger);
        this.pinger = null;
      }
      set.delete(sub);
      if (set.size === 0 && this.subscribers.get(projectId) === set) {
        this.subscribers.delete(projectId);
        this.relay?.want(projectId, false);
      }
    };
  }

  /** Queue committed violations for the next fan-out; costs nothing when nobody tails the project. */
  publish(projectId: string, violations: readonly Violation[], at: number): void {
    const local = this.subscribers.has(projectId);
    const remote = this.relay?.wanted(projectId) ?? false;
    if ((!local && !remote) || violations.length === 0) return;
    const receivedAt = new Date(at).toISOString();
    const events = violations.slice(0, PER_PUBLISH).map((v): TailEventDto => ({
      receivedAt,
      directive: v.directive,
      blocked: v.blocked,
      documentUrl: v.documentUrl,
      noise: v.noise,
      browser: v.browser,
    }));
    if (remote) this.relay!.send(projectId, events);
    if (local) this.queue(projectId, events);
  }

  /** Queue events for the next fan-out, within PENDING_MAX per project (the rest counted as dropped). */
  private queue(projectId: string, events: readonly TailEventDto[]): void {
    let p = this.pending.get(projectId);
    if (!p) this.pending.set(projectId, (p = { events: [], overflow: 0 }));
    for (let i = 0; i < events.length; i++) {
      if (p.events.length >= PENDING_MAX) {
        p.overflow += events.length - i;
        break;
      }
      p.events.push(events[i]!);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.fanOut());
    }
  }

  /** Send a comment line to every subscriber; a stalled one is closed here even when no events arrive. */
  ping(): void {
    const chunk = Buffer.from(": ping\n\n");
    const now = Date.now();
    for (const set of this.subscribers.values()) for (const s of set) s.offer(chunk, 0, now);
  }

  private fanOut(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    const now = Date.now();
    for (const [projectId, { events, overflow }] of pending) {
      const set = this.subscribers.get(projectId);
      if (!set || events.length === 0) continue;
      // One serialization per event, one chunk for all subscribers: the cost does not grow with their number.
      let text = "";
      for (const e of events) text += `data: ${JSON.stringify(e)}\n\n`;
      const chunk = Buffer.from(text);
      for (const s of [...set]) {
        s.dropped += overflow;
        s.offer(chunk, events.length, now);
      }
    }
  }
}

/** An event another node sent (through the database, from Cinch itself: the shape is still checked). */
function isTailEvent(x: unknown): x is TailEventDto {
  if (typeof x !== "object" || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.receivedAt === "string" &&
    typeof e.directive === "string" &&
    typeof e.blocked === "string" &&
    typeof e.documentUrl === "string" &&
    (e.noise === null || typeof e.noise === "string") &&
    typeof e.browser === "string"
  );
}

function tooManyTails(where: string, cap: number): HttpError {
  return new HttpError(429, "too_many_tails", `at most ${cap} live tails may be open ${where}`, {
    "Retry-After": "30",
  });
}

/** Serve one tail subscription as text/event-stream on `ctx` (after the route checked auth and the project). */
export function streamTail(ctx: Context, hub: TailHub, projectId: string): void {
  const stream = new PassThrough();
  const res = ctx.res;
  const sink: TailSink = {
    write: (chunk) => stream.write(chunk),
    // The PassThrough's two buffers plus the response's own: pipe() stops moving data once the socket is full.
    buffered: () => stream.writableLength + stream.readableLength + res.writableLength,
    close: () => {
      stream.destroy();
      res.destroy();
    },
  };
  const unsubscribe = hub.subscribe(projectId, sink);
  ctx.req.socket.setTimeout(0);
  ctx.set("Content-Type", "text/event-stream; charset=utf-8");
  ctx.set("X-Accel-Buffering", "no");
  ctx.status = 200;
  ctx.body = stream;
  stream.write(": connected\n\n");
  ctx.req.on("close", unsubscribe);
  stream.on("close", unsubscribe);
  res.on("close", unsubscribe);
}
