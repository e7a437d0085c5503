// Live tail: committed reports are fanned out to Server-Sent-Event subscribers of their project.
import type { TailEventDto } from "../contract.ts";
import type { Violation } from "../reports/types.ts";

type Listener = (e: TailEventDto) => void;

export class TailHub {
  private listeners = new Map<string, Set<Listener>>();

  subscribe(projectId: string, fn: Listener): () => void {
    let set = this.listeners.get(projectId);
    if (!set) this.listeners.set(projectId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(projectId);
    };
  }

  /** Publish committed violations; at most `max` per call so a flood cannot swamp the viewers. */
  publish(projectId: string, violations: readonly Violation[], at: number, max = 20): void {
    const set = this.listeners.get(projectId);
    if (!set) return;
    const receivedAt = new Date(at).toISOString();
    for (const v of violations.slice(0, max)) {
      const e: TailEventDto = {
        receivedAt,
        directive: v.directive,
        blocked: v.blocked,
        documentUrl: v.documentUrl,
        noise: v.noise,
        browser: v.browser,
      };
      for (const fn of set) fn(e);
    }
  }
}
