// Loading, empty and error states: every view shows one of these instead of a blank screen.
import type { ReactNode } from "react";
import { ApiError } from "../api/client.ts";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

/** Shows the server's message (never a stack); offers a retry when given one. */
export function ErrorState({ error, retry, title }: { error: Error; retry?: () => void; title?: string }) {
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : "";
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title ?? "Something went wrong"}</p>
      <p className="state-body">
        {error.message}
        {status}
      </p>
      {retry ? (
        <button type="button" className="btn" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Inline error line under a form. */
export function FormError({ error }: { error: Error | string | null }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {typeof error === "string" ? error : error.message}
    </p>
  );
}

/** Render data once loaded; loading, error and (optionally) empty states otherwise. */
export function Async<T>({
  state,
  children,
  isEmpty,
  empty,
  loadingLabel,
}: {
  state: { data: T | undefined; error: Error | null; loading: boolean; reload: () => void };
  children: (data: T) => ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
}) {
  if (state.error) return <ErrorState error={state.error} retry={state.reload} />;
  if (state.data === undefined) return <Loading label={loadingLabel} />;
  if (isEmpty?.(state.data) && empty) return <>{empty}</>;
  return <>{children(state.data)}</>;
}
