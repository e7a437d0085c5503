// App frame: skip link, a left navigation on desktop that collapses to a top bar with a menu on phones.
import { useEffect, useState, type ReactNode } from "react";
import { Link, pathFor, useLocation } from "../lib/router.tsx";

export function Layout({
  email,
  onSignOut,
  children,
}: {
  email: string;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setOpen(false), [pathname]);
  const current = (prefix: string) =>
    (prefix === "/" ? pathname === "/" || pathname.startsWith("/projects") : pathname.startsWith(prefix))
      ? "page"
      : undefined;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="sidebar">
        <div className="sidebar-top">
          <Link to={pathFor("projects")} className="brand" aria-label="Cinch home">
            <span className="brand-mark" aria-hidden="true" />
            Cinch
          </Link>
          <button
            type="button"
            className="btn btn-ghost menu-button"
            aria-expanded={open}
            aria-controls="main-nav"
            onClick={() => setOpen((o) => !o)}
          >
            Menu
          </button>
        </div>
        <nav id="main-nav" className={`main-nav${open ? " open" : ""}`} aria-label="Main">
          <ul>
            <li>
              <Link to={pathFor("projects")} aria-current={current("/")}>
                Projects
              </Link>
            </li>
            <li>
              <Link to={pathFor("channels")} aria-current={current("/channels")}>
                Alert channels
              </Link>
            </li>
            <li>
              <Link to={pathFor("tokens")} aria-current={current("/tokens")}>
                API tokens
              </Link>
            </li>
          </ul>
          <div className="account">
            <span className="account-email" title={email}>
              {email}
            </span>
            <button type="button" className="btn btn-small" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
