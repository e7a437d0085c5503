// Local receivers for the alert tests (#14): a webhook receiver recording every request (answering with a status the
// test sets), and an SMTP server (smtp-server) recording every message.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { SMTPServer } from "smtp-server";
import { api, type TestApp } from "../helpers/app.ts";

export type Received = { at: number; headers: IncomingHttpHeaders; body: string; path: string };

export type Receiver = {
  url: string;
  port: number;
  received: Received[];
  /** The status the next requests get (default 204). */
  status: number;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: "",
    port: 0,
    received: [],
    status: 204,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      r.received.push({
        at: Date.now(),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        path: req.url ?? "",
      });
      res.statusCode = r.status;
      if (r.status >= 300 && r.status < 400) res.setHeader("Location", "http://127.0.0.1:1/elsewhere");
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const addr = server.address();
  r.port = typeof addr === "object" && addr ? addr.port : 0;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  r.close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return r;
}

export type Mail = { from: string; to: string[]; raw: string };

export async function startSmtp(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        cb();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const addr = server.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}?starttls=off`,
    mails,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Poll until `check` returns a value (not undefined/false), or fail after `ms`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Create a project; its id and report key. */
export async function project(t: TestApp, name = "alerts"): Promise<{ id: string; reportKey: string }> {
  return (await (await api(t, "POST", "/api/projects", { name })).json()) as {
    id: string;
    reportKey: string;
  };
}

/** Create a webhook channel to a receiver; its id and secret. */
export async function webhook(
  t: TestApp,
  url: string,
  name = "hook",
): Promise<{ id: string; secret: string }> {
  const res = await api(t, "POST", "/api/alert-channels", { name, kind: "webhook", url });
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; secret: string };
}

/** Create a rule; its id. */
export async function rule(t: TestApp, projectId: string, body: Record<string, unknown>): Promise<string> {
  const res = await api(t, "POST", `/api/projects/${projectId}/alerts`, body);
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** POST one legacy report; resolves with the status. */
export async function report(
  t: TestApp,
  reportKey: string,
  r: {
    blocked: string;
    directive?: string;
    disposition?: "enforce" | "report";
    page?: string;
    policy?: string;
  },
): Promise<number> {
  const res = await fetch(`${t.url}/r/${reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body: JSON.stringify({
      "csp-report": {
        "document-uri": r.page ?? "https://shop.example/checkout",
        "blocked-uri": r.blocked,
        "effective-directive": r.directive ?? "script-src-elem",
        "violated-directive": r.directive ?? "script-src-elem",
        "original-policy": r.policy ?? "script-src 'self'; report-uri /r",
        disposition: r.disposition ?? "enforce",
      },
    }),
  });
  return res.status;
}
