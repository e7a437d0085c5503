// POST /api/projects/:id/test-report (#16): a real report goes out to PUBLIC_URL (here a proxy in front of the app,
// as a reverse proxy would be) and comes back through the public ingest path; the answer says whether it arrived.
// Stored as noise "test-report": visible with noise, out of the violations count and the policy builder.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import type { SummaryDto, TestReportDto, ViolationsDto } from "../../server/contract.ts";

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let proxyPort: number;
let proxy: Server;
let t: TestApp;
let down: TestApp;

beforeAll(async () => {
  proxyPort = await freePort();
  t = await startTestApp({ PUBLIC_URL: `http://127.0.0.1:${proxyPort}` });
  const target = new URL(t.url);
  proxy = createServer((req, res) => {
    const up = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
  down = await startTestApp({ PUBLIC_URL: `http://127.0.0.1:${await freePort()}` });
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((r) => proxy.close(() => r()));
  await t.close();
  await down.close();
});

const newProject = async (app: TestApp, name: string) =>
  (await (await api(app, "POST", "/api/projects", { name })).json()) as { id: string; reportKey: string };

const sendTest = async (app: TestApp, id: string) => {
  const res = await api(app, "POST", `/api/projects/${id}/test-report`);
  expect(res.status).toBe(200);
  return (await res.json()) as TestReportDto;
};

describe("send a test report", () => {
  test("it arrives through PUBLIC_URL, is stored as noise and counted apart from violations", async () => {
    const p = await newProject(t, "first run");
    const r = await sendTest(t, p.id);
    expect(r).toMatchObject({
      arrived: true,
      reportUri: `http://127.0.0.1:${proxyPort}/r/${p.reportKey}`,
      status: 204,
    });
    expect(r.groupId).toBeGreaterThan(0);
    expect(r.message).toMatch(/^The test report arrived in \d+ ms and is stored as noise "test-report"/);

    const violations = (await (
      await api(t, "GET", `/api/projects/${p.id}/violations`)
    ).json()) as ViolationsDto;
    expect(violations.groups).toEqual([]);
    const noise = (await (
      await api(t, "GET", `/api/projects/${p.id}/violations?noise=only`)
    ).json()) as ViolationsDto;
    expect(noise.groups.map((g) => [g.id, g.noise, g.count])).toEqual([[r.groupId, "test-report", 1]]);
    const s = (await (await api(t, "GET", `/api/projects/${p.id}/summary`)).json()) as SummaryDto;
    expect(s.cards.find((c) => c.id === "violations")!.value).toBe(0);
    expect(s.cards.find((c) => c.id === "noise")!.value).toBe(1);

    // A second one lands in the same group: the answer finds its own report, not the first one.
    const again = await sendTest(t, p.id);
    expect(again).toMatchObject({ arrived: true, groupId: r.groupId });
  });

  test("the policy builder never sees it", async () => {
    const p = await newProject(t, "builder");
    expect((await sendTest(t, p.id)).arrived).toBe(true);
    const res = await api(t, "GET", `/api/projects/${p.id}/policy/suggestion`);
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain("test-report.cinch.invalid");
  });

  test("refused by the project's own rules: the answer says so", async () => {
    const p = await newProject(t, "capped");
    const patch = await api(t, "PATCH", `/api/projects/${p.id}`, { settings: { dailyCap: 0 } });
    expect(patch.status).toBe(200);
    const r = await sendTest(t, p.id);
    expect(r).toMatchObject({ arrived: false, status: 429, groupId: null });
    expect(r.message).toContain("refused the report with HTTP 429");
  });

  test("an unreachable PUBLIC_URL: not arrived, and why", async () => {
    const p = await newProject(down, "unreachable");
    const r = await sendTest(down, p.id);
    expect(r).toMatchObject({ arrived: false, status: null, groupId: null });
    expect(r.message).toMatch(
      /^Could not reach http:\/\/127\.0\.0\.1:\d+\/r\/.+ \(.+\)\. Check that PUBLIC_URL/,
    );
  });

  test.each([
    { name: "a body with fields", body: { page: "/x" }, status: 400, error: "invalid_input" },
    { name: "a missing project", id: "nope", status: 404, error: "not_found" },
  ])("$name → $status", async ({ body, id, status, error }) => {
    const p = id ?? (await newProject(t, "bad input")).id;
    const res = await api(t, "POST", `/api/projects/${p}/test-report`, body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBe(error);
  });

  test("a read-only token may not send one", async () => {
    const p = await newProject(t, "read only");
    const res = await fetch(`${t.url}/api/projects/${p.id}/test-report`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await t.tokenFor("read")}` },
    });
    expect(res.status).toBe(403);
  });
});
