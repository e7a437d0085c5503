// Errors at the field that caused them (#16): a PATCH of a project's settings answers the field (dotted path) and
// the list line, in the form's words; a pasted URL in Blocked hosts is taken for its host; meta + report-only
// names the format.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";
import type { ApiErrorDto, ProjectDto } from "../../server/contract.ts";

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await startTestApp();
  id = ((await (await api(t, "POST", "/api/projects", { name: "errors" })).json()) as { id: string }).id;
});
afterAll(async () => t.close());

describe("PATCH /api/projects/:id answers the field", () => {
  test.each([
    {
      name: "a bad host on line 2",
      body: { settings: { ignoreRules: { hosts: ["ads.example.net", "not a host"] } } },
      answer: {
        error: "invalid_input",
        message: 'Blocked hosts, line 2: use a host like ads.example.net or *.example.net, not "not a host"',
        field: "settings.ignoreRules.hosts",
        line: 2,
      },
    },
    {
      name: "a bad scheme",
      body: { settings: { ignoreRules: { schemes: ["moz-extension", "1x"] } } },
      answer: {
        error: "invalid_input",
        message: "Blocked schemes, line 2: use a scheme like moz-extension",
        field: "settings.ignoreRules.schemes",
        line: 2,
      },
    },
    {
      name: "an origin with a path",
      body: { settings: { allowedOrigins: ["https://shop.example/checkout"] } },
      answer: {
        error: "invalid_input",
        message: "Allowed document origins, line 1: must be an origin such as https://www.example.com",
        field: "settings.allowedOrigins",
        line: 1,
      },
    },
    {
      name: "a share of 0",
      body: { settings: { sampleRate: 0 } },
      answer: {
        error: "invalid_input",
        message: "Share of reports stored: Too small: expected number to be >0",
        field: "settings.sampleRate",
      },
    },
    {
      name: "an empty name",
      body: { name: "" },
      field: "name",
    },
  ])("$name", async ({ body, answer, field }) => {
    const res = await api(t, "PATCH", `/api/projects/${id}`, body);
    expect(res.status).toBe(400);
    const got = (await res.json()) as ApiErrorDto;
    if (answer) expect(got).toEqual(answer);
    else expect(got).toMatchObject({ error: "invalid_input", field });
  });

  test("a pasted URL in Blocked hosts is taken for its host", async () => {
    const res = await api(t, "PATCH", `/api/projects/${id}`, {
      settings: { ignoreRules: { hosts: ["https://Ads.Example.net/tag.js?id=1", "cdn.example.org"] } },
    });
    expect(res.status).toBe(200);
    const p = (await res.json()) as ProjectDto;
    expect(p.settings.ignoreRules.hosts).toEqual(["ads.example.net", "cdn.example.org"]);
  });
});

test("meta + report-only export is refused at the format field", async () => {
  const res = await api(t, "GET", `/api/projects/${id}/policy/export?format=meta&reportOnly=true`);
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error: "meta_report_only", field: "format" });
});
