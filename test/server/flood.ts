// Test helpers for load on a running Cinch: Reporting-API batches, an ingest flood, and raw SSE tails.
import { connect, type Socket } from "node:net";

/** A Reporting-API body of `n` CSP violations whose document URLs are `pad` characters long (bigger tail events). */
export function reportBatch(n: number, pad = 0, seed = 0): string {
  const doc = `https://app.example.com/${"p".repeat(pad)}`;
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      type: "csp-violation",
      age: 0,
      url: doc,
      user_agent: "Mozilla/5.0 Chrome/126.0.0.0",
      body: {
        documentURL: doc,
        effectiveDirective: "script-src-elem",
        blockedURL: `https://cdn${seed + i}.example.net/lib.js`,
        disposition: "enforce",
        originalPolicy: "script-src 'self'",
        statusCode: 200,
      },
    })),
  );
}

/** POST `requests` batches to /r/<key>, `concurrency` at a time; returns the count of each status. */
export async function flood(
  url: string,
  reportKey: string,
  opts: {
    requests: number;
    batch: number;
    pad?: number;
    concurrency?: number;
    /** A new body per request, with blocked URLs no earlier request had (new groups: the database grows). */
    vary?: boolean;
    /** Told each answer (status and body text). */
    onAnswer?: (status: number, body: string, headers: Headers) => void;
  },
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const fixed = reportBatch(opts.batch, opts.pad ?? 0);
  const worker = async () => {
    while (next < opts.requests) {
      const i = next++;
      const res = await fetch(`${url}/r/${reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/reports+json" },
        body: opts.vary ? reportBatch(opts.batch, opts.pad ?? 0, Date.now() * 1000 + i * opts.batch) : fixed,
      });
      const text = await res.text();
      opts.onAnswer?.(res.status, text, res.headers);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return statuses;
}

/** A raw SSE client of /api/projects/:id/tail: `paused` sockets never read (a stuck or slow viewer). */
export type RawTail = { socket: Socket; status: Promise<number>; text: () => string; closed: Promise<void> };

export function openTail(
  url: string,
  projectId: string,
  token: string,
  opts: { paused?: boolean } = {},
): RawTail {
  const { port } = new URL(url);
  let text = "";
  let setStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => (setStatus = r));
  const socket = connect(Number(port), "127.0.0.1", () => {
    socket.write(
      `GET /api/projects/${projectId}/tail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  });
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  socket.on("error", () => {});
  socket.on("data", (d: Buffer) => {
    const first = text === "";
    if (first) setStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString("latin1"))?.[1] ?? 0));
    text += d.toString();
    // Paused after the answer's first bytes: from then on it reads only once the test resumes it.
    if (first && opts.paused) socket.pause();
  });
  return { socket, status, text: () => text, closed };
}
