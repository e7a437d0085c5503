// The request log never carries a project's public policy key (/p/<key>/policy) or its report key (/r/<key>):
// both are redacted from every line, in any case spelling of the prefix (#11 item 12).
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { createLogger, redactUrl } from "../../server/http/log.ts";

let t: TestApp;
let raw = "";
const lines: Record<string, unknown>[] = [];
let project: { id: string; reportKey: string; policyKey: string };

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString();
      for (const l of chunk.toString().split("\n"))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  // trace: accepted ingest requests log at debug, and they must be redacted too.
  t = await startTestApp({}, { log: createLogger("trace", sink) });
  const p = await t.deps.projects.create("logged");
  project = { id: p.id, reportKey: p.reportKey, policyKey: p.policyKey };
});
afterAll(async () => {
  await t.close();
});

const REPORT = JSON.stringify({
  "csp-report": {
    "document-uri": "https://example.com/",
    "violated-directive": "script-src",
    "effective-directive": "script-src",
    "blocked-uri": "https://evil.example/x.js",
    "original-policy": "script-src 'self'",
    disposition: "enforce",
  },
});

describe("keys in paths", () => {
  test.each([
    ["/p/KEY/policy", "/p/[redacted]/policy"],
    ["/P/KEY/policy?format=header", "/P/[redacted]/policy"],
    ["/r/KEY", "/r/[redacted]"],
    ["/R/KEY/", "/R/[redacted]/"],
    ["/api/projects/abc", "/api/projects/abc"],
    ["/rx/KEY", "/rx/KEY"],
  ])("redactUrl(%s) is %s", (input, out) => {
    expect(redactUrl(input)).toBe(out);
  });

  test("requests to /p/<key>/policy and /r/<key> log no key, in any spelling and with any outcome", async () => {
    const { policyKey, reportKey } = project;
    const calls: [string, RequestInit][] = [
      [`/p/${policyKey}/policy?format=header`, {}], // 404 no_policy: the key is valid
      [`/P/${policyKey}/policy`, {}],
      [`/p/${policyKey}/policy?format=nonsense`, {}], // 400 on the query
      [
        `/r/${reportKey}`,
        { method: "POST", headers: { "Content-Type": "application/csp-report" }, body: REPORT },
      ],
      [
        `/R/${reportKey}`,
        { method: "POST", headers: { "Content-Type": "application/csp-report" }, body: REPORT },
      ],
      [
        `/r/${reportKey}`,
        { method: "POST", headers: { "Content-Type": "application/csp-report" }, body: "{bad" },
      ],
      [`/r/${reportKey}`, { method: "OPTIONS" }],
    ];
    for (const [path, init] of calls) await (await fetch(`${t.url}${path}`, init)).arrayBuffer();
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThanOrEqual(calls.length);
    expect(raw).not.toContain(policyKey);
    expect(raw).not.toContain(reportKey);
    const paths = requests.map((l) => l.path);
    expect(paths).toContain("/p/[redacted]/policy");
    expect(paths).toContain("/r/[redacted]");
  });
});
