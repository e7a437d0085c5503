// Two Cinch nodes on one PostgreSQL database (#13), in one process: reports posted to both at once, with groups
// they share, are counted exactly; what A received shows in B's API within a second; a version made on A is what
// B's public policy URL serves; B's policy suggestion follows A's commits (its cache hears them: pg-commits.ts).
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, rows, startTestApp, type TestApp } from "../helpers/app.ts";
import { createPgDb, skipUnlessPg, type TestPgDb } from "./db.ts";

const skip = await skipUnlessPg("test/pg/nodes.test.ts");

let db: TestPgDb;
let a: TestApp;
let b: TestApp;
let project: { id: string; reportKey: string; policyKey: string };

beforeAll(async () => {
  if (skip) return;
  db = await createPgDb();
  // Rate limits are per node and per client: out of the way here (every request comes from one address).
  const env = {
    DATABASE_URL: db.url,
    PG_POOL_SIZE: "4",
    INGEST_RATE_PER_CLIENT: "100000",
    INGEST_BURST_PER_CLIENT: "100000",
  };
  a = await startTestApp(env);
  b = await startTestApp(env);
  project = (await (await api(a, "POST", "/api/projects", { name: "shared" })).json()) as typeof project;
  const key = (await (await api(a, "GET", `/api/projects/${project.id}/policy/key`)).json()) as {
    policyKey: string;
  };
  project.policyKey = key.policyKey;
});

afterAll(async () => {
  if (skip) return;
  await a.close();
  await b.close();
  await db.drop();
});

const report = (blocked: string, page = "https://shop.example/") =>
  JSON.stringify({
    "csp-report": { "document-uri": page, "effective-directive": "script-src-elem", "blocked-uri": blocked },
  });

const post = (node: TestApp, body: string) =>
  fetch(`${node.url}/r/${project.reportKey}`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body,
  });

const listed = async (node: TestApp) =>
  (
    (await (await api(node, "GET", `/api/projects/${project.id}/violations?noise=include`)).json()) as {
      groups: { blocked: string; total: number }[];
    }
  ).groups;

test.skipIf(skip)(
  "reports split across both nodes, on shared groups, are counted exactly; B lists what A received",
  async () => {
    const hosts = Array.from({ length: 8 }, (_, i) => `https://cdn${i}.example/x.js`);
    const expected = new Map<string, number>();
    const sends: Promise<Response>[] = [];
    for (let i = 0; i < 600; i++) {
      const blocked = hosts[i % hosts.length]!;
      const key = new URL(blocked).origin;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      // Alternating nodes: every group gets both nodes' commits, concurrently.
      sends.push(post(i % 2 === 0 ? a : b, report(blocked, `https://shop.example/p${i % 70}`)));
    }
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 204)).toEqual([]);
    const stored = await rows<{ blocked: string; count: unknown; pages: string; n: unknown }>(
      a,
      `SELECT blocked, count, pages, "sampleSeq" AS n FROM "ViolationGroup" WHERE "projectId" = ? ORDER BY blocked`,
      project.id,
    );
    expect(stored.map((r) => [r.blocked, Number(r.count)])).toEqual(
      [...expected].sort(([x], [y]) => (x < y ? -1 : 1)),
    );
    for (const r of stored) expect((JSON.parse(r.pages) as string[]).length).toBeLessThanOrEqual(50);
    const [samples] = await rows<{ n: unknown }>(
      a,
      `SELECT MAX(c) AS n FROM (SELECT COUNT(*) AS c FROM "Sample" GROUP BY "groupId") s`,
    );
    expect(Number(samples?.n)).toBeLessThanOrEqual(20);

    // A report received by A only: B's API lists it within a second.
    const started = Date.now();
    expect((await post(a, report("https://only-a.example/y.js"))).status).toBe(204);
    let seen = false;
    while (!seen && Date.now() - started < 1_000) {
      seen = (await listed(b)).some((g) => g.blocked === "https://only-a.example");
      if (!seen) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe(true);
  },
  60_000,
);

test.skipIf(skip)("B's suggestion follows A's commits; a version made on A is served by B", async () => {
  const suggestion = async (node: TestApp) =>
    (
      (await (await api(node, "GET", `/api/projects/${project.id}/policy/suggestion`)).json()) as {
        policy: string;
      }
    ).policy;
  // B builds (and caches) its answer first; then A alone receives a new source, twice (the evidence threshold).
  expect(await suggestion(b)).not.toContain("https://fresh.example");
  for (let i = 0; i < 2; i++) expect((await post(a, report("https://fresh.example/z.js"))).status).toBe(204);
  const started = Date.now();
  let policy = await suggestion(b);
  while (!policy.includes("https://fresh.example") && Date.now() - started < 2_000) {
    await new Promise((r) => setTimeout(r, 20));
    policy = await suggestion(b);
  }
  expect(policy).toContain("https://fresh.example");

  const v = (await (
    await api(a, "POST", `/api/projects/${project.id}/policy/versions`, { policy })
  ).json()) as {
    version: number;
  };
  expect(
    (
      await api(a, "POST", `/api/projects/${project.id}/policy/versions/${v.version}/state`, {
        state: "enforced",
      })
    ).status,
  ).toBe(200);
  const pub = await fetch(`${b.url}/p/${project.policyKey}/policy?format=header`);
  expect(pub.status).toBe(200);
  expect(pub.headers.get("x-cinch-policy-version")).toBe(String(v.version));
  expect(await pub.text()).toContain("https://fresh.example");
});

test.skipIf(skip)(
  "the daily cap is counted in the database: two nodes together accept the cap, not twice it",
  async () => {
    const capped = (await (await api(a, "POST", "/api/projects", { name: "capped" })).json()) as {
      id: string;
      reportKey: string;
    };
    expect((await api(a, "PATCH", `/api/projects/${capped.id}`, { settings: { dailyCap: 10 } })).status).toBe(
      200,
    );
    const send = (node: TestApp) =>
      fetch(`${node.url}/r/${capped.reportKey}`, {
        method: "POST",
        headers: { "Content-Type": "application/csp-report" },
        body: report("https://capped.example/x.js"),
      }).then((r) => r.status);
    const onA: number[] = [];
    for (let i = 0; i < 6; i++) onA.push(await send(a));
    expect(onA).toEqual([204, 204, 204, 204, 204, 204]);
    await a.deps.writer.drain();
    const onB: number[] = [];
    for (let i = 0; i < 6; i++) onB.push(await send(b));
    expect(onB).toEqual([204, 204, 204, 204, 429, 429]);
  },
);

test.skipIf(skip)("B's live tail shows a report posted to A", async () => {
  const res = await fetch(`${b.url}/api/projects/${project.id}/tail`, { headers: b.auth });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  // B announces its tail to the other nodes when it opens; A hears it within milliseconds.
  await new Promise((r) => setTimeout(r, 200));
  expect((await post(a, report("https://tailed.example/t.js"))).status).toBe(204);
  const started = Date.now();
  let text = "";
  while (!text.includes("https://tailed.example/t.js") && Date.now() - started < 3_000) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((r) => setTimeout(() => r(null), 500)),
    ]);
    if (chunk && !chunk.done) text += new TextDecoder().decode(chunk.value);
  }
  await reader.cancel();
  expect(text).toContain("https://tailed.example/t.js");
});

test.skipIf(skip)(
  "failed sign-ins are counted in the database: another node is not another set of guesses",
  async () => {
    const signIn = (node: TestApp) =>
      fetch(`${node.url}/api/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" },
        body: JSON.stringify({ email: "guessed@example.test", password: "wrong-password-guess" }),
      }).then((r) => r.status);
    const onA: number[] = [];
    for (let i = 0; i < 5; i++) onA.push(await signIn(a));
    expect(onA).toEqual([401, 401, 401, 401, 401]);
    // B's per-address bucket is fresh (per node), but the account's backoff is shared.
    expect(await signIn(b)).toBe(429);
  },
);
