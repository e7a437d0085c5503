// Violation filters against seeded data: quote, semicolon and wildcard payloads match literally or are refused,
// never widen a result, never 500, never touch the schema. (test/api/hostile.test.ts runs every parameter against
// the payload table; this file checks the answers on data that a widened filter would reveal.)
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sqliteRaw, startTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
let id: string;
const tables = () =>
  sqliteRaw(t).prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
let before: { name: string }[];

beforeAll(async () => {
  t = await startTestApp();
  const p = await t.deps.projects.create("filters");
  id = p.id;
  const send = (page: string, blocked: string, env: string) =>
    fetch(`${t.url}/r/${p.reportKey}?env=${env}`, {
      method: "POST",
      headers: { "Content-Type": "application/csp-report" },
      body: JSON.stringify({
        "csp-report": { "document-uri": page, "blocked-uri": blocked, "effective-directive": "img-src" },
      }),
    });
  expect((await send("https://a.example/it's;here", "https://one.example/x.png", "prod")).status).toBe(204);
  expect((await send("https://a.example/plain", "https://two.example/x.png", "staging")).status).toBe(204);
  await new Promise((r) => setTimeout(r, 30));
  before = tables();
});
afterAll(async () => {
  await t.close();
});

async function blocked(query: Record<string, string>): Promise<{ status: number; blocked: string[] }> {
  const res = await fetch(`${t.url}/api/projects/${id}/violations?${new URLSearchParams(query).toString()}`, {
    headers: t.auth,
  });
  if (res.status !== 200) return { status: res.status, blocked: [] };
  const body = (await res.json()) as { groups: { blocked: string }[] };
  return { status: 200, blocked: body.groups.map((g) => g.blocked).sort() };
}

describe("literal matching on seeded data", () => {
  test.each<{ q: Record<string, string>; want: string[] }>([
    { q: {}, want: ["https://one.example", "https://two.example"] },
    { q: { page: "it's;here" }, want: ["https://one.example"] },
    { q: { page: "'" }, want: ["https://one.example"] },
    { q: { page: ";" }, want: ["https://one.example"] },
    { q: { page: "%" }, want: [] },
    { q: { page: "_" }, want: [] },
    { q: { page: "*" }, want: [] },
    { q: { page: "' OR '1'='1" }, want: [] },
    { q: { env: "prod" }, want: ["https://one.example"] },
    { q: { env: "%" }, want: [] },
    { q: { env: "*" }, want: [] },
    { q: { env: "prod' OR '1'='1" }, want: [] },
    { q: { text: "one" }, want: ["https://one.example"] },
    { q: { text: "%" }, want: [] },
    { q: { text: "o_e" }, want: [] },
    { q: { text: "'; DROP TABLE ViolationGroup; --" }, want: [] },
  ])("$q → $want", async ({ q, want }) => {
    expect(await blocked(q)).toEqual({ status: 200, blocked: want });
  });

  test.each<Record<string, string>>([
    { directive: "img-src' OR '1'='1" },
    { directive: "%" },
    { sort: "count; DROP TABLE Project" },
    { order: "desc, (SELECT 1)" },
    { limit: "1; --" },
    { offset: "'0'" },
    { version: "1 OR 1=1" },
    { since: "0' --" },
    { noise: "*" },
    { disposition: "%" },
  ])("refused with 400: %o", async (q) => {
    expect((await blocked(q)).status).toBe(400);
  });

  test("the schema is untouched", () => {
    expect(tables()).toEqual(before);
  });
});
