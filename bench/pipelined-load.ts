// The overload generator (#17): raw TCP sockets with HTTP/1.1 pipelining, open loop. autocannon spends more CPU
// per request than Cinch does answering a 429 (measured side by side: ~90–100 µs against this generator's ~40 µs
// per request, Cinch ~120 µs per 429), so on 2 shared cores it could not offer even 1 × Cinch's maximum rate. Here
// every request is serialized once into one buffer, a connection writes the requests due in one write (a
// zero-copy slice of that buffer), and of each answer only the status line and Content-Length are read.
//
// Requests are due on a fixed schedule (`rate` for `durationSec`) whether or not earlier ones were answered, and
// are handed to the connections in writes of up to `batch`. A connection takes no more while it has `depth`
// unanswered requests or while the kernel has not taken its last write (the server is not reading: TCP
// backpressure); when no connection can take them, due requests wait, and what is still waiting when the
// duration ends is never sent (`unsent`). So `sentPerSec` is what was really offered to the server, not what was
// asked. Latency is measured from the scheduled send time; an answer later than `timeoutSec` after its request was
// written is a timeout, as is a request still unanswered that long after the last write.
import { connect, type Socket } from "node:net";
import { record, summary, type Hist } from "./hist.ts";
import type { LoadRequest, LoadResult } from "./load.ts";

export type PipelinedSpec = {
  /** Base URL, e.g. http://127.0.0.1:8787 (plain HTTP). */
  url: string;
  path: string;
  requests: LoadRequest[];
  connections: number;
  /** Requests/s asked over all connections. */
  rate: number;
  /** Seconds of the schedule: rate × durationSec requests are due. */
  durationSec: number;
  /** Most unanswered requests per connection (default 16). */
  depth?: number;
  /** Most requests one connection writes at once (default: depth). */
  batch?: number;
  /** Seconds an answer may take after its request was written (default 10). */
  timeoutSec?: number;
};

/** Bytes a connection may hold that the kernel has not taken yet; past it the server is not reading. */
const WRITE_BACKLOG_BYTES = 64 * 1024;

const CRLF2 = Buffer.from("\r\n\r\n");
const HTTP = Buffer.from("HTTP/1.");
const CONTENT_LENGTH = "\r\nContent-Length: ";
const CONTENT_LENGTH_ANY = /\r\ncontent-length:[ \t]*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;

/** The requests serialized back to back, with each one's start offset (offsets[n] = the end). */
export function serializeRequests(spec: Pick<PipelinedSpec, "url" | "path" | "requests">): {
  all: Buffer;
  offsets: number[];
} {
  const host = new URL(spec.url).host;
  const parts = spec.requests.map((r) => {
    const body = Buffer.from(r.body);
    const head =
      `POST ${spec.path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${r.contentType}\r\n` +
      `User-Agent: ${r.userAgent}\r\nContent-Length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), body]);
  });
  const offsets = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1]! + p.length);
  return { all: Buffer.concat(parts), offsets };
}

/**
 * One connection. Its unanswered requests are consecutive templates from `first`; their scheduled and written
 * times are rings of `depth` slots from `head`.
 */
type Conn = {
  socket: Socket;
  open: boolean;
  next: number;
  first: number;
  pending: number;
  scheduled: Float64Array;
  written: Float64Array;
  head: number;
  /** Bytes of an answer not yet complete. */
  carry: Buffer | null;
};

export async function runPipelined(spec: PipelinedSpec): Promise<LoadResult> {
  const depth = spec.depth ?? 16;
  const batch = Math.min(depth, spec.batch ?? depth);
  const timeoutMs = (spec.timeoutSec ?? 10) * 1000;
  const total = Math.max(1, Math.round(spec.rate * spec.durationSec));
  const { all, offsets } = serializeRequests(spec);
  const n = spec.requests.length;
  const reports = spec.requests.map((r) => r.reports);
  const target = new URL(spec.url);
  const port = Number(target.port || 80);

  const latency: Hist = {};
  const statuses: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let timeouts = 0;
  let acked = 0;
  let shed = 0;
  let maxBacklog = 0;
  /** Requests written and not yet answered, over all connections. */
  let unanswered = 0;
  let sending = true;
  let finish: () => void = () => {};

  const conns: Conn[] = await Promise.all(Array.from({ length: spec.connections }, (_, i) => open(i)));

  function open(i: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.hostname, port, noDelay: true });
      const c: Conn = {
        socket,
        open: false,
        // Connections start at different templates, so the first writes are not all the same body.
        next: (i * 7) % n,
        first: (i * 7) % n,
        pending: 0,
        scheduled: new Float64Array(depth),
        written: new Float64Array(depth),
        head: 0,
        carry: null,
      };
      socket.once("connect", () => {
        c.open = true;
        resolve(c);
      });
      socket.on("error", (err) => {
        if (!c.open) reject(err); // before "connect"; later errors end in "close", which counts them
      });
      socket.on("data", (chunk: Buffer) => onData(c, chunk));
      socket.once("close", () => {
        // A reset or a close with requests unanswered: each of them is an error, and nothing more goes here.
        c.open = false;
        errors += c.pending;
        unanswered -= c.pending;
        c.pending = 0;
        finish();
      });
    });
  }

  function answer(c: Conn, status: number, now: number): void {
    const t = c.first;
    record(latency, now - c.scheduled[c.head]!);
    if (now - c.written[c.head]! > timeoutMs) timeouts++;
    c.head = c.head + 1 === depth ? 0 : c.head + 1;
    c.first = t + 1 === n ? 0 : t + 1;
    c.pending--;
    unanswered--;
    answered++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 204) acked += reports[t]!;
    else if (status === 429 || status === 503) shed += reports[t]!;
  }

  /** Read whole answers off the front of the bytes received; keep a partial one for the next chunk. */
  function onData(c: Conn, chunk: Buffer): void {
    const buf = c.carry === null ? chunk : Buffer.concat([c.carry, chunk]);
    const now = performance.now();
    let pos = 0;
    for (;;) {
      const end = buf.indexOf(CRLF2, pos);
      if (end === -1) break;
      if (c.pending === 0 || buf.compare(HTTP, 0, HTTP.length, pos, pos + HTTP.length) !== 0) {
        protocolError(c);
        return;
      }
      const status = (buf[pos + 9]! - 48) * 100 + (buf[pos + 10]! - 48) * 10 + (buf[pos + 11]! - 48);
      let length = 0;
      let close = false;
      if (status !== 204 && status !== 304) {
        const head = buf.toString("latin1", pos, end + 2);
        const at = head.indexOf(CONTENT_LENGTH);
        const m = at === -1 ? CONTENT_LENGTH_ANY.exec(head) : null;
        if (at === -1 && m === null) {
          protocolError(c); // a chunked or close-delimited body: Cinch sends neither on this route
          return;
        }
        length = at === -1 ? Number(m![1]) : parseInt(head.slice(at + CONTENT_LENGTH.length), 10);
        close = CONNECTION_CLOSE.test(head);
      }
      const next = end + 4 + length;
      if (next > buf.length) break;
      answer(c, status, now);
      pos = next;
      if (close) {
        c.open = false; // the server closes after this answer; "close" counts the requests left as errors
        break;
      }
    }
    c.carry = pos === buf.length ? null : buf.subarray(pos);
    finish();
  }

  function protocolError(c: Conn): void {
    c.open = false;
    c.carry = null;
    c.socket.destroy();
  }

  /** Write `k` requests on a connection, the first of them request number `seq` of the schedule. */
  function send(c: Conn, k: number, seq: number, started: number, now: number): void {
    for (let j = 0; j < k; j++) {
      const slot = (c.head + c.pending + j) % depth;
      c.scheduled[slot] = started + ((seq + j) / spec.rate) * 1000;
      c.written[slot] = now;
    }
    c.pending += k;
    unanswered += k;
    const from = c.next;
    const to = from + k;
    if (to <= n) {
      c.socket.write(all.subarray(offsets[from]!, offsets[to]!));
      c.next = to === n ? 0 : to;
    } else {
      c.socket.cork();
      c.socket.write(all.subarray(offsets[from]!, offsets[n]!));
      c.socket.write(all.subarray(0, offsets[to - n]!));
      c.socket.uncork();
      c.next = to - n;
    }
  }

  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let lastWrite = started;
  let rr = 0;
  await new Promise<void>((resolve) => {
    let deadline: NodeJS.Timeout | undefined;
    const end = () => {
      clearTimeout(deadline);
      resolve();
    };
    finish = () => {
      if (!sending && unanswered === 0) end();
    };
    const tick = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * spec.rate) + 1);
      // Hand the due requests out in writes of up to `batch`, connection after connection.
      let skipped = 0;
      while (sent < due && skipped < conns.length) {
        const c = conns[rr]!;
        rr = rr + 1 === conns.length ? 0 : rr + 1;
        const room = c.open && c.socket.writableLength < WRITE_BACKLOG_BYTES ? depth - c.pending : 0;
        const k = Math.min(due - sent, room, batch);
        if (k <= 0) {
          skipped++;
          continue;
        }
        skipped = 0;
        send(c, k, sent, started, now);
        sent += k;
        lastWrite = now;
      }
      maxBacklog = Math.max(maxBacklog, due - sent);
      const over = now - started >= spec.durationSec * 1000;
      if (sent === total || over || conns.every((c) => !c.open)) {
        clearInterval(tick);
        sending = false;
        deadline = setTimeout(end, Math.max(0, lastWrite + timeoutMs - now));
        finish();
      }
    }, 1);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const c of conns) {
    // Still unanswered at the deadline: timeouts (the close below then finds none left to count as errors).
    timeouts += c.pending;
    c.pending = 0;
    c.socket.destroy();
  }
  return {
    mode: "pipelined",
    seconds,
    sent,
    answered,
    statuses,
    errors,
    timeouts,
    ackedReports: acked,
    shedReports: shed,
    requestsPerSec: answered / seconds,
    ackedReportsPerSec: acked / seconds,
    latency,
    latencyMs: summary(latency),
    askedTotal: total,
    sentPerSec: (sent * 1000) / (lastWrite - started || 1),
    maxBacklog,
    generatorCpuUsPerRequest: sent > 0 ? (cpu.user + cpu.system) / sent : 0,
  };
}
