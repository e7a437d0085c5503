// A tiny history-API router: path patterns → named routes, a location hook, navigate(), and <Link>.
import {
  useEffect,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from "react";

export const ROUTES = {
  projects: "/",
  signin: "/signin",
  setup: "/setup",
  tokens: "/tokens",
  channels: "/channels",
  project: "/projects/:id",
  violations: "/projects/:id/violations",
  noise: "/projects/:id/noise",
  group: "/projects/:id/groups/:gid",
  /** The API's shape of a group's address (alert payloads link to it): opens the group page. */
  groupLink: "/projects/:id/violations/:gid",
  live: "/projects/:id/live",
  policy: "/projects/:id/policy",
  versions: "/projects/:id/versions",
  export: "/projects/:id/export",
  alerts: "/projects/:id/alerts",
  scripts: "/projects/:id/scripts",
  script: "/projects/:id/scripts/:sid",
  install: "/projects/:id/install",
  settings: "/projects/:id/settings",
} as const;

export type RouteName = keyof typeof ROUTES;
export type Match = { name: RouteName | "notFound"; params: Record<string, string> };

/** Match a pathname against the route table (trailing slashes ignored). */
export function matchRoute(pathname: string): Match {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const parts = path.split("/");
  for (const [name, pattern] of Object.entries(ROUTES) as [RouteName, string][]) {
    const pp = pattern.split("/");
    if (pp.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pp.length; i++) {
      const want = pp[i]!;
      const got = parts[i]!;
      if (want.startsWith(":")) {
        if (!got) ok = false;
        else {
          try {
            params[want.slice(1)] = decodeURIComponent(got);
          } catch {
            ok = false;
          }
        }
      } else if (want !== got) ok = false;
      if (!ok) break;
    }
    if (ok) return { name, params };
  }
  return { name: "notFound", params: {} };
}

/** Build a path from a route name and its parameters. */
export function pathFor(name: RouteName, params: Record<string, string | number> = {}): string {
  return ROUTES[name].replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(String(params[k] ?? "")));
}

const NAV_EVENT = "cinch:navigate";
const listeners = new Set<() => void>();
function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  window.addEventListener("popstate", fn);
  window.addEventListener(NAV_EVENT, fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener("popstate", fn);
    window.removeEventListener(NAV_EVENT, fn);
  };
}
const snapshot = () => window.location.pathname + window.location.search + window.location.hash;

/** Go to `to` (path + optional query). Scrolls to the top on a new page. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const samePath = new URL(to, window.location.href).pathname === window.location.pathname;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAV_EVENT));
  if (!samePath && typeof window.scrollTo === "function" && !navigator.userAgent.includes("jsdom"))
    window.scrollTo(0, 0);
}

/** The current location; re-renders on navigation. */
export function useLocation(): { pathname: string; search: string; hash: string } {
  useSyncExternalStore(subscribe, snapshot, snapshot);
  return { pathname: window.location.pathname, search: window.location.search, hash: window.location.hash };
}

/** URL search parameters with a setter that merges updates (null removes) and replaces the history entry. */
export function useSearchParams(): [
  URLSearchParams,
  (update: Record<string, string | null | undefined>) => void,
] {
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const set = (update: Record<string, string | null | undefined>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(update)) {
      if (v === null || v === undefined || v === "") next.delete(k);
      else next.set(k, v);
    }
    const qs = next.toString();
    navigate(`${window.location.pathname}${qs ? `?${qs}` : ""}`, { replace: true });
  };
  return [params, set];
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { to: string; children: ReactNode };

/** An <a> that navigates in-app on a plain left click (new tab / modified clicks behave as usual). */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

/** Replace the current entry with `to` after render (never navigate during render). */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
