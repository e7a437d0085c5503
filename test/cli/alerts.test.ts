// `cinch alerts test <channel>` (#14): sends a signed test message to a channel named by id or name, honours
// ALERT_ALLOW_PRIVATE_DESTINATIONS, and fails with the reason.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { AlertConfigStore } from "../../server/store/alert-config.ts";
import { startReceiver, type Receiver } from "../alerts/helpers.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-cli-alerts-"));
let rx: Receiver;
const SECRET = "0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  rx = await startReceiver();
  const db = await openDb(join(dir, "cinch.db"));
  await new AlertConfigStore(db.prisma).createChannel({
    name: "ops",
    kind: "webhook",
    url: rx.url,
    to: [],
    secret: SECRET,
  });
  await db.close();
});
afterAll(async () => {
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

// Asynchronous: the receiver answers from this process while the command runs.
const cinch = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["bin/cinch.mjs", ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dir, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });

test("alerts test <name> sends a signed test message", async () => {
  const r = await cinch({ ALERT_ALLOW_PRIVATE_DESTINATIONS: "true" }, "alerts", "test", "ops");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({
    channel: "ops",
    kind: "webhook",
    delivered: true,
    responseCode: 204,
  });
  const got = rx.received.at(-1)!;
  expect(JSON.parse(got.body)).toMatchObject({ event: "test" });
  expect(got.headers["x-cinch-signature"]).toBe(
    `sha256=${createHmac("sha256", SECRET).update(got.body).digest("hex")}`,
  );
});

test("a loopback receiver is refused without ALERT_ALLOW_PRIVATE_DESTINATIONS; an unknown channel is named", async () => {
  const n = rx.received.length;
  const r = await cinch({}, "alerts", "test", "ops");
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(
    "cinch: test to ops failed: 127.0.0.1 resolves to 127.0.0.1, a private, loopback or link-local address (ALERT_ALLOW_PRIVATE_DESTINATIONS=true allows it)\n",
  );
  expect(rx.received.length).toBe(n);
  const u = await cinch({}, "alerts", "test", "nope");
  expect(u.status).toBe(1);
  expect(u.stderr).toBe('cinch: no alert channel with id or name "nope"\n');
});
