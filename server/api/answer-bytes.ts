// The policy builder's answers are JSON bytes of a few megabytes each (2.7 MB at 20,000 groups), made by the
// policy worker or in process, kept in the answer cache and sent, sometimes to several clients at once. Left to the
// garbage collector, each one is external memory that only a full collection of the main thread frees: a dashboard
// asking again after each new report piled up ~64 MB in ~25 answers, V8 then ran a mark-compact on the event loop
// for "external memory pressure" (pauses of 30-80 ms, measured with --trace-gc, 2026-12-07), and ingest's p99
// took them. So the bytes are counted while the cache holds them or a response sends them, and let go the moment
// neither does: handed back to the policy worker thread when it runs, which encodes a later answer into them (so it
// does not allocate megabytes per build that its own collector would have to find; no difference in build time was
// measurable on the day's noisy machine), otherwise detached in place where ArrayBuffer.prototype.transfer exists
// (Node 21+).
import type { ServerResponse } from "node:http";

/** Frees the memory of an answer's bytes nothing on this thread uses any more. */
export type FreeBytes = (bytes: ArrayBuffer) => void;

/**
 * Hand the memory `elsewhere` (the policy worker, by transfer: false when none runs), else detach it in place (Node
 * 21+: released at once), else leave it to the collector.
 */
export function freeBytes(elsewhere: (bytes: ArrayBuffer) => boolean): FreeBytes {
  return (bytes) => {
    try {
      if (elsewhere(bytes)) return;
      const detach = (bytes as { transfer?: (length: number) => ArrayBuffer }).transfer;
      if (typeof detach === "function") detach.call(bytes, 0);
    } catch {
      // Memory that cannot be detached or moved (never an answer's own): left to the collector. This runs in a
      // response's 'close' handler, where a throw would end the process.
    }
  };
}

export class AnswerBytes {
  /** Answers made here, by their memory, with how many holders (cache entries, responses sending them) they have. */
  private readonly holders = new Map<ArrayBuffer, number>();
  /** Answers made here that nothing holds yet (a compute's result before the cache or a response takes it). */
  private readonly fresh = new WeakSet<ArrayBuffer>();

  constructor(private readonly free: FreeBytes) {}

  /**
   * Bytes made for an answer, whose memory is theirs alone (never a slice of Node's shared pool): counted from now
   * on. A Buffer that shares its memory is left to the collector. The memory is let go whole (`whole`: a worker's
   * answer may fill only the start of it).
   */
  own(bytes: Buffer, whole = false): Buffer {
    // `whole`: the memory came whole to this thread (moved from the worker), however much of it the answer fills.
    if (whole || (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length && bytes.length > 0)) {
      this.fresh.add(bytes.buffer as ArrayBuffer);
    }
    return bytes;
  }

  /** Something (the cache, a response) uses these bytes until it calls drop. */
  hold(bytes: unknown): void {
    const memory = memoryOf(bytes);
    if (!memory) return;
    const n = this.holders.get(memory);
    if (n !== undefined) this.holders.set(memory, n + 1);
    else if (this.fresh.has(memory)) {
      this.fresh.delete(memory);
      this.holders.set(memory, 1);
    }
  }

  /** One user is done with these bytes; the last one frees them. */
  drop(bytes: unknown): void {
    const memory = memoryOf(bytes);
    if (!memory) return;
    const n = this.holders.get(memory);
    if (n === undefined) return;
    if (n > 1) {
      this.holders.set(memory, n - 1);
      return;
    }
    this.holders.delete(memory);
    this.free(memory);
  }

  /**
   * Held while `res` sends them: 'close' comes after the last byte went to the kernel or after the connection was
   * destroyed (its pending writes cancelled first), so no write reads freed memory.
   */
  sending(bytes: Buffer, res: ServerResponse): Buffer {
    this.hold(bytes);
    res.once("close", () => this.drop(bytes));
    return bytes;
  }

  /** Answers currently counted (for tests). */
  get counted(): number {
    return this.holders.size;
  }
}

const memoryOf = (bytes: unknown): ArrayBuffer | null =>
  Buffer.isBuffer(bytes) && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : null;
