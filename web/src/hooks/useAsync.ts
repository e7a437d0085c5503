// Load data for a view: loading / error / data, stale responses dropped, previous data kept while reloading.
import { useCallback, useEffect, useRef, useState } from "react";

export type AsyncState<T> = {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (after a successful mutation). */
  setData: (d: T) => void;
};

/** Run `load` whenever `deps` change; `load` may be async. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    loadRef.current().then(
      (d) => {
        if (seq.current !== mine) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (seq.current !== mine) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}
