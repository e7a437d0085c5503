// Helpers for the security tests: an app with an admin account, and a browser-like session (cookie + CSRF token).
import { startTestApp, type TestApp } from "../helpers/app.ts";

export const ADMIN = { email: "admin@example.test", password: "kettle-orbit-sparrow-93" };

export type Browser = {
  /** The Cookie header value the browser would send. */
  cookie: string;
  csrfToken: string;
  /** fetch as this browser: same-origin headers, the cookie, and the CSRF token unless `csrf: false`. */
  fetch(path: string, init?: RequestInit & { csrf?: boolean; json?: unknown }): Promise<Response>;
};

/** Start an app that has one admin account. */
export async function startAppWithAdmin(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ SIGNIN_ATTEMPTS_PER_MINUTE: "1000", ...env });
  await t.deps.users.create(ADMIN.email, ADMIN.password);
  return t;
}

/** The name=value pair of the session cookie in a response. */
export function sessionCookieOf(res: Response): string | null {
  for (const c of res.headers.getSetCookie()) {
    const m = /^((?:__Host-)?cinch_session=[^;]*)/.exec(c);
    if (m?.[1]) return m[1];
  }
  return null;
}

/** POST /api/session as a same-origin browser would. */
export function postSignIn(
  t: TestApp,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${t.url}/api/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin", ...headers },
    body: JSON.stringify(body),
  });
}

/** Sign in and return a browser holding the session. */
export async function signIn(t: TestApp, creds = ADMIN): Promise<Browser> {
  const res = await postSignIn(t, creds);
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = sessionCookieOf(res);
  if (!cookie) throw new Error("no session cookie");
  return browser(t, cookie, csrfToken);
}

export function browser(t: TestApp, cookie: string, csrfToken: string): Browser {
  return {
    cookie,
    csrfToken,
    fetch(path, init = {}) {
      const { csrf = true, json, ...rest } = init;
      const headers: Record<string, string> = {
        Cookie: cookie,
        "Sec-Fetch-Site": "same-origin",
        ...(csrf ? { "X-CSRF-Token": csrfToken } : {}),
        ...(json !== undefined ? { "Content-Type": "application/json" } : {}),
        ...(rest.headers as Record<string, string> | undefined),
      };
      return fetch(`${t.url}${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
  };
}

export type RawResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};

/**
 * An HTTP request with exactly these headers. fetch() cannot send some of them (Origin is a forbidden header and
 * undici drops it), and a browser's cross-site request is exactly what these tests need to forge.
 */
export async function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
