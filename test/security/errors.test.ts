// Errors never expose internals: an unexpected failure is a plain 500 {"error":"internal"}; the details go to the
// log only, and the log line carries no credentials.
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { createLogger } from "../../server/http/log.ts";

let t: TestApp;
let logged = "";
beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  t = await startTestApp({}, { log: createLogger("info", stream) });
  t.app.api.add("get", "/test-boom", "read", () => {
    throw new Error("SqliteError: no such column secret_col at /srv/cinch/server/store/x.ts:10:5");
  });
});
afterAll(async () => {
  await t.close();
});

test("an unexpected error is a plain 500 without internals; it is logged without credentials", async () => {
  const res = await fetch(`${t.url}/api/test-boom?token=QUERYSECRET`, { headers: t.auth });
  expect(res.status).toBe(500);
  const text = await res.text();
  expect(JSON.parse(text)).toEqual({ error: "internal", message: "internal error" });
  expect(text).not.toMatch(/Sqlite|secret_col|\.ts|\/srv/);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  expect(logged).toContain("unhandled error");
  expect(logged).toContain("secret_col"); // the operator gets the details
  expect(logged).not.toContain(t.token);
  expect(logged).not.toContain("QUERYSECRET");
});
