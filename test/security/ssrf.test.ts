// No SSRF path: Cinch never fetches a URL found in a report. Proved twice: statically (no module in server/ but the
// alerts' notifier and the test report's sender, to the instance's own PUBLIC_URL, can open an outgoing connection) and dynamically (reports and API calls full of URLs pointing at a
// canary server, with every outgoing socket recorded, open no connection but the one to the admin-configured
// webhook receiver, #14).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { Socket } from "node:net";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";

const root = new URL("../../", import.meta.url).pathname;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "generated") walk(p, out);
    } else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Modules that reach the network or start processes. */
const MODULES = /from\s+["'](?:node:)?(?:net|tls|dns|dgram|http2|child_process)["']/;
/** Ways server code could reach the network. */
const OUTGOING = [
  /\bfetch\s*\(/,
  /\bXMLHttpRequest\b/,
  /\bWebSocket\b/,
  /\bEventSource\b/,
  /\.request\s*\(/,
  /\bhttps?\.get\s*\(/,
  /\bnet\.connect\b|\bcreateConnection\b|\btls\.connect\b/,
  MODULES,
  /from\s+["'](?:undici|axios|node-fetch|got|ky|superagent|request)["']/,
  /import\s*\(\s*["'](?:node:)?(?:http|https|net|tls|dns|dgram|http2)["']/,
  /require\s*\(/,
  /from\s+["']nodemailer["']/,
];
/** node:http / node:https are allowed only for serving, in these files. */
const SERVING = new Set(["server/server.ts"]);
/** The one module that sends (alerts to admin-configured webhook URLs and SMTP_URL only, #14). */
const NOTIFIER = "server/alerts/notifier.ts";
/**
 * "Send a test report" (#16) posts to the instance's own report URI, built from PUBLIC_URL by the route; the module
 * takes the URI as a parameter and never reads one from a report.
 */
const TEST_REPORT = "server/projects/test-report.ts";
/** The one module that starts a process: util-linux's chrt on the policy worker's own thread (#17). */
const PRIORITY = "server/policy-worker/priority.ts";
const CHILD_PROCESS = /from\s+["'](?:node:)?child_process["']/;

describe("static: nothing in server/ but the alerts' notifier and the test report's sender can open an outgoing connection", () => {
  const files = walk(join(root, "server")).map((f) => relative(root, f));

  test("the scan covers the server", () => {
    expect(files).toContain("server/api/ingest.ts");
    expect(files.length).toBeGreaterThan(30);
  });

  test("the notifier is the module that sends, and it sends to admin-configured destinations only", () => {
    expect(files).toContain(NOTIFIER);
    const src = readFileSync(join(root, NOTIFIER), "utf8");
    expect(src).toMatch(/resolveDestination/);
    expect(src).not.toMatch(/reports\//);
  });

  test("the test report goes to the instance's own report URI (PUBLIC_URL), never to a URL from a report", () => {
    expect(files).toContain(TEST_REPORT);
    const src = readFileSync(join(root, TEST_REPORT), "utf8");
    // One fetch, of the uri parameter; redirects not followed (a redirect could lead elsewhere).
    expect(src.match(/\bfetch\s*\(/g)).toHaveLength(1);
    expect(src).toMatch(/fetch\(uri,/);
    expect(src).toMatch(/redirect: "manual"/);
    const route = readFileSync(join(root, "server/api/dashboard.ts"), "utf8");
    expect(route).toMatch(/const uri = presentProject\(p, config\.publicUrl\)\.reportUri;/);
    expect(route).toMatch(/sendTestReport\(uri, report\)/);
  });

  test("the priority module runs chrt only: fixed program, no shell, arguments of its own making", () => {
    expect(files).toContain(PRIORITY);
    const src = readFileSync(join(root, PRIORITY), "utf8");
    expect(src).toMatch(/^import \{ execFile, spawnSync \} from "node:child_process";$/m);
    const calls = src.match(/\b(?:execFile|spawnSync|spawn|exec|execSync|execFileSync|fork)\s*\(/g) ?? [];
    const chrtCalls = src.match(/\b(?:execFile|spawnSync)\("chrt", /g) ?? [];
    expect(calls.length).toBeGreaterThan(0);
    expect(chrtCalls).toHaveLength(calls.length);
    expect(src).not.toMatch(/shell\s*:/);
    // Thread ids are numbers the process read itself (/proc/thread-self) or got from its own worker.
    expect(src).toMatch(/setBuildPriority\(tid: number, up: boolean\)/);
  });

  test.each(files.filter((f) => f !== NOTIFIER && f !== TEST_REPORT))("%s", (file) => {
    const src = readFileSync(join(root, file), "utf8");
    for (const re of OUTGOING) {
      if (file === PRIORITY && re === MODULES) {
        // child_process is allowed here (checked above); net, tls, dns and the rest are not.
        expect(src.replace(CHILD_PROCESS, ""), `${file} matches ${re}`).not.toMatch(re);
        continue;
      }
      expect(src, `${file} matches ${re}`).not.toMatch(re);
    }
    const http = /from\s+["'](?:node:)?https?["']/.test(src);
    if (http && !SERVING.has(file)) {
      // a type-only import is fine
      const lines = src.split("\n").filter((l) => /from\s+["'](?:node:)?https?["']/.test(l));
      for (const l of lines) expect(l, file).toMatch(/^import type /);
    }
  });
});

describe("dynamic: ingest and the API open no connection to URLs from reports", () => {
  let t: TestApp;
  let canary: Server;
  let canaryHits = 0;
  let canaryUrl: string;
  const outgoing: string[] = [];
  const originalConnect = Socket.prototype.connect;

  beforeAll(async () => {
    canary = createServer((_req, res) => {
      canaryHits++;
      res.end("<script>alert(1)</script>");
    });
    canary.on("connection", () => canaryHits++);
    await new Promise<void>((r) => canary.listen(0, "127.0.0.1", r));
    const addr = canary.address();
    canaryUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    t = await startTestApp();
    const appPort = new URL(t.url).port;
    // Record every outgoing socket except the test's own requests to the app under test.
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      // net.connect() hands Socket#connect its normalized arguments: [options, callback].
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const o = first as { port?: number | string; host?: string; path?: string } | number | string;
      const port = typeof o === "object" && o !== null ? String(o.port ?? o.path ?? "") : String(o);
      if (port !== appPort) outgoing.push(`${typeof o === "object" ? (o.host ?? "") : ""}:${port}`);
      return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
  });
  afterAll(async () => {
    Socket.prototype.connect = originalConnect;
    await t.close();
    await new Promise<void>((r) => canary.close(() => r()));
  });

  test("the recorder works: a connection from this process to the canary is seen", async () => {
    await (await fetch(`${canaryUrl}/probe`)).text();
    expect(canaryHits).toBeGreaterThan(0);
    expect(outgoing).toContain(`127.0.0.1:${new URL(canaryUrl).port}`);
    canaryHits = 0;
    outgoing.length = 0;
  });

  test("reports, listings and policy tools leave the canary untouched", async () => {
    const p = (await (
      await fetch(`${t.url}/api/projects`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "ssrf" }),
      })
    ).json()) as { id: string; reportKey: string };
    const u = (path: string) => `${canaryUrl}${path}`;
    const legacy = {
      "csp-report": {
        "document-uri": u("/doc"),
        referrer: u("/ref"),
        "blocked-uri": u("/blocked.js"),
        "source-file": u("/source.js"),
        "effective-directive": "script-src-elem",
        "violated-directive": "script-src-elem",
        "original-policy": `script-src 'self'; report-uri ${u("/report")}`,
        "script-sample": u("/sample"),
        disposition: "report",
      },
    };
    const modern = [
      {
        type: "csp-violation",
        url: u("/page"),
        user_agent: "Mozilla/5.0",
        body: {
          documentURL: u("/doc2"),
          blockedURL: u("/img.png"),
          sourceFile: u("/s.js"),
          referrer: u("/r"),
          effectiveDirective: "img-src",
          originalPolicy: `img-src 'self'; report-to ${u("/rt")}`,
          disposition: "enforce",
        },
      },
    ];
    const send = (type: string, body: unknown) =>
      fetch(`${t.url}/r/${p.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": type },
        body: JSON.stringify(body),
      });
    expect((await send("application/csp-report", legacy)).status).toBe(204);
    expect((await send("application/reports+json", modern)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));

    const get = (path: string) => fetch(`${t.url}${path}`, { headers: t.auth });
    const list = (await (await get(`/api/projects/${p.id}/violations?noise=include`)).json()) as {
      groups: { id: number }[];
    };
    expect(list.groups.length).toBeGreaterThan(0);
    for (const g of list.groups) await get(`/api/projects/${p.id}/violations/${g.id}`);
    await get(`/api/projects/${p.id}/stats`);
    await get(`/api/projects/${p.id}/policy/suggestion`);
    for (const [path, body] of [
      ["policy/build", {}],
      ["policy/evaluate", { policy: `script-src ${canaryUrl}; report-uri ${u("/x")}` }],
      ["policy/preview", { policy: `default-src 'self'; script-src ${canaryUrl}` }],
    ] as const) {
      await fetch(`${t.url}/api/projects/${p.id}/${path}`, {
        method: "POST",
        headers: { ...t.auth, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(canaryHits).toBe(0);
    expect(outgoing).toEqual([]);
  });
});

describe("dynamic: with alerts configured, the notifier connects only to the admin's webhook receiver", () => {
  test("reports full of canary URLs raise an alert to the receiver; the canary is never contacted", async () => {
    let canaryHits = 0;
    const canary = createServer((_req, res) => {
      canaryHits++;
      res.end();
    });
    canary.on("connection", () => canaryHits++);
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(body);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => canary.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const portOf = (s: Server) => {
      const a = s.address();
      return typeof a === "object" && a ? a.port : 0;
    };
    const canaryUrl = `http://127.0.0.1:${portOf(canary)}`;
    const t = await startTestApp({ ALERT_ALLOW_PRIVATE_DESTINATIONS: "true", ALERT_POLL_MS: "50" });
    const appPort = new URL(t.url).port;
    const outgoing: string[] = [];
    const originalConnect = Socket.prototype.connect;
    try {
      const post = async (path: string, body: unknown) =>
        (await (
          await fetch(`${t.url}${path}`, {
            method: "POST",
            headers: { ...t.auth, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          })
        ).json()) as { id: string; reportKey: string };
      const p = await post("/api/projects", { name: "ssrf-alerts" });
      const ch = await post("/api/alert-channels", {
        name: "receiver",
        kind: "webhook",
        url: `http://127.0.0.1:${portOf(receiver)}/hook`,
      });
      for (const kind of ["new-group", "enforced-block", "policy-drift"])
        await post(`/api/projects/${p.id}/alerts`, { kind, channels: [ch.id] });
      Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
        const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
        const o = first as { port?: number | string } | number | string;
        const port = typeof o === "object" && o !== null ? String(o.port ?? "") : String(o);
        if (port !== appPort) outgoing.push(port);
        return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
      } as typeof Socket.prototype.connect;
      const res = await fetch(`${t.url}/r/${p.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body: JSON.stringify({
          "csp-report": {
            "document-uri": `${canaryUrl}/doc`,
            referrer: `${canaryUrl}/ref`,
            "blocked-uri": `${canaryUrl}/blocked.js`,
            "source-file": `${canaryUrl}/source.js`,
            "effective-directive": "script-src-elem",
            "original-policy": `script-src 'self'; report-uri ${canaryUrl}/report`,
            disposition: "enforce",
          },
        }),
      });
      expect(res.status).toBe(204);
      await t.deps.alerts.engine.idle();
      await t.deps.alerts.tick();
      await t.deps.alerts.dispatcher.settle();
      expect(received.length).toBeGreaterThanOrEqual(2);
      expect(received.join("\n")).toContain(`${canaryUrl}/blocked.js`); // the URL is reported, never fetched
      expect(canaryHits).toBe(0);
      expect(new Set(outgoing)).toEqual(new Set([String(portOf(receiver))]));
    } finally {
      Socket.prototype.connect = originalConnect;
      await t.close();
      await new Promise<void>((r) => canary.close(() => r()));
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
