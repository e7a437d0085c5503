// The inventory's alert kinds and scheduled check (#18): a script-new rule fires once per new script, a
// script-changed rule once per new hash, however many ticks run; the preview replays them; scripts unseen for the
// project's scriptGoneDays get one script-gone event, cleared by the next sighting.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { checkGoneScripts } from "../../server/alerts/scripts.ts";

const BATCH = JSON.stringify(
  (
    JSON.parse(
      readFileSync(
        new URL("../fixtures/script-reports/chromium156-script-hashes-batch/request.json", import.meta.url),
        "utf8",
      ),
    ) as { body: unknown }
  ).body,
);
const changedHash = (hash: string) =>
  JSON.stringify([
    {
      type: "csp-hash",
      url: "https://shop.localhost/checkout",
      body: {
        destination: "script",
        documentURL: "https://shop.localhost/checkout",
        hash,
        subresourceURL: "https://shop.localhost/app.js",
      },
    },
  ]);

let t: TestApp;
let project: { id: string; reportKey: string };
const post = (body: string) =>
  fetch(`${t.url}/r/${project.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body,
  });
const alerts = async (kind: string) =>
  rows<{ title: string; payload: string }>(
    t,
    `SELECT title, payload FROM "AlertEvent" WHERE "projectId" = ? AND kind = ? ORDER BY "createdAt"`,
    project.id,
    kind,
  );

beforeAll(async () => {
  t = await startTestApp({ ALERT_TICK_MS: "3600000", ALERT_ALLOW_PRIVATE_DESTINATIONS: "true" });
  project = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as typeof project;
  // A channel that never delivers (nothing listens on port 9): the alerts are still recorded, which is what is checked.
  const channel = (await (
    await api(t, "POST", "/api/alert-channels", {
      name: "hook",
      kind: "webhook",
      url: "http://127.0.0.1:9/hook",
    })
  ).json()) as { id: string };
  for (const kind of ["script-new", "script-changed"]) {
    const res = await api(t, "POST", `/api/projects/${project.id}/alerts`, { kind, channels: [channel.id] });
    expect(res.status, kind).toBe(201);
  }
});
afterAll(async () => t.close());

describe("script-new and script-changed rules", () => {
  test("one script-new alert per new script, not again on the next tick", async () => {
    expect((await post(BATCH)).status).toBe(204);
    await t.deps.alerts.tick();
    await t.deps.alerts.tick();
    const fired = await alerts("script-new");
    expect(fired.map((a) => a.title).sort()).toEqual([
      "New script: https://cdn.localhost/lib/cors.js",
      "New script: https://cdn.localhost/lib/nocors.js",
      "New script: https://shop.localhost/app.js",
    ]);
    const payload = JSON.parse(fired[0]!.payload) as { event: string; details: { script: { link: string } } };
    expect(payload.event).toBe("script-new");
    expect(payload.details.script.link).toMatch(/\/projects\/[^/]+\/scripts\/\d+$/);
    expect(await alerts("script-changed")).toEqual([]);
  });

  test("a new hash for a known script: one script-changed alert with the hash", async () => {
    const hash = `sha384-${"C".repeat(64)}`;
    expect((await post(changedHash(hash))).status).toBe(204);
    await t.deps.alerts.tick();
    await t.deps.alerts.tick();
    const fired = await alerts("script-changed");
    expect(fired).toHaveLength(1);
    expect(fired[0]!.title).toBe("Script changed: https://shop.localhost/app.js has a hash not seen before");
    expect((JSON.parse(fired[0]!.payload) as { details: { hash: string } }).details.hash).toBe(hash);
  });

  test("the preview replays them", async () => {
    const res = await api(t, "POST", `/api/projects/${project.id}/alerts/preview`, { kind: "script-new" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(3);
  });
});

describe("script-gone", () => {
  test("scripts unseen for scriptGoneDays get one event; a new sighting clears it", async () => {
    const later = Date.now() + 31 * 86_400_000; // default scriptGoneDays: 30
    expect(await checkGoneScripts(t.deps.scripts, t.deps.projects, Date.now())).toBe(0);
    expect(await checkGoneScripts(t.deps.scripts, t.deps.projects, later)).toBe(3);
    expect(await checkGoneScripts(t.deps.scripts, t.deps.projects, later)).toBe(0);
    const events = await t.deps.scripts.events(project.id, { kind: "script-gone", limit: 10 });
    expect(events).toHaveLength(3);
    expect((await post(BATCH)).status).toBe(204);
    const goneAt = await rows<{ n: number }>(
      t,
      `SELECT count(*) AS n FROM "Script" WHERE "goneAt" IS NOT NULL`,
    );
    expect(Number(goneAt[0]!.n)).toBe(0);
  });
});
