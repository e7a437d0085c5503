// API client: URLs and query strings, the CSRF header on state-changing requests, error bodies, 401 handling.
import { describe, expect, test, vi } from "vitest";
import { ApiClient, ApiError, queryString } from "../../web/src/api/client.ts";

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: (() => Response)[]) {
  const calls: Call[] = [];
  const fn = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const next = responses.shift();
    return Promise.resolve(next ? next() : new Response("{}", { status: 200 }));
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const header = (c: Call | undefined, name: string) => new Headers(c?.init.headers).get(name);

describe("queryString", () => {
  test.each([
    { q: {}, out: "" },
    { q: { a: 1, b: "x" }, out: "?a=1&b=x" },
    { q: { a: undefined, b: null, c: "" }, out: "" },
    { q: { text: "a b&c" }, out: "?text=a+b%26c" },
    { q: { reportOnly: false }, out: "?reportOnly=false" },
  ])("$q → $out", ({ q, out }) => {
    expect(queryString(q)).toBe(out);
  });
});

describe("ApiClient", () => {
  test("GET violations builds the path and query, sends no CSRF header", async () => {
    const { fetch, calls } = fakeFetch([
      json({ groups: [], totals: { groups: 0, reports: 0, byDirective: {} } }),
    ]);
    const api = new ApiClient({ fetch });
    api.csrfToken = "csrf-1";
    await api.violations("p/1", {
      since: 1000,
      until: 2000,
      directive: "script-src",
      sort: "count",
      text: "",
    });
    expect(calls[0]?.url).toBe(
      "/api/projects/p%2F1/violations?since=1000&until=2000&directive=script-src&sort=count",
    );
    expect(calls[0]?.init.method).toBe("GET");
    expect(header(calls[0], "X-CSRF-Token")).toBeNull();
    expect(calls[0]?.init.credentials).toBe("same-origin");
  });

  test("series drops paging and sorting parameters", async () => {
    const { fetch, calls } = fakeFetch([json({ points: [] })]);
    await new ApiClient({ fetch }).series("p1", {
      since: 1,
      until: 2,
      sort: "count",
      limit: 5,
      offset: 10,
      noise: "only",
    });
    expect(calls[0]?.url).toBe("/api/projects/p1/violations/series?since=1&until=2&noise=only");
  });

  test.each([
    { name: "POST", run: (a: ApiClient) => a.createProject("x") },
    { name: "PATCH", run: (a: ApiClient) => a.updateProject("p1", { name: "y" }) },
    { name: "DELETE", run: (a: ApiClient) => a.deleteToken("t1") },
  ])("$name sends X-CSRF-Token and a JSON body", async ({ name, run }) => {
    const { fetch, calls } = fakeFetch([
      name === "DELETE" ? () => new Response(null, { status: 204 }) : json({}),
    ]);
    const api = new ApiClient({ fetch });
    api.csrfToken = "csrf-abc";
    await run(api);
    expect(calls[0]?.init.method).toBe(name);
    expect(header(calls[0], "X-CSRF-Token")).toBe("csrf-abc");
  });

  test("sign-in stores the CSRF token for later requests", async () => {
    const { fetch, calls } = fakeFetch([json({ csrfToken: "fresh" }, 201), json({ id: "p" }, 201)]);
    const api = new ApiClient({ fetch });
    await api.signIn("a@b.c", "pw");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ email: "a@b.c", password: "pw" });
    await api.createProject("n");
    expect(header(calls[1], "X-CSRF-Token")).toBe("fresh");
  });

  test("getSession returns null on 401 without calling onUnauthorized", async () => {
    const { fetch } = fakeFetch([json({ error: "unauthorized", message: "authentication required" }, 401)]);
    const api = new ApiClient({ fetch });
    const spy = vi.fn();
    api.onUnauthorized = spy;
    await expect(api.getSession()).resolves.toBeNull();
    expect(spy).not.toHaveBeenCalled();
  });

  test("getSession keeps the session's CSRF token", async () => {
    const { fetch } = fakeFetch([json({ user: { email: "a@b.c" }, csrfToken: "s1" })]);
    const api = new ApiClient({ fetch });
    await expect(api.getSession()).resolves.toEqual({ user: { email: "a@b.c" }, csrfToken: "s1" });
    expect(api.csrfToken).toBe("s1");
  });

  test("an error body becomes an ApiError with the server's id and message", async () => {
    const { fetch } = fakeFetch([json({ error: "invalid_input", message: "query.limit: too big" }, 400)]);
    const err = await new ApiClient({ fetch }).violations("p1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: "invalid_input", message: "query.limit: too big" });
  });

  test("a non-JSON error keeps a generic message", async () => {
    const { fetch } = fakeFetch([
      () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    ]);
    await expect(new ApiClient({ fetch }).listProjects()).rejects.toMatchObject({
      status: 502,
      code: "http_502",
      message: "The server answered 502 Bad Gateway.",
    });
  });

  test("a 401 on another call signals that the session ended", async () => {
    const { fetch } = fakeFetch([json({ error: "unauthorized", message: "authentication required" }, 401)]);
    const api = new ApiClient({ fetch });
    const spy = vi.fn();
    api.onUnauthorized = spy;
    await expect(api.listProjects()).rejects.toMatchObject({ status: 401 });
    expect(spy).toHaveBeenCalledOnce();
  });

  test("a network failure becomes a readable ApiError", async () => {
    const api = new ApiClient({
      fetch: (() => Promise.reject(new TypeError("Failed to fetch"))) as typeof fetch,
    });
    await expect(api.listProjects()).rejects.toMatchObject({ status: 0, code: "network" });
  });

  test("listProjects unwraps {projects}", async () => {
    const { fetch } = fakeFetch([json({ projects: [{ id: "a" }] })]);
    await expect(new ApiClient({ fetch }).listProjects()).resolves.toEqual([{ id: "a" }]);
  });

  test("exportPolicy returns text and passes every option", async () => {
    const { fetch, calls } = fakeFetch([
      () => new Response('add_header Content-Security-Policy "x";', { status: 200 }),
    ]);
    const text = await new ApiClient({ fetch }).exportPolicy("p1", {
      format: "nginx",
      version: 3,
      reportOnly: true,
      companions: false,
    });
    expect(text).toBe('add_header Content-Security-Policy "x";');
    expect(calls[0]?.url).toBe(
      "/api/projects/p1/policy/export?format=nginx&version=3&reportOnly=true&companions=false",
    );
  });

  test.each([
    {
      what: "the default sends neither reportOnly nor state: the server exports what is deployed",
      req: { format: "header", companions: false },
      url: "/api/projects/p1/policy/export?format=header&companions=false",
    },
    {
      what: "state=both is the server's default and is left out",
      req: { format: "header", companions: false, state: "both" },
      url: "/api/projects/p1/policy/export?format=header&companions=false",
    },
    {
      what: "one of the deployed policies",
      req: { format: "nginx", companions: true, state: "report-only" },
      url: "/api/projects/p1/policy/export?format=nginx&companions=true&state=report-only",
    },
    {
      what: "a version ignores the deploy state",
      req: { format: "header", companions: false, version: 2, state: "enforced" },
      url: "/api/projects/p1/policy/export?format=header&version=2&companions=false",
    },
  ] as const)("exportPolicy: $what", async ({ req, url }) => {
    const { fetch, calls } = fakeFetch([() => new Response("x", { status: 200 })]);
    await new ApiClient({ fetch }).exportPolicy("p1", req);
    expect(calls[0]?.url).toBe(url);
  });

  test("setVersionState answers the version with the header(s) to deploy", async () => {
    const deploy = "Content-Security-Policy: default-src 'self'; report-uri https://c/r/k?v=2\n";
    const { fetch, calls } = fakeFetch([json({ version: 2, state: "enforced", policy: "x", deploy })]);
    const r = await new ApiClient({ fetch }).setVersionState("p1", 2, "enforced");
    expect(calls[0]?.url).toBe("/api/projects/p1/policy/versions/2/state");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ state: "enforced" });
    expect(r.deploy).toBe(deploy);
  });

  // The policy answers are the contract's DTOs: the client passes them through, filling and dropping nothing
  // (test/api/policy-contract.test.ts checks this against the real server for every policy route).
  test("policyRollout reads GET /policy/rollout and passes the answer through", async () => {
    const answer = { enforced: 1, reportOnly: null, deploy: "", untagged: null, versions: [] };
    const { fetch, calls } = fakeFetch([json(answer)]);
    const r = await new ApiClient({ fetch }).policyRollout("p1");
    expect(calls[0]?.url).toBe("/api/projects/p1/policy/rollout");
    expect(r).toStrictEqual(answer);
  });

  test("buildPolicy posts the choices and passes the answer through", async () => {
    const answer = { policy: "default-src 'self'", grade: "B" };
    const { fetch, calls } = fakeFetch([json(answer)]);
    const r = await new ApiClient({ fetch }).buildPolicy("p1", { accepted: ["s1"], rejected: ["s2"] });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ accepted: ["s1"], rejected: ["s2"] });
    expect(r).toStrictEqual(answer);
  });

  test("tail parses events, drops malformed ones and reports state", () => {
    const instances: FakeES[] = [];
    class FakeES {
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      onmessage: ((m: MessageEvent) => void) | null = null;
      readyState = 0;
      closed = false;
      constructor(
        readonly url: string,
        readonly init?: EventSourceInit,
      ) {
        instances.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    const api = new ApiClient({ eventSource: FakeES as unknown as typeof EventSource });
    const events: unknown[] = [];
    const states: string[] = [];
    const stop = api.tail(
      "p1",
      (e) => events.push(e),
      (s) => states.push(s),
    );
    const es = instances[0]!;
    expect(es.url).toBe("/api/projects/p1/tail");
    es.onopen?.();
    es.onmessage?.({ data: "not json" } as MessageEvent);
    es.onmessage?.({ data: JSON.stringify({ nope: 1 }) } as MessageEvent);
    es.onmessage?.({
      data: JSON.stringify({
        receivedAt: "2026-01-01T00:00:00Z",
        directive: "img-src",
        blocked: "data",
        documentUrl: "https://a/",
        noise: null,
        browser: "Chrome",
      }),
    } as MessageEvent);
    expect(events).toEqual([
      {
        receivedAt: "2026-01-01T00:00:00Z",
        directive: "img-src",
        blocked: "data",
        documentUrl: "https://a/",
        noise: null,
        browser: "Chrome",
      },
    ]);
    expect(states).toEqual(["connecting", "open"]);
    stop();
    expect(es.closed).toBe(true);
  });
});

describe("ApiClient, alerts (#14)", () => {
  const rule = { kind: "new-group" as const, channels: ["c1"] };
  test.each<{
    name: string;
    call: (api: ApiClient) => Promise<unknown>;
    method: string;
    url: string;
    body?: unknown;
  }>([
    {
      name: "listAlertChannels",
      call: (a) => a.listAlertChannels(),
      method: "GET",
      url: "/api/alert-channels",
    },
    {
      name: "createAlertChannel",
      call: (a) => a.createAlertChannel({ name: "ops", kind: "webhook", url: "https://h.example/x" }),
      method: "POST",
      url: "/api/alert-channels",
      body: { name: "ops", kind: "webhook", url: "https://h.example/x" },
    },
    {
      name: "deleteAlertChannel",
      call: (a) => a.deleteAlertChannel("c/1"),
      method: "DELETE",
      url: "/api/alert-channels/c%2F1",
    },
    {
      name: "testAlertChannel",
      call: (a) => a.testAlertChannel("c1"),
      method: "POST",
      url: "/api/alert-channels/c1/test",
    },
    {
      name: "listAlertRules",
      call: (a) => a.listAlertRules("p1"),
      method: "GET",
      url: "/api/projects/p1/alerts",
    },
    {
      name: "createAlertRule",
      call: (a) => a.createAlertRule("p1", rule),
      method: "POST",
      url: "/api/projects/p1/alerts",
      body: rule,
    },
    {
      name: "updateAlertRule",
      call: (a) => a.updateAlertRule("p1", "r1", { quietMinutes: 5 }),
      method: "PATCH",
      url: "/api/projects/p1/alerts/r1",
      body: { quietMinutes: 5 },
    },
    {
      name: "deleteAlertRule",
      call: (a) => a.deleteAlertRule("p1", "r1"),
      method: "DELETE",
      url: "/api/projects/p1/alerts/r1",
    },
    {
      name: "previewAlertRule",
      call: (a) => a.previewAlertRule("p1", rule),
      method: "POST",
      url: "/api/projects/p1/alerts/preview",
      body: rule,
    },
    {
      name: "alertDeliveries",
      call: (a) => a.alertDeliveries("p1", { status: "failed", limit: 50 }),
      method: "GET",
      url: "/api/projects/p1/alerts/deliveries?status=failed&limit=50",
    },
    {
      name: "groupAlerts",
      call: (a) => a.groupAlerts("p1", 7),
      method: "GET",
      url: "/api/projects/p1/violations/7/alerts",
    },
    {
      name: "triageGroup",
      call: (a) => a.triageGroup("p1", 7, "muted"),
      method: "POST",
      url: "/api/projects/p1/violations/7/triage",
      body: { state: "muted" },
    },
  ])("$name: $method $url", async ({ call, method, url, body }) => {
    const { fetch, calls } = fakeFetch([
      () =>
        method === "DELETE"
          ? new Response(null, { status: 204 })
          : json({ channels: [], rules: [], deliveries: [] })(),
    ]);
    const api = new ApiClient({ fetch });
    api.csrfToken = "csrf-1";
    await call(api);
    expect(calls[0]?.url).toBe(url);
    expect(calls[0]?.init.method).toBe(method);
    expect(header(calls[0], "X-CSRF-Token")).toBe(method === "GET" ? null : "csrf-1");
    expect(calls[0]?.init.body === undefined ? undefined : JSON.parse(String(calls[0]?.init.body))).toEqual(
      body,
    );
  });

  test("the lists are unwrapped from the server's {channels}, {rules}, {deliveries}", async () => {
    const { fetch } = fakeFetch([
      json({ channels: [{ id: "c1" }] }),
      json({ rules: [{ id: "r1" }] }),
      json({ deliveries: [{ id: "d1" }] }),
    ]);
    const api = new ApiClient({ fetch });
    expect(await api.listAlertChannels()).toEqual([{ id: "c1" }]);
    expect(await api.listAlertRules("p1")).toEqual([{ id: "r1" }]);
    expect(await api.alertDeliveries("p1")).toEqual([{ id: "d1" }]);
  });
});
