// Commits made by the other nodes on one PostgreSQL database. Each node's writer sends, inside its commit's
// transaction, a NOTIFY naming itself and every project the commit touched (pg-batch.ts); PostgreSQL delivers it
// only once the commit is durable. Every node LISTENs on one dedicated connection and counts, per project, the
// commits of the other nodes: readers that cache what they derive from a project's groups (the policy API) add
// this count to their own writer's generation, so another node's commit makes their cache stale.
// While the listening connection is down, notifications are lost: on reconnecting, every project's count moves
// (an epoch), so nothing cached before the gap is taken as current.
// The same connection carries the live tail across nodes (TailRelay): a node with tails open on a project says so
// every few seconds; a node that receives reports for a project another node tails sends them on, batched, in
// notifications of at most ~7 KB (PostgreSQL's limit is 8,000 bytes). Best effort, like the tail itself.
import { randomUUID } from "node:crypto";
import pg from "pg";

/** The channel of commit notifications; the payload is "<node id> <project id>". */
export const COMMIT_CHANNEL = "cinch_commit";
/** Live tails open on a node: "<node id> <project id>", repeated every WANT_EVERY_MS while they are. */
const TAIL_WANT_CHANNEL = "cinch_tail_want";
/** Tail events for the other nodes: {"n": node id, "p": project id, "e": events}. */
const TAIL_CHANNEL = "cinch_tail";
const WANT_EVERY_MS = 5_000;
const WANT_TTL_MS = 15_000;
const TAIL_FLUSH_MS = 20;
const TAIL_PAYLOAD_MAX = 7_000;

/** The live tail across nodes, as the tail hub sees it (events are the hub's, carried as JSON). */
export type TailRelay = {
  /** Whether another node has live tails open on the project. */
  wanted(projectId: string): boolean;
  /** This node has live tails open on the project (on), or no longer (off). */
  want(projectId: string, on: boolean): void;
  /** Send events this node received to the nodes that tail the project (batched). */
  send(projectId: string, events: readonly object[]): void;
  /** Hear the events other nodes received. */
  onEvents(fn: (projectId: string, events: unknown[]) => void): void;
};

/** How a reader learns of commits it did not make: a number per project that changes with each of them. */
export type GenerationSource = { generation(projectId: string): number };

/** A single node (SQLite): no commit but its own. */
export const NO_OTHER_NODES: GenerationSource = { generation: () => 0 };

export class CommitFeed implements GenerationSource, TailRelay {
  /** This node's id in the notifications it sends (its own are not counted). */
  readonly nodeId = randomUUID();
  private readonly counts = new Map<string, number>();
  private epoch = 0;
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly wantedUntil = new Map<string, number>();
  private readonly wants = new Set<string>();
  private wantTimer: NodeJS.Timeout | null = null;
  private outbox = new Map<string, object[]>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly listeners: ((projectId: string, events: unknown[]) => void)[] = [];

  constructor(
    private readonly url: string,
    /** Sends a notification (the node's pool). */
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
    private readonly retryMs = 1_000,
  ) {}

  wanted(projectId: string): boolean {
    return (this.wantedUntil.get(projectId) ?? 0) > Date.now();
  }

  want(projectId: string, on: boolean): void {
    if (!on) {
      this.wants.delete(projectId);
      return;
    }
    this.wants.add(projectId);
    this.announce(projectId);
    this.wantTimer ??= setInterval(() => {
      for (const p of this.wants) this.announce(p);
    }, WANT_EVERY_MS).unref();
  }

  private announce(projectId: string): void {
    this.notify(TAIL_WANT_CHANNEL, `${this.nodeId} ${projectId}`).catch(() => undefined);
  }

  send(projectId: string, events: readonly object[]): void {
    let box = this.outbox.get(projectId);
    if (!box) this.outbox.set(projectId, (box = []));
    box.push(...events);
    this.flushTimer ??= setTimeout(() => this.flushTail(), TAIL_FLUSH_MS);
  }

  onEvents(fn: (projectId: string, events: unknown[]) => void): void {
    this.listeners.push(fn);
  }

  /** Send what gathered, in notifications that stay under PostgreSQL's payload limit. */
  private flushTail(): void {
    this.flushTimer = null;
    const outbox = this.outbox;
    this.outbox = new Map();
    for (const [p, events] of outbox) {
      let batch: string[] = [];
      let size = 0;
      const flush = () => {
        if (batch.length === 0) return;
        const payload = `{"n":${JSON.stringify(this.nodeId)},"p":${JSON.stringify(p)},"e":[${batch.join(",")}]}`;
        this.notify(TAIL_CHANNEL, payload).catch(() => undefined);
        batch = [];
        size = 0;
      };
      for (const e of events) {
        const json = JSON.stringify(e);
        if (json.length > TAIL_PAYLOAD_MAX - 200) continue; // one event too large to carry: left out
        if (size + json.length > TAIL_PAYLOAD_MAX - 200) flush();
        batch.push(json);
        size += json.length + 1;
      }
      flush();
    }
  }

  private heard(channel: string, payload: string): void {
    if (channel === TAIL_CHANNEL) {
      let msg: { n?: unknown; p?: unknown; e?: unknown };
      try {
        msg = JSON.parse(payload) as typeof msg;
      } catch {
        return;
      }
      if (msg.n === this.nodeId || typeof msg.p !== "string" || !Array.isArray(msg.e)) return;
      for (const fn of this.listeners) fn(msg.p, msg.e as unknown[]);
      return;
    }
    const space = payload.indexOf(" ");
    if (space < 0 || payload.slice(0, space) === this.nodeId) return;
    const projectId = payload.slice(space + 1);
    if (channel === TAIL_WANT_CHANNEL) this.wantedUntil.set(projectId, Date.now() + WANT_TTL_MS);
    else if (channel === COMMIT_CHANNEL) this.counts.set(projectId, (this.counts.get(projectId) ?? 0) + 1);
  }

  generation(projectId: string): number {
    return this.epoch + (this.counts.get(projectId) ?? 0);
  }

  /** Start listening; resolves once the first LISTEN is in place (later reconnects run in the background). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "cinch-listen" });
    client.on("notification", (n) => {
      if (n.payload) this.heard(n.channel, n.payload);
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      this.reconnectLater();
    };
    client.on("error", lost);
    client.on("end", lost);
    await client.connect();
    await client.query(`LISTEN ${COMMIT_CHANNEL}; LISTEN ${TAIL_WANT_CHANNEL}; LISTEN ${TAIL_CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start().then(
        // Notifications sent while no connection listened are lost: move every project's generation.
        () => void this.epoch++,
        () => this.reconnectLater(),
      );
    }, this.retryMs);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.wantTimer) clearInterval(this.wantTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
