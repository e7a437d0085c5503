// Sign-in and first-run setup (the one-time URL the server prints: /setup#<token>).
import { useEffect, useId, useState, type FormEvent } from "react";
import { useApi } from "../hooks/api.tsx";
import { useTitle } from "../hooks/useTitle.ts";
import { FormError } from "../components/State.tsx";

/** One labelled input of the auth forms (email or password), optionally with a hint below it. */
function AuthField(props: {
  id: string;
  label: string;
  type: "email" | "password";
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  minLength?: number;
  hint?: string;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type}
        autoComplete={props.autoComplete}
        required
        minLength={props.minLength}
        aria-describedby={hintId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint ? (
        <p className="field-hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="auth" id="main">
      <div className="auth-card">
        <p className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Cinch
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const api = useApi();
  const id = useId();
  useTitle("Sign in");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [setupNeeded, setSetupNeeded] = useState(false);
  useEffect(() => {
    api.setupStatus().then(
      (s) => setSetupNeeded(s.needed),
      () => undefined,
    );
  }, [api]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(email, password);
      onSignedIn();
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <AuthCard title="Sign in">
      {setupNeeded ? (
        <p className="notice" role="status">
          No administrator exists yet. Open the one-time setup URL that the Cinch server printed when it
          started.
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <AuthField
          id={`${id}-email`}
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <AuthField
          id={`${id}-password`}
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <FormError error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </AuthCard>
  );
}

export const MIN_PASSWORD = 12;

export function SetupPage({ onDone }: { onDone: () => void }) {
  const api = useApi();
  const id = useId();
  useTitle("Set up Cinch");
  const [token] = useState(() => decodeURIComponent(window.location.hash.replace(/^#/, "")));
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | string | null>(null);
  useEffect(() => {
    // Keep the token out of the address bar (and out of screenshots and history) once read.
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
    api.setupStatus().then(
      (s) => setNeeded(s.needed),
      (e: unknown) => setError(e as Error),
    );
  }, [api]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password.length < MIN_PASSWORD)
      return setError(`Use at least ${MIN_PASSWORD} characters for the password.`);
    if (password !== confirm) return setError("The passwords do not match.");
    setBusy(true);
    setError(null);
    try {
      await api.setup(token, email, password);
      onDone();
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  if (needed === false) {
    return (
      <AuthCard title="Cinch is already set up">
        <p>An administrator exists. Sign in instead.</p>
        <a className="btn btn-primary btn-block" href="/signin">
          Go to sign in
        </a>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Create the first administrator">
      {!token ? (
        <p className="form-error" role="alert">
          This link has no setup token. Open the exact URL the server printed (it ends in #…).
        </p>
      ) : (
        <p className="hint">This one-time link expires once used.</p>
      )}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <AuthField
          id={`${id}-email`}
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <AuthField
          id={`${id}-password`}
          label="Password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          value={password}
          onChange={setPassword}
        />
        <AuthField
          id={`${id}-confirm`}
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={setConfirm}
        />
        <FormError error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !token}>
          {busy ? "Creating…" : "Create administrator"}
        </button>
      </form>
    </AuthCard>
  );
}
