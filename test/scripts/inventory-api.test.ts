// The script inventory end to end over HTTP (#18): csp-hash / integrity-violation batches through POST /r/:key into
// the inventory, a review, a new hash making an authorized script "changed", the change log and the export.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import type { ScriptDetailDto, ScriptEventsDto, ScriptExportDto, ScriptsDto } from "../../server/contract.ts";

const FIXTURES = new URL("../fixtures/script-reports/", import.meta.url);
const batch = (name: string): string =>
  JSON.stringify(
    (JSON.parse(readFileSync(new URL(`${name}/request.json`, FIXTURES), "utf8")) as { body: unknown }).body,
  );

const APP_HASH = "sha384-RGtReOHWGKGW0kp2xuHcgY9kW7W4judZM5/48h142HWyP2ENlH6h77h94RvILBX6";
const CORS_HASH = "sha384-VvUgZakhBNeeTSL2+xRlHaeIegqctaXTPlTMl2H2F9fXS3mx16s/hUBOiJAwbC7A";
const NEW_HASH = `sha384-${"B".repeat(64)}`;

let t: TestApp;
let project: { id: string; reportKey: string };

const post = (body: string) =>
  fetch(`${t.url}/r/${project.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/reports+json" },
    body,
  });
const get = async <T>(path: string): Promise<T> => {
  const res = await api(t, "GET", path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};
const list = (q = "") => get<ScriptsDto>(`/api/projects/${project.id}/scripts${q}`);
const byUrl = async (url: string) => (await list()).scripts.find((s) => s.url === url)!;

beforeAll(async () => {
  t = await startTestApp({ INGEST_RATE_PER_CLIENT: "100000", INGEST_BURST_PER_CLIENT: "100000" });
  const res = await api(t, "POST", "/api/projects", { name: "shop" });
  project = (await res.json()) as { id: string; reportKey: string };
  await api(t, "PATCH", `/api/projects/${project.id}`, { settings: { paymentPages: ["/checkout"] } });
});
afterAll(async () => t.close());

describe("ingest into the inventory", () => {
  test("Chromium's batch: three scripts, the exact hashes, the no-CORS one not hashable, all without SRI", async () => {
    expect((await post(batch("chromium156-script-hashes-batch"))).status).toBe(204);
    const { scripts, counts } = await list();
    expect(scripts.map((s) => s.url).sort()).toEqual([
      "https://cdn.localhost/lib/cors.js",
      "https://cdn.localhost/lib/nocors.js",
      "https://shop.localhost/app.js",
    ]);
    expect(counts).toEqual({ new: 3, authorized: 0, rejected: 0, changed: 0 });
    const app = scripts.find((s) => s.url === "https://shop.localhost/app.js")!;
    expect(app).toMatchObject({
      origin: "https://shop.localhost",
      status: "new",
      pages: ["https://shop.localhost/checkout"],
      hashable: true,
      sri: false,
      onPaymentPage: true,
      pattern: null,
    });
    expect(app.hashes.map((h) => h.hash)).toEqual([APP_HASH]);
    expect((await byUrl("https://cdn.localhost/lib/cors.js")).hashes.map((h) => h.hash)).toEqual([CORS_HASH]);
    const nocors = await byUrl("https://cdn.localhost/lib/nocors.js");
    expect(nocors).toMatchObject({ hashable: false, hashes: [], sri: false });
    // Never a violation group: the builder's input is untouched.
    const groups = await rows<{ n: number }>(
      t,
      `SELECT count(*) AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
      project.id,
    );
    expect(Number(groups[0]!.n)).toBe(0);
  });

  test("storage grows with scripts, not volume: the same batch again adds no rows but counts", async () => {
    const count = async (table: string) =>
      Number((await rows<{ n: number }>(t, `SELECT count(*) AS n FROM "${table}"`))[0]!.n);
    const before = { s: await count("Script"), h: await count("ScriptHash"), p: await count("ScriptPage") };
    for (let i = 0; i < 3; i++)
      expect((await post(batch("chromium156-script-hashes-batch"))).status).toBe(204);
    expect({ s: await count("Script"), h: await count("ScriptHash"), p: await count("ScriptPage") }).toEqual(
      before,
    );
    const r = await rows<{ reports: number }>(
      t,
      `SELECT reports FROM "Script" WHERE url = ?`,
      "https://shop.localhost/app.js",
    );
    expect(Number(r[0]!.reports)).toBe(4 * 3); // per batch: one csp-hash + two integrity-violation
  });

  test("script-new events, once per script, and script-no-sri once per script and payment page", async () => {
    const { events } = await get<ScriptEventsDto>(`/api/projects/${project.id}/scripts/events`);
    expect(events.filter((e) => e.kind === "script-new")).toHaveLength(3);
    const noSri = events.filter((e) => e.kind === "script-no-sri");
    expect(noSri).toHaveLength(3);
    expect(new Set(noSri.map((e) => e.detail))).toEqual(new Set(["https://shop.localhost/checkout"]));
  });

  test("filters: status, origin, missing SRI, payment pages", async () => {
    expect((await list("?origin=https://cdn.localhost")).scripts).toHaveLength(2);
    expect((await list("?missingSri=1")).scripts).toHaveLength(3);
    expect((await list("?payment=1")).scripts).toHaveLength(3);
    expect((await list("?status=authorized")).scripts).toHaveLength(0);
  });
});

describe("review and change", () => {
  test("authorize with a justification, then a new hash makes it changed, with an event", async () => {
    const app = await byUrl("https://shop.localhost/app.js");
    const res = await api(t, "POST", `/api/projects/${project.id}/scripts/${app.id}/review`, {
      status: "authorized",
      justification: '=HYPERLINK("x") our checkout bundle',
    });
    expect(res.status).toBe(200);
    const d = (await res.json()) as ScriptDetailDto;
    expect(d.status).toBe("authorized");
    expect(d.review).toMatchObject({ status: "authorized", by: "token:test-admin" });
    expect(d.sriTag).toBe(
      `<script src="https://shop.localhost/app.js" integrity="${APP_HASH}" crossorigin="anonymous"></script>`,
    );
    const changed = [
      {
        type: "csp-hash",
        url: "https://shop.localhost/checkout",
        body: {
          destination: "script",
          documentURL: "https://shop.localhost/checkout",
          hash: NEW_HASH,
          subresourceURL: "https://shop.localhost/app.js",
          type: "subresource",
        },
      },
    ];
    expect((await post(JSON.stringify(changed))).status).toBe(204);
    const after = await get<ScriptDetailDto>(`/api/projects/${project.id}/scripts/${app.id}`);
    expect(after.status).toBe("changed");
    expect(after.hashes.map((h) => h.hash).sort()).toEqual([APP_HASH, NEW_HASH].sort());
    expect(after.sriTag).toBeNull();
    expect(after.events.find((e) => e.kind === "script-changed")).toMatchObject({ detail: NEW_HASH });
    expect((await list("?changed=1")).scripts.map((s) => s.id)).toEqual([app.id]);
  });

  test("export: JSON with reviews and events; CSV cells a spreadsheet would run are escaped", async () => {
    const json = await get<ScriptExportDto>(`/api/projects/${project.id}/scripts/export?format=json`);
    expect(json.scripts).toHaveLength(3);
    expect(json.scripts.find((s) => s.review !== null)?.review?.justification).toMatch(/^=HYPERLINK/);
    expect(json.events.map((e) => e.kind)).toContain("script-reviewed");
    const res = await api(t, "GET", `/api/projects/${project.id}/scripts/export?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const csv = await res.text();
    expect(csv.split("\r\n")[0]).toMatch(/^record,scriptId,url,/);
    expect(csv).toContain(`"'=HYPERLINK(""x"") our checkout bundle"`);
    expect(csv).not.toMatch(/,=HYPERLINK/);
  });
});

describe("URL patterns", () => {
  const version = (v: string, hash: string) =>
    JSON.stringify([
      {
        type: "csp-hash",
        url: "https://shop.localhost/checkout",
        body: {
          destination: "script",
          documentURL: "https://shop.localhost/checkout",
          hash,
          subresourceURL: `https://cdn.localhost/npm/widget@${v}/w.js`,
        },
      },
    ]);
  const H = (c: string) => `sha384-${c.repeat(64)}`;

  test("versioned URLs are suggested; once accepted (floating) they are one entry that stays authorized", async () => {
    expect((await post(version("1.0.0", H("D")))).status).toBe(204);
    expect((await post(version("1.1.0", H("E")))).status).toBe(204);
    const before = await get<{ suggestions: { pattern: string; examples: string[] }[] }>(
      `/api/projects/${project.id}/scripts/patterns`,
    );
    expect(before.suggestions).toContainEqual({
      pattern: "https://cdn.localhost/npm/widget@*/w.js",
      examples: [
        "https://cdn.localhost/npm/widget@1.0.0/w.js",
        "https://cdn.localhost/npm/widget@1.1.0/w.js",
      ],
    });
    const res = await api(t, "POST", `/api/projects/${project.id}/scripts/patterns`, {
      pattern: "https://cdn.localhost/npm/widget@*/w.js",
      float: true,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      pattern: "https://cdn.localhost/npm/widget@*/w.js",
      float: true,
    });
    // The node's pattern cache was cleared by the acceptance: the next report is grouped at once.
    expect((await post(version("1.2.0", H("F")))).status).toBe(204);
    const entry = await byUrl("https://cdn.localhost/npm/widget@*/w.js");
    expect(entry).toMatchObject({ pattern: "https://cdn.localhost/npm/widget@*/w.js", status: "new" });
    await api(t, "POST", `/api/projects/${project.id}/scripts/${entry.id}/review`, {
      status: "authorized",
      justification: "the vendor's widget, every version",
    });
    expect((await post(version("1.3.0", H("G")))).status).toBe(204);
    const after = await get<ScriptDetailDto>(`/api/projects/${project.id}/scripts/${entry.id}`);
    expect(after.status).toBe("authorized");
    expect(after.hashes.map((h) => h.hash).sort()).toEqual([H("F"), H("G")]);
    expect(after.events.filter((e) => e.kind === "script-changed").map((e) => e.detail)).toEqual([H("G")]);
    expect(after.sriTag).toBeNull();
  });

  test("a pattern that does not float sends an authorized entry back to review on a new hash", async () => {
    await api(t, "POST", `/api/projects/${project.id}/scripts/patterns`, {
      pattern: "https://cdn.localhost/npm/widget@*/w.js",
      float: false,
    });
    expect((await post(version("1.4.0", H("H")))).status).toBe(204);
    expect((await byUrl("https://cdn.localhost/npm/widget@*/w.js")).status).toBe("changed");
  });
});
