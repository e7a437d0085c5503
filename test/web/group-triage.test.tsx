// @vitest-environment jsdom
// The group page's triage: the state with who and when, buttons that POST the change and show the answer, the
// triage history, and the alerts the group raised.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { GroupAlertsDto, GroupTriageDto } from "../../server/contract.ts";
import { GroupPage } from "../../web/src/pages/GroupPage.tsx";
import { ApiError } from "../../web/src/api/client.ts";
import { group, mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const never: GroupTriageDto = { state: "open", by: null, at: null, history: [] };

const alerts = (over: Partial<GroupAlertsDto> = {}): GroupAlertsDto => ({
  triage: never,
  events: [
    {
      id: "e1",
      ruleId: "r1",
      kind: "new-group",
      title: "New violation: script-src-elem blocked https://ads.example\u202egnp.js",
      groupId: 7,
      createdAt: "2026-01-02T00:00:00.000Z",
      deliveries: [{ channelName: "ops webhook", status: "delivered" }],
    },
  ],
  ...over,
});

function setup(over: Partial<Record<string, unknown>> = {}) {
  const api = mockApi({
    group: vi.fn(() =>
      Promise.resolve({
        group: group({ id: 7 }),
        samples: [],
        series: [],
        byVersion: {},
        byDisposition: {},
        byEnv: {},
      }),
    ),
    groupAlerts: vi.fn(() => Promise.resolve(alerts())),
    ...over,
  });
  renderApp(<GroupPage groupId="7" />, api, { path: "/projects/p1/groups/7", project });
  return api;
}

const card = async () =>
  (await screen.findByRole("heading", { name: "Triage and alerts" })).closest("section")!;

describe("GroupPage triage", () => {
  test("a group never triaged is open; Acknowledge posts it and shows who and when", async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const api = setup({
      triageGroup: vi.fn(() =>
        Promise.resolve({
          state: "acknowledged",
          by: "ana@example.com",
          at,
          history: [{ state: "acknowledged", by: "ana@example.com", at }],
        }),
      ),
    });
    const c = await card();
    await within(c).findByText("Open");
    expect(within(c).getByText("never triaged")).toBeTruthy();
    const actions = within(c).getByRole("group", { name: "Triage" });
    expect(
      within(actions)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["Acknowledge", "Resolve", "Mute"]);
    fireEvent.click(within(actions).getByRole("button", { name: "Acknowledge" }));
    await waitFor(() => expect(api.triageGroup).toHaveBeenCalledWith("p1", "7", "acknowledged"));
    expect(await within(c).findByText("Acknowledged")).toBeTruthy();
    expect(within(c).getByText("ana@example.com")).toBeTruthy();
    expect(within(c).getByText("1 minute ago")).toBeTruthy();
    expect(
      within(actions)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["Reopen", "Resolve", "Mute"]);
  });

  test.each([
    { from: "acknowledged", click: "Resolve", to: "resolved", label: "Resolved" },
    { from: "resolved", click: "Reopen", to: "open", label: "Open" },
    { from: "open", click: "Mute", to: "muted", label: "Muted" },
    { from: "muted", click: "Reopen", to: "open", label: "Open" },
  ] as const)("$from → $click → $label", async ({ from, click, to, label }) => {
    const at = "2026-01-03T00:00:00.000Z";
    const api = setup({
      groupAlerts: vi.fn(() =>
        Promise.resolve(alerts({ triage: { state: from, by: "bo@example.com", at, history: [] } })),
      ),
      triageGroup: vi.fn(() => Promise.resolve({ state: to, by: "ana@example.com", at, history: [] })),
    });
    const c = await card();
    const actions = await within(c).findByRole("group", { name: "Triage" });
    fireEvent.click(within(actions).getByRole("button", { name: click }));
    await waitFor(() => expect(api.triageGroup).toHaveBeenCalledWith("p1", "7", to));
    await waitFor(() => expect(c.querySelector(".triage-state .badge")?.textContent).toBe(label));
  });

  test("a refused change says why and keeps the state", async () => {
    setup({
      triageGroup: vi.fn(() =>
        Promise.reject(new ApiError(403, "insufficient_scope", 'this action needs the "write" scope')),
      ),
    });
    const c = await card();
    fireEvent.click(await within(c).findByRole("button", { name: "Resolve" }));
    expect((await within(c).findByRole("alert")).textContent).toBe('this action needs the "write" scope');
    expect(c.querySelector(".triage-state .badge")?.textContent).toBe("Open");
  });

  test("the alert history lists each alert with its deliveries, report data isolated", async () => {
    setup({
      groupAlerts: vi.fn(() =>
        Promise.resolve(
          alerts({
            triage: {
              state: "resolved",
              by: "bo@example.com",
              at: "2026-01-03T00:00:00.000Z",
              history: [
                { state: "resolved", by: "bo@example.com", at: "2026-01-03T00:00:00.000Z" },
                { state: "acknowledged", by: "ana@example.com", at: "2026-01-02T12:00:00.000Z" },
              ],
            },
          }),
        ),
      ),
    });
    const c = await card();
    await within(c).findByText("Triage history (2)");
    const history = c.querySelector(".alert-history")!;
    expect(history.textContent).toContain("New violation");
    expect(history.textContent).toContain("ops webhook: delivered");
    const title = within(c).getByText(/ads\.example/);
    expect(title.closest("[data-untrusted]")).toBeTruthy();
    expect(title.textContent).toContain("⟦U+202E⟧");
    expect(within(c).getByText("Triage history (2)")).toBeTruthy();
  });

  test("a group with no alert says so and links to the rules", async () => {
    setup({ groupAlerts: vi.fn(() => Promise.resolve(alerts({ events: [] }))) });
    const c = await card();
    expect(await within(c).findByText(/No alert raised for this group/)).toBeTruthy();
    expect(within(c).getByRole("link", { name: "Alert rules" }).getAttribute("href")).toBe(
      "/projects/p1/alerts",
    );
  });
});
