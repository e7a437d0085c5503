// The app: session gate (setup / sign-in), the frame, and the route table.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiClient, type SessionDto } from "./api/client.ts";
import { ApiContext } from "./hooks/api.tsx";
import { Link, matchRoute, navigate, pathFor, Redirect, useLocation } from "./lib/router.tsx";
import { Layout } from "./components/Layout.tsx";
import { ErrorState, Loading } from "./components/State.tsx";
import { SetupPage, SignInPage } from "./pages/AuthPages.tsx";
import { ProjectsPage } from "./pages/ProjectsPage.tsx";
import { ProjectShell } from "./pages/ProjectShell.tsx";
import { ViolationsPage } from "./pages/ViolationsPage.tsx";
import { GroupPage } from "./pages/GroupPage.tsx";
import { LivePage } from "./pages/LivePage.tsx";
import { InstallPage } from "./pages/InstallPage.tsx";
import { SettingsPage } from "./pages/SettingsPage.tsx";
import { TokensPage } from "./pages/TokensPage.tsx";
import { PolicyPage } from "./pages/PolicyPage.tsx";
import { VersionsPage } from "./pages/VersionsPage.tsx";
import { ExportPage } from "./pages/ExportPage.tsx";
import { AlertsPage } from "./pages/AlertsPage.tsx";
import { ChannelsPage } from "./pages/ChannelsPage.tsx";
import { ScriptsPage } from "./pages/scripts/ScriptsPage.tsx";
import { ScriptPage } from "./pages/scripts/ScriptPage.tsx";

type Session =
  | { state: "loading" }
  | { state: "out" }
  | { state: "in"; user: SessionDto["user"] }
  | { state: "error"; error: Error };

function NotFound() {
  return (
    <section className="state state-empty">
      <h1>Page not found</h1>
      <p>
        <Link to={pathFor("projects")}>Back to projects</Link>
      </p>
    </section>
  );
}

function Routes() {
  const { pathname } = useLocation();
  const m = matchRoute(pathname);
  const id = m.params.id ?? "";
  switch (m.name) {
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <Redirect to={pathFor("violations", { id })} />;
    case "groupLink":
      return (
        <Redirect to={`${pathFor("group", { id, gid: m.params.gid ?? "" })}${window.location.search}`} />
      );
    case "violations":
    case "noise":
    case "group":
    case "live":
    case "policy":
    case "versions":
    case "export":
    case "alerts":
    case "scripts":
    case "script":
    case "install":
    case "settings":
      return (
        <ProjectShell id={id} section={m.name}>
          {m.name === "violations" ? (
            <ViolationsPage key="groups" mode="groups" />
          ) : m.name === "noise" ? (
            <ViolationsPage key="noise" mode="noise" />
          ) : m.name === "group" ? (
            <GroupPage groupId={m.params.gid ?? ""} />
          ) : m.name === "live" ? (
            <LivePage />
          ) : m.name === "policy" ? (
            <PolicyPage />
          ) : m.name === "versions" ? (
            <VersionsPage />
          ) : m.name === "export" ? (
            <ExportPage />
          ) : m.name === "alerts" ? (
            <AlertsPage key={id} />
          ) : m.name === "scripts" ? (
            <ScriptsPage />
          ) : m.name === "script" ? (
            <ScriptPage key={m.params.sid} scriptId={m.params.sid ?? ""} />
          ) : m.name === "install" ? (
            <InstallPage />
          ) : (
            <SettingsPage key={id} />
          )}
        </ProjectShell>
      );
    case "channels":
      return <ChannelsPage />;
    case "tokens":
    case "signin":
    case "setup":
    case "notFound":
      return <NotFound />;
  }
}

export function App({ api: given }: { api?: ApiClient }) {
  const api = useMemo(() => given ?? new ApiClient(), [given]);
  const [session, setSession] = useState<Session>({ state: "loading" });
  const { pathname } = useLocation();

  const check = useCallback(() => {
    setSession({ state: "loading" });
    api.getSession().then(
      (s) => setSession(s ? { state: "in", user: s.user } : { state: "out" }),
      (error: unknown) => setSession({ state: "error", error: error as Error }),
    );
  }, [api]);

  useEffect(() => {
    api.onUnauthorized = () => setSession({ state: "out" });
    check();
    return () => {
      api.onUnauthorized = null;
    };
  }, [api, check]);

  const signedIn = () => {
    if (pathname === "/signin" || pathname === "/setup") navigate(pathFor("projects"), { replace: true });
    check();
  };
  const signOut = () => {
    api.signOut().then(
      () => setSession({ state: "out" }),
      () => setSession({ state: "out" }),
    );
  };

  let body;
  if (pathname === "/setup" && session.state !== "in") body = <SetupPage onDone={signedIn} />;
  else if (session.state === "loading") body = <Loading label="Starting Cinch…" />;
  else if (session.state === "error")
    body = (
      <main id="main" className="auth">
        <ErrorState error={session.error} retry={check} title="Cinch could not start" />
      </main>
    );
  else if (session.state === "out") body = <SignInPage onSignedIn={signedIn} />;
  else if (pathname === "/signin" || pathname === "/setup") body = <Redirect to={pathFor("projects")} />;
  else
    body = (
      <Layout email={session.user.email} onSignOut={signOut}>
        {pathname === "/tokens" ? (
          <TokensPage onSignedOut={() => setSession({ state: "out" })} />
        ) : (
          <Routes />
        )}
      </Layout>
    );
  return <ApiContext.Provider value={api}>{body}</ApiContext.Provider>;
}
