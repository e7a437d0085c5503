// Live tail: subscribe to a project's Server-Sent Events, keep the newest events, pause and resume.
import { useEffect, useRef, useState } from "react";
import type { TailEventDto } from "../../../server/contract.ts";
import type { TailState } from "../api/client.ts";
import { useApi } from "./api.tsx";

export type TailItem = TailEventDto & { key: number };

export function useTail(projectId: string, opts: { paused: boolean; max?: number }) {
  const api = useApi();
  const max = opts.max ?? 200;
  const [events, setEvents] = useState<TailItem[]>([]);
  const [state, setState] = useState<TailState>("connecting");
  const [missed, setMissed] = useState(0);
  const paused = useRef(opts.paused);
  paused.current = opts.paused;
  const key = useRef(0);

  useEffect(() => {
    return api.tail(
      projectId,
      (e) => {
        if (paused.current) {
          setMissed((m) => m + 1);
          return;
        }
        const item = { ...e, key: ++key.current };
        setEvents((prev) => [item, ...prev].slice(0, max));
      },
      setState,
    );
  }, [api, projectId, max]);

  useEffect(() => {
    if (!opts.paused) setMissed(0);
  }, [opts.paused]);

  return { events, state, missed, clear: () => setEvents([]) };
}
