// Deleting a project removes every row it owns (every table with a projectId, and those reached through its groups,
// read from the database's catalog), leaves other projects alone, and retires its report key (410 Gone); rotating a
// report key retires the old one at once, cached or not, and the new one takes reports.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, api, rows, type TestApp } from "../helpers/app.ts";
import { runnerFor, tableColumns } from "../../server/store/sql-runner.ts";

let t: TestApp;
beforeAll(async () => {
  // Alert rules fire into a local channel (delivery fails; the rows are what matters here).
  t = await startTestApp({ ALERT_ALLOW_PRIVATE_DESTINATIONS: "true", ALERT_POLL_MS: "60000" });
});
afterAll(() => t.close());

type Project = { id: string; reportKey: string; builtin: boolean };

async function newProject(name: string): Promise<Project> {
  const r = await api(t, "POST", "/api/projects", { name });
  expect(r.status).toBe(201);
  return (await r.json()) as Project;
}

const report = (i: number) =>
  JSON.stringify({
    "csp-report": {
      "document-uri": `https://site.example/page${i % 3}`,
      "effective-directive": i % 2 ? "img-src" : "script-src-elem",
      "blocked-uri": `https://cdn${i % 4}.example/x.js`,
      disposition: "report",
      "script-sample": `s${i}`,
    },
  });

const post = (key: string, i = 0) =>
  fetch(`${t.url}/r/${key}?v=1&env=prod`, {
    method: "POST",
    headers: { "Content-Type": "application/csp-report" },
    body: report(i),
  });

/**
 * Give a project rows in every table it can own: groups, hours, rollups, samples, counters, a version, an alert
 * rule with what it fired (events, deliveries, quiet-period keys).
 */
async function populate(p: Project): Promise<void> {
  const channel = await api(t, "POST", "/api/alert-channels", {
    name: `hook ${p.id}`,
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
  });
  expect(channel.status).toBe(201);
  const { id } = (await channel.json()) as { id: string };
  expect(
    (await api(t, "POST", `/api/projects/${p.id}/alerts`, { kind: "new-group", channels: [id] })).status,
  ).toBe(201);
  for (let i = 0; i < 12; i++) expect((await post(p.reportKey, i)).status).toBe(204);
  const v = await api(t, "POST", `/api/projects/${p.id}/policy/versions`, { policy: "default-src 'self'" });
  expect(v.status).toBe(201);
}

/** Rows a project owns, per table: a projectId column, or a groupId of one of its groups. */
async function owned(projectId: string): Promise<Record<string, number>> {
  const cols = await tableColumns(runnerFor(t.deps.db));
  const out: Record<string, number> = {};
  for (const [table, c] of cols) {
    if (table === "RetiredReportKey") continue;
    const where = c.includes("projectId")
      ? `"projectId" = ?`
      : c.includes("groupId")
        ? `"groupId" IN (SELECT "id" FROM "ViolationGroup" WHERE "projectId" = ?)`
        : c.includes("ruleId")
          ? `"ruleId" IN (SELECT "id" FROM "AlertRule" WHERE "projectId" = ?)`
          : table === "Project"
            ? `"id" = ?`
            : null;
    if (!where) continue;
    const [r] = await rows<{ n: unknown }>(
      t,
      `SELECT COUNT(*) AS n FROM "${table}" WHERE ${where}`,
      projectId,
    );
    out[table] = Number(r?.n ?? 0);
  }
  return out;
}

describe("DELETE /api/projects/:id", () => {
  test("removes every row the project owns, in every table, and nothing of another project", async () => {
    const doomed = await newProject("doomed");
    const other = await newProject("other");
    await populate(doomed);
    await populate(other);
    const before = await owned(doomed.id);
    for (const table of ["Project", "ViolationGroup", "GroupHour", "DirectiveHour", "GroupRunning", "Sample"])
      expect(before[table], table).toBeGreaterThan(0);
    expect(before.ProjectHour).toBeGreaterThan(0);
    expect(before.PolicyVersion).toBe(1);
    // The new-group rule fires after the commits: wait for its quiet-period keys (they hang off the rule).
    await expect.poll(async () => (await owned(doomed.id)).AlertFired ?? 0).toBeGreaterThan(0);
    await expect.poll(async () => (await owned(other.id)).AlertFired ?? 0).toBeGreaterThan(0);
    const otherBefore = await owned(other.id);

    const del = await api(t, "DELETE", `/api/projects/${doomed.id}`);
    expect(del.status).toBe(204);
    const after = await owned(doomed.id);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await owned(other.id)).toEqual(otherBefore);
    // Rows reached through the deleted rules cannot be found through them any more: no orphan may be left.
    const [fired] = await rows<{ n: unknown }>(t, `SELECT COUNT(*) AS n FROM "AlertFired"`);
    expect(Number(fired?.n)).toBe(otherBefore.AlertFired);

    expect((await api(t, "GET", `/api/projects/${doomed.id}`)).status).toBe(404);
    expect((await api(t, "DELETE", `/api/projects/${doomed.id}`)).status).toBe(404);
    const gone = await post(doomed.reportKey);
    expect(gone.status).toBe(410);
    expect(await gone.json()).toEqual({ error: "gone", message: "report key is no longer in use" });
    expect((await post(other.reportKey)).status).toBe(204);
  });

  test("the built-in project is refused with 409 builtin_project", async () => {
    const self = await t.deps.projects.create("Cinch dashboard", { builtin: true });
    const del = await api(t, "DELETE", `/api/projects/${self.id}`);
    expect(del.status).toBe(409);
    expect(((await del.json()) as { error: string }).error).toBe("builtin_project");
    const rot = await api(t, "POST", `/api/projects/${self.id}/report-key`);
    expect(rot.status).toBe(409);
  });
});

describe("POST /api/projects/:id/report-key", () => {
  test("the old key answers 410 Gone at once (it was cached), the new one 204", async () => {
    const p = await newProject("rotating");
    expect((await post(p.reportKey)).status).toBe(204); // cached as this project's key now
    const r = await api(t, "POST", `/api/projects/${p.id}/report-key`);
    expect(r.status).toBe(200);
    const next = (await r.json()) as Project & { reportUri: string };
    expect(next.id).toBe(p.id);
    expect(next.reportKey).not.toBe(p.reportKey);
    expect(next.reportUri).toContain(`/r/${next.reportKey}`);
    const old = await post(p.reportKey);
    expect(old.status).toBe(410);
    expect(old.headers.get("access-control-allow-origin")).toBe("*");
    expect((await post(next.reportKey)).status).toBe(204);
    // Twice more: the 410 is cached too, and stays a 410.
    expect((await post(p.reportKey)).status).toBe(410);
    // The project's reports are kept across the rotation.
    const [g] = await rows<{ n: unknown }>(
      t,
      `SELECT SUM("count") AS n FROM "ViolationGroup" WHERE "projectId" = ?`,
      p.id,
    );
    expect(Number(g?.n)).toBe(2);
  });

  test("an unknown project is 404; an unknown key is still 404, not 410", async () => {
    expect(
      (await api(t, "POST", `/api/projects/00000000-0000-4000-8000-000000000000/report-key`)).status,
    ).toBe(404);
    expect((await post("no-such-key")).status).toBe(404);
  });
});
