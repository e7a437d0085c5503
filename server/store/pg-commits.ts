// Commits made by the other nodes on one PostgreSQL database. Each node's writer sends, inside its commit's
// transaction, a NOTIFY naming itself and every project the commit touched (pg-batch.ts); PostgreSQL delivers it
// only once the commit is durable. Every node LISTENs on one dedicated connection and counts, per project, the
// commits of the other nodes: readers that cache what they derive from a project's groups (the policy API) add
// this count to their own writer's generation, so another node's commit makes their cache stale.
// While the listening connection is down, notifications are lost: on reconnecting, every project's count moves
// (an epoch), so nothing cached before the gap is taken as current.
import { randomUUID } from "node:crypto";
import pg from "pg";

/** The channel of commit notifications; the payload is "<node id> <project id>". */
export const COMMIT_CHANNEL = "cinch_commit";

/** How a reader learns of commits it did not make: a number per project that changes with each of them. */
export type GenerationSource = { generation(projectId: string): number };

/** A single node (SQLite): no commit but its own. */
export const NO_OTHER_NODES: GenerationSource = { generation: () => 0 };

export class CommitFeed implements GenerationSource {
  /** This node's id in the notifications it sends (its own are not counted). */
  readonly nodeId = randomUUID();
  private readonly counts = new Map<string, number>();
  private epoch = 0;
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly retryMs = 1_000,
  ) {}

  generation(projectId: string): number {
    return this.epoch + (this.counts.get(projectId) ?? 0);
  }

  /** Start listening; resolves once the first LISTEN is in place (later reconnects run in the background). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "cinch-listen" });
    client.on("notification", (n) => {
      if (n.channel !== COMMIT_CHANNEL || !n.payload) return;
      const space = n.payload.indexOf(" ");
      if (space < 0 || n.payload.slice(0, space) === this.nodeId) return;
      const projectId = n.payload.slice(space + 1);
      this.counts.set(projectId, (this.counts.get(projectId) ?? 0) + 1);
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
    await client.query(`LISTEN ${COMMIT_CHANNEL}`);
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
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
