// The script inventory's client methods (#18): the API's query spelling (flags as 1, absent when off), the CSRF
// header on reviews and patterns, the export passed through as text, list answers unwrapped.
import { describe, expect, test, vi } from "vitest";
import { ApiClient } from "../../web/src/api/client.ts";

type Call = { url: string; init: RequestInit };

function fakeFetch(body: string, type = "application/json") {
  const calls: Call[] = [];
  const fn = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return Promise.resolve(new Response(body, { status: 200, headers: { "Content-Type": type } }));
  });
  const api = new ApiClient({ fetch: fn as unknown as typeof fetch });
  api.csrfToken = "csrf-1";
  return { api, calls };
}
const header = (c: Call | undefined, name: string) => new Headers(c?.init.headers).get(name);

describe("script inventory client", () => {
  test.each([
    { q: {}, out: "/api/projects/p1/scripts" },
    {
      q: { status: "changed" as const, payment: true, origin: "https://cdn.example", missingSri: true },
      out: "/api/projects/p1/scripts?status=changed&payment=1&origin=https%3A%2F%2Fcdn.example&missingSri=1",
    },
    { q: { payment: false, missingSri: false, changed: true }, out: "/api/projects/p1/scripts?changed=1" },
  ])("listScripts $q → $out", async ({ q, out }) => {
    const { api, calls } = fakeFetch('{"scripts":[],"counts":{}}');
    await api.listScripts("p1", q);
    expect(calls[0]?.url).toBe(out);
    expect(header(calls[0], "X-CSRF-Token")).toBeNull();
  });

  test("a review is a POST with the CSRF header and the JSON body; the script id is encoded", async () => {
    const { api, calls } = fakeFetch('{"id":3}');
    await api.reviewScript("p1", 3, { status: "rejected", justification: "not ours" });
    expect(calls[0]?.url).toBe("/api/projects/p1/scripts/3/review");
    expect(calls[0]?.init.method).toBe("POST");
    expect(header(calls[0], "X-CSRF-Token")).toBe("csrf-1");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({
      status: "rejected",
      justification: "not ours",
    });
    await api.getScript("p1", "../x");
    expect(calls[1]?.url).toBe("/api/projects/p1/scripts/..%2Fx");
  });

  test("the export comes back as the server's text, for the chosen format and period", async () => {
    const csv = "record,scriptId,url\nscript,1,https://shop.example/app.js\n";
    const { api, calls } = fakeFetch(csv, "text/csv");
    const text = await api.exportScripts("p1", {
      format: "csv",
      since: "2026-12-01T00:00:00.000Z",
      until: "2026-12-08T00:00:00.000Z",
    });
    expect(text).toBe(csv);
    expect(calls[0]?.url).toBe(
      "/api/projects/p1/scripts/export?format=csv&since=2026-12-01T00%3A00%3A00.000Z&until=2026-12-08T00%3A00%3A00.000Z",
    );
  });

  test("events are unwrapped; patterns are added and removed with the CSRF header", async () => {
    const { api, calls } = fakeFetch('{"events":[{"id":1}]}');
    expect(await api.scriptEvents("p1", { limit: 20 })).toEqual([{ id: 1 }]);
    expect(calls[0]?.url).toBe("/api/projects/p1/scripts/events?limit=20");
    await api.acceptScriptPattern("p1", { pattern: "https://cdn.example/lib@*/x.js", float: true });
    expect(calls[1]?.init.method).toBe("POST");
    expect(header(calls[1], "X-CSRF-Token")).toBe("csrf-1");
    await api.deleteScriptPattern("p1", 5);
    expect(calls[2]?.url).toBe("/api/projects/p1/scripts/patterns/5");
    expect(calls[2]?.init.method).toBe("DELETE");
    expect(header(calls[2], "X-CSRF-Token")).toBe("csrf-1");
  });
});
