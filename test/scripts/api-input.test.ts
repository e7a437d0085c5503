// Every script inventory route (#18) rejects bad input with the field and value named, answers 404 for a project or
// script it does not have, and keeps its scope: no credentials → 401, a read token cannot review or change patterns.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let pid = "";
let other = "";
let scriptId = 0;
let otherScript = 0;

const ingest = async (reportKey: string, url: string) => {
  const body = [
    {
      type: "csp-hash",
      url: "https://shop.example/",
      body: { documentURL: "https://shop.example/", subresourceURL: url, hash: "", destination: "script" },
    },
  ];
  const res = await fetch(`${t.url}/r/${reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(204);
};

beforeAll(async () => {
  t = await startTestApp();
  const a = (await (await api(t, "POST", "/api/projects", { name: "a" })).json()) as {
    id: string;
    reportKey: string;
  };
  const b = (await (await api(t, "POST", "/api/projects", { name: "b" })).json()) as {
    id: string;
    reportKey: string;
  };
  pid = a.id;
  other = b.id;
  await ingest(a.reportKey, "https://cdn.example/a.js");
  await ingest(b.reportKey, "https://cdn.example/b.js");
  scriptId = (await t.deps.scripts.list(pid))[0]!.id;
  otherScript = (await t.deps.scripts.list(other))[0]!.id;
});
afterAll(async () => t.close());

type Row = {
  name: string;
  method: string;
  path: () => string;
  body?: unknown;
  status: number;
  error: string;
  message?: string;
};

const bad: Row[] = [
  {
    name: "unknown status filter",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts?status=ok`,
    status: 400,
    error: "invalid_input",
    message: 'status: Invalid option: expected one of "new"|"authorized"|"rejected"|"changed"',
  },
  {
    name: "origin with a path",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts?origin=https://a.example/x`,
    status: 400,
    error: "invalid_input",
    message: "origin: must be an origin such as https://cdn.example.com",
  },
  {
    name: "payment=yes",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts?payment=yes`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "unknown list parameter",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts?sort=url`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "repeated filter",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts?status=new&status=new`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "script id not a number",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/abc`,
    status: 400,
    error: "invalid_input",
    message: "scriptId: must be a numeric id",
  },
  {
    name: "another project's script",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/${otherScript}`,
    status: 404,
    error: "not_found",
    message: "script not found",
  },
  {
    name: "unknown project",
    method: "GET",
    path: () => `/api/projects/nope/scripts`,
    status: 404,
    error: "not_found",
    message: "project not found",
  },
  {
    name: "review without justification",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "authorized" },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "review with a blank justification",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "authorized", justification: "   " },
    status: 400,
    error: "invalid_input",
    message: "justification: a justification is required",
  },
  {
    name: "review to new",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "new", justification: "x" },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "review with an extra field",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "rejected", justification: "x", by: "me" },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "review with a 2001-character justification",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "rejected", justification: "x".repeat(2001) },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "review of another project's script",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${otherScript}/review`,
    body: { status: "rejected", justification: "x" },
    status: 404,
    error: "not_found",
  },
  {
    name: "review body not an object",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: ["authorized"],
    status: 400,
    error: "invalid_input",
  },
  {
    name: "events since not a date",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/events?since=yesterday`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "events unknown kind",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/events?kind=script-deleted`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "events limit 0",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/events?limit=0`,
    status: 400,
    error: "invalid_input",
    message: "limit: must be a whole number from 1 to 1000",
  },
  {
    name: "events limit 5000",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/events?limit=5000`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "export format xml",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/export?format=xml`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "export until not a date",
    method: "GET",
    path: () => `/api/projects/${pid}/scripts/export?until=2026-13-01`,
    status: 400,
    error: "invalid_input",
  },
  {
    name: "pattern without *",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: "https://cdn.example/lib/x.js", float: false },
    status: 400,
    error: "invalid_input",
    message: "pattern: must contain * in place of the version",
  },
  {
    name: "pattern * in the host",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: "https://*.example/lib@*/x.js", float: false },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "pattern with a query",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: "https://cdn.example/lib@*/x.js?v=1", float: false },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "pattern float missing",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: "https://cdn.example/lib@*/x.js" },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "pattern not a string",
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: 42, float: false },
    status: 400,
    error: "invalid_input",
  },
  {
    name: "delete unknown pattern",
    method: "DELETE",
    path: () => `/api/projects/${pid}/scripts/patterns/999999`,
    status: 404,
    error: "not_found",
    message: "pattern not found",
  },
  {
    name: "delete pattern id not a number",
    method: "DELETE",
    path: () => `/api/projects/${pid}/scripts/patterns/x`,
    status: 400,
    error: "invalid_input",
  },
];

describe("bad input", () => {
  test.each(bad)("$name → $status $error", async (row) => {
    const res = await api(t, row.method, row.path(), row.body);
    expect(res.status).toBe(row.status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(row.error);
    if (row.message !== undefined) expect(body.message).toBe(row.message);
    else expect(body.message.length).toBeGreaterThan(0);
  });

  test("nothing changed: the script is still new and unreviewed", async () => {
    const d = (await (await api(t, "GET", `/api/projects/${pid}/scripts/${scriptId}`)).json()) as {
      status: string;
      review: unknown;
    };
    expect(d).toMatchObject({ status: "new", review: null });
  });
});

const routes: { method: string; path: () => string; body?: unknown; write: boolean }[] = [
  { method: "GET", path: () => `/api/projects/${pid}/scripts`, write: false },
  { method: "GET", path: () => `/api/projects/${pid}/scripts/${scriptId}`, write: false },
  { method: "GET", path: () => `/api/projects/${pid}/scripts/events`, write: false },
  { method: "GET", path: () => `/api/projects/${pid}/scripts/export?format=csv`, write: false },
  { method: "GET", path: () => `/api/projects/${pid}/scripts/sri`, write: false },
  { method: "GET", path: () => `/api/projects/${pid}/scripts/patterns`, write: false },
  {
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/${scriptId}/review`,
    body: { status: "rejected", justification: "unknown vendor" },
    write: true,
  },
  {
    method: "POST",
    path: () => `/api/projects/${pid}/scripts/patterns`,
    body: { pattern: "https://cdn.example/lib@*/x.js", float: true },
    write: true,
  },
  { method: "DELETE", path: () => `/api/projects/${pid}/scripts/patterns/1`, write: true },
];

describe("auth boundary", () => {
  test.each(routes)("$method $path: 401 without credentials", async (r) => {
    const res = await fetch(`${t.url}${r.path()}`, {
      method: r.method,
      headers: r.body ? { "Content-Type": "application/json" } : {},
      body: r.body ? JSON.stringify(r.body) : undefined,
    });
    expect(res.status).toBe(401);
  });

  test.each(routes)("$method $path: a read token gets 200 for reads, 403 for writes", async (r) => {
    const token = await t.tokenFor("read");
    const res = await fetch(`${t.url}${r.path()}`, {
      method: r.method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(r.body ? { "Content-Type": "application/json" } : {}),
      },
      body: r.body ? JSON.stringify(r.body) : undefined,
    });
    expect(res.status).toBe(r.write ? 403 : 200);
  });

  test("a write token reviews, and the review names the token", async () => {
    const token = await t.tokenFor("write");
    const res = await fetch(`${t.url}/api/projects/${pid}/scripts/${scriptId}/review`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "rejected", justification: "unknown vendor" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { review: { by: string } }).review.by).toBe("token:test-write");
  });
});
