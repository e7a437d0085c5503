// @vitest-environment jsdom
// The Alerts page: the rule form's defaults and validation (each error at its field, naming the value), create,
// edit and delete through the API, the 7-day preview, and the delivery log.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type {
  AlertChannelDto,
  AlertDeliveryDto,
  AlertRuleDto,
  AlertRuleInput,
} from "../../server/contract.ts";
import { AlertsPage } from "../../web/src/pages/AlertsPage.tsx";
import { App } from "../../web/src/App.tsx";
import {
  newRuleDraft,
  paramsSummary,
  ruleInputOf,
  withKind,
  KIND_DEFAULTS,
  type RuleDraft,
} from "../../web/src/lib/alert-rule-form.ts";
import {
  ALERT_CHANNEL_KINDS,
  ALERT_RULE_KINDS,
  DELIVERY_STATUS_TEXT,
  TRIAGE_STATES,
} from "../../web/src/lib/alerts-vocabulary.ts";
import {
  CHANNEL_KINDS,
  DELIVERY_STATUSES,
  RULE_KINDS,
  TRIAGE_STATES as SERVER_TRIAGE_STATES,
  resolveParams,
  ruleDefaults,
} from "../../server/alerts/vocabulary.ts";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const channel = (over: Partial<AlertChannelDto> = {}): AlertChannelDto => ({
  id: "c1",
  name: "ops webhook",
  kind: "webhook",
  url: "https://hooks.example.com/cinch",
  to: [],
  signed: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  rules: 1,
  ...over,
});

const rule = (over: Partial<AlertRuleDto> = {}): AlertRuleDto => ({
  id: "r1",
  projectId: "p1",
  kind: "new-group",
  channels: ["c1"],
  minCount: 1,
  quietMinutes: 60,
  params: { under: "any" },
  enabled: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  lastFiredAt: null,
  ...over,
});

const delivery = (over: Partial<AlertDeliveryDto> = {}): AlertDeliveryDto => ({
  id: "d1",
  eventId: "e1",
  ruleId: "r1",
  kind: "new-group",
  title: "New: script-src-elem https://evil.example",
  groupId: 7,
  channelId: "c1",
  channelName: "ops webhook",
  channelKind: "webhook",
  status: "failed",
  attempts: 5,
  nextAttemptAt: null,
  lastError: "the receiver answered 500",
  responseCode: 500,
  createdAt: new Date().toISOString(),
  deliveredAt: null,
  ...over,
});

function setup(over: Partial<Record<string, unknown>> = {}) {
  const api = mockApi({
    listAlertRules: vi.fn(() => Promise.resolve([rule()])),
    listAlertChannels: vi.fn(() =>
      Promise.resolve([
        channel(),
        channel({ id: "c2", name: "team mail", kind: "email", url: null, to: ["a@b.co"] }),
      ]),
    ),
    alertDeliveries: vi.fn(() => Promise.resolve([delivery()])),
    ...over,
  });
  renderApp(<AlertsPage />, api, { path: "/projects/p1/alerts", project });
  return api;
}

describe("the rule form's validation", () => {
  const draft = (over: Partial<RuleDraft>): RuleDraft => ({ ...newRuleDraft(["c1"]), ...over });

  test("a new rule's defaults make a useful new-group rule to the first channel", () => {
    expect(ruleInputOf(newRuleDraft(["c1", "c2"]))).toEqual({
      input: {
        kind: "new-group",
        channels: ["c1"],
        minCount: 1,
        quietMinutes: 60,
        params: { under: "any" },
        enabled: true,
      },
    });
  });

  test.each([
    { over: { channels: [] }, field: "channels", error: "Choose at least one channel to send to." },
    {
      over: { minCount: "0" },
      field: "minCount",
      error: "Minimum count must be a whole number of at least 1, not “0”.",
    },
    {
      over: { minCount: "2.5" },
      field: "minCount",
      error: "Minimum count must be a whole number of at least 1, not “2.5”.",
    },
    {
      over: { quietMinutes: "-5" },
      field: "quietMinutes",
      error:
        "Quiet period must be a whole number of minutes from 0 to 129600 (90 days: alerts are kept that long), not “-5”.",
    },
    {
      over: { directives: "script-src, <img>" },
      field: "directives",
      error: "Not a directive name: “<img>”. Use names like script-src-elem, separated by commas.",
    },
    {
      over: { kind: "spike", factor: "1" },
      field: "factor",
      error: "Factor must be a number above 1 and at most 1000, not “1”.",
    },
    {
      over: { kind: "enforced-block", days: "0" },
      field: "days",
      error: "Days must be a whole number from 1 to 90, not “0”.",
    },
    {
      over: { kind: "silence", hours: "" },
      field: "hours",
      error: "Hours must be a whole number from 1 to 720, not “”.",
    },
    {
      over: { kind: "quota", levels: "80, 150" },
      field: "levels",
      error: "Percentages must be whole numbers from 1 to 100, not “150”.",
    },
    {
      over: { kind: "quota", levels: "10 20 30 40 50 60" },
      field: "levels",
      error: "Give at most 5 percentages (there are 6).",
    },
    {
      over: { kind: "quota", levels: " " },
      field: "levels",
      error: "Give at least one percentage of the daily cap, e.g. 80, 100.",
    },
    {
      over: { kind: "digest", hour: "24" },
      field: "hour",
      error: "Hour must be a whole number from 0 to 23 (UTC), not “24”.",
    },
  ] as { over: Partial<RuleDraft>; field: string; error: string }[])(
    "$field: $error",
    ({ over, field, error }) => {
      expect(ruleInputOf(draft(over))).toEqual({ errors: { [field]: error } });
    },
  );

  test.each([
    { from: {}, kind: "spike", minCount: "50", quietMinutes: "360" },
    { from: { minCount: "5" }, kind: "spike", minCount: "5", quietMinutes: "360" },
    { from: { quietMinutes: "15" }, kind: "silence", minCount: "1", quietMinutes: "15" },
    {
      from: { kind: "spike", minCount: "50", quietMinutes: "360" },
      kind: "quota",
      minCount: "1",
      quietMinutes: "1440",
    },
  ] as { from: Partial<RuleDraft>; kind: RuleDraft["kind"]; minCount: string; quietMinutes: string }[])(
    "changing the kind to $kind keeps what the user typed, else takes its defaults",
    ({ from, kind, minCount, quietMinutes }) => {
      expect(withKind(draft(from), kind)).toMatchObject({ kind, minCount, quietMinutes });
    },
  );

  test("a preview needs no channel", () => {
    expect(ruleInputOf(draft({ channels: [] }), { forPreview: true })).toMatchObject({
      input: { channels: [] },
    });
  });

  test.each([
    {
      over: { kind: "spike", directives: "Script-Src, script-src connect-src", factor: "10" },
      params: { directives: ["script-src", "connect-src"], factor: 10 },
    },
    { over: { kind: "quota", levels: "100%, 50 80" }, params: { levels: [50, 80, 100] } },
    {
      over: { kind: "digest", period: "weekly", weekday: "5", hour: "7" },
      params: { period: "weekly", hour: 7, weekday: 5 },
    },
    { over: { kind: "digest" }, params: { period: "daily", hour: 8 } },
    { over: { kind: "policy-drift" }, params: {} },
  ] as { over: Partial<RuleDraft>; params: object }[])(
    "only the kind's parameters are sent: $over.kind",
    ({ over, params }) => {
      const r = ruleInputOf(draft(over));
      expect("input" in r && r.input.params).toEqual(params);
    },
  );

  test.each([
    { r: rule(), text: "—" },
    {
      r: rule({ params: { under: "enforced", directives: ["script-src-elem"] } }),
      text: "script-src-elem only; while a version is enforced",
    },
    { r: rule({ kind: "spike", params: {} }), text: "20× the hourly average" },
    {
      r: rule({ kind: "digest", params: { period: "weekly", hour: 9 } }),
      text: "weekly, Monday at 09:00 UTC",
    },
    { r: rule({ kind: "quota", params: {} }), text: "at 80 % and 100 % of the daily cap" },
  ])("summary: $text", ({ r, text }) => {
    expect(paramsSummary(r)).toBe(text);
  });
});

describe("AlertsPage", () => {
  test("lists the rules with their channels, and the delivery log with status, attempts, code and error", async () => {
    setup();
    const rules = await screen.findByRole("table", { name: "Alert rules" });
    const row = within(rules).getByRole("row", { name: /New violation/ });
    expect(within(row).getByText("ops webhook")).toBeTruthy();
    expect(within(row).getByText("1 hour")).toBeTruthy();
    expect(within(row).getByText("never")).toBeTruthy();
    const log = await screen.findByRole("table", { name: "Alert deliveries" });
    const d = within(log).getAllByRole("row")[1]!;
    expect(within(d).getByText("Failed")).toBeTruthy();
    expect(within(d).getByText("5")).toBeTruthy();
    expect(within(d).getByText("500")).toBeTruthy();
    expect(within(d).getByText("the receiver answered 500")).toBeTruthy();
    expect(
      within(d)
        .getByRole("link", { name: /script-src-elem https:\/\/evil\.example/ })
        .getAttribute("href"),
    ).toBe("/projects/p1/groups/7");
  });

  test("New rule: defaults pre-filled, errors at the field, then one POST and the rule is listed", async () => {
    const created = rule({ id: "r2", kind: "spike", minCount: 50, params: { factor: 20 } });
    const api = setup({ createAlertRule: vi.fn(() => Promise.resolve(created)) });
    await screen.findByRole("table", { name: "Alert rules" });
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const dialog = await screen.findByRole("dialog", { name: "New alert rule" });
    expect((within(dialog).getByLabelText("Alert when") as HTMLSelectElement).value).toBe("new-group");
    expect((within(dialog).getByLabelText("Minimum count") as HTMLInputElement).value).toBe("1");
    expect((within(dialog).getByLabelText("Quiet period (minutes)") as HTMLInputElement).value).toBe("60");
    expect((within(dialog).getByLabelText(/ops webhook/) as HTMLInputElement).checked).toBe(true);
    expect((within(dialog).getByLabelText(/team mail/) as HTMLInputElement).checked).toBe(false);

    fireEvent.change(within(dialog).getByLabelText("Alert when"), { target: { value: "spike" } });
    expect((within(dialog).getByLabelText("Factor") as HTMLInputElement).value).toBe("20");
    // The spike's own defaults replace the new-group ones the user had not changed.
    expect((within(dialog).getByLabelText("Minimum count") as HTMLInputElement).value).toBe("50");
    expect((within(dialog).getByLabelText("Quiet period (minutes)") as HTMLInputElement).value).toBe("360");
    const min = within(dialog).getByLabelText("Minimum count");
    fireEvent.change(min, { target: { value: "lots" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));
    const err = await within(dialog).findByText(
      "Minimum count must be a whole number of at least 1, not “lots”.",
    );
    expect(min.getAttribute("aria-invalid")).toBe("true");
    expect(min.getAttribute("aria-describedby")).toContain(err.id);
    expect(api.createAlertRule).not.toHaveBeenCalled();

    fireEvent.change(min, { target: { value: "50" } });
    expect(within(dialog).queryByText(/not “lots”/)).toBeNull();
    fireEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));
    await waitFor(() => expect(api.createAlertRule).toHaveBeenCalledTimes(1));
    expect(vi.mocked(api.createAlertRule).mock.calls[0]).toEqual([
      "p1",
      {
        kind: "spike",
        channels: ["c1"],
        minCount: 50,
        quietMinutes: 360,
        params: { factor: 20 },
        enabled: true,
      },
    ]);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByRole("row", { name: /Spike/ })).toBeTruthy();
  });

  test.each([
    {
      kind: "new-group",
      fields: ["Minimum count", "Quiet period (minutes)", "Only these directives", "When"],
    },
    {
      kind: "enforced-block",
      fields: [
        "Minimum count",
        "Quiet period (minutes)",
        "Only these directives",
        "Days without enforce reports",
      ],
    },
    { kind: "spike", fields: ["Minimum count", "Quiet period (minutes)", "Only these directives", "Factor"] },
    { kind: "silence", fields: ["Quiet period (minutes)", "Hours without reports"] },
    { kind: "quota", fields: ["Quiet period (minutes)", "Percentages of the daily cap"] },
    { kind: "policy-drift", fields: ["Minimum count", "Quiet period (minutes)"] },
    { kind: "regression", fields: ["Quiet period (minutes)", "Only these directives"] },
    { kind: "digest", fields: ["Every", "At hour (UTC)"] },
  ])("the form asks a $kind rule only what it reads", async ({ kind, fields }) => {
    setup();
    await screen.findByRole("table", { name: "Alert rules" });
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Alert when"), { target: { value: kind } });
    const labels = [...dialog.querySelectorAll(".field > label")].map((l) => l.textContent);
    expect(labels.filter((l) => l !== "Alert when" && l !== "Enabled")).toEqual(fields);
  });

  test("channels that cannot load say so and can be retried; New rule waits for them", async () => {
    let fail = true;
    const api = setup({
      listAlertChannels: vi.fn(() =>
        fail ? Promise.reject(new Error("Cannot reach the Cinch server.")) : Promise.resolve([channel()]),
      ),
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The alert channels could not load");
    expect((screen.getByRole("button", { name: "New rule" }) as HTMLButtonElement).disabled).toBe(true);
    fail = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() =>
      expect((screen.getByRole("button", { name: "New rule" }) as HTMLButtonElement).disabled).toBe(false),
    );
    expect(api.listAlertChannels).toHaveBeenCalledTimes(2);
  });

  test("the server's refusal shows in the dialog", async () => {
    setup({
      createAlertRule: vi.fn(() => Promise.reject(new Error("channels: unknown channel c9"))),
    });
    await screen.findByRole("table", { name: "Alert rules" });
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("channels: unknown channel c9");
  });

  test("Edit sends a PATCH without the kind; Delete asks, then deletes", async () => {
    const api = setup({
      updateAlertRule: vi.fn((_p: string, _r: string, patch: Partial<AlertRuleInput>) =>
        Promise.resolve(rule({ quietMinutes: patch.quietMinutes ?? 60 })),
      ),
      deleteAlertRule: vi.fn(() => Promise.resolve()),
    });
    await screen.findByRole("table", { name: "Alert rules" });
    fireEvent.click(screen.getByRole("button", { name: "Edit the New violation rule" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit the “New violation” rule" });
    expect((within(dialog).getByLabelText("Alert when") as HTMLSelectElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText("Quiet period (minutes)"), { target: { value: "1440" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save rule" }));
    await waitFor(() => expect(api.updateAlertRule).toHaveBeenCalled());
    expect(vi.mocked(api.updateAlertRule).mock.calls[0]).toEqual([
      "p1",
      "r1",
      { channels: ["c1"], minCount: 1, quietMinutes: 1440, params: { under: "any" }, enabled: true },
    ]);
    expect(await screen.findByText("1 day")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Delete the New violation rule" }));
    const confirm = await screen.findByRole("dialog", { name: "Delete the “New violation” rule?" });
    fireEvent.click(within(confirm).getByRole("button", { name: "Delete rule" }));
    await waitFor(() => expect(api.deleteAlertRule).toHaveBeenCalledWith("p1", "r1"));
    expect(await screen.findByText("No alert rule yet.")).toBeTruthy();
  });

  test("Preview replays a rule over the last 7 days and lists what it would have fired", async () => {
    const api = setup({
      previewAlertRule: vi.fn(() =>
        Promise.resolve({
          since: "2026-01-01T00:00:00.000Z",
          until: "2026-01-08T00:00:00.000Z",
          fired: [
            {
              at: "2026-01-05T10:00:00.000Z",
              title: "New: script-src-elem https://ads.example",
              groupId: 3,
              count: 4,
            },
          ],
          total: 3,
          note: null,
        }),
      ),
    });
    await screen.findByRole("table", { name: "Alert rules" });
    fireEvent.click(
      screen.getByRole("button", { name: "Preview the New violation rule over the last 7 days" }),
    );
    expect(await screen.findByText("It would have fired 3 times in the last 7 days.")).toBeTruthy();
    expect(vi.mocked(api.previewAlertRule).mock.calls[0]).toEqual([
      "p1",
      { kind: "new-group", channels: ["c1"], minCount: 1, quietMinutes: 60, params: { under: "any" } },
    ]);
    expect(screen.getByRole("link", { name: /ads\.example/ }).getAttribute("href")).toBe(
      "/projects/p1/groups/3",
    );
    expect(screen.getByText("and 2 more.")).toBeTruthy();
  });

  test("the draft can be previewed before it is saved, without a channel", async () => {
    const api = setup({
      listAlertChannels: vi.fn(() => Promise.resolve([])),
      listAlertRules: vi.fn(() => Promise.resolve([])),
      previewAlertRule: vi.fn(() =>
        Promise.resolve({ since: "", until: "", fired: [], total: 0, note: "Replayed from stored groups." }),
      ),
    });
    expect(await screen.findByText("No alert rule yet.")).toBeTruthy();
    expect(screen.getByText(/No alert channel yet\./)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Preview last 7 days" }));
    expect(await within(dialog).findByText("It would not have fired in the last 7 days.")).toBeTruthy();
    expect(within(dialog).getByText("Replayed from stored groups.")).toBeTruthy();
    expect(vi.mocked(api.previewAlertRule).mock.calls[0]![1]).toMatchObject({
      kind: "new-group",
      channels: [],
    });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create rule" }));
    expect(await within(dialog).findByText("Choose at least one channel to send to.")).toBeTruthy();
  });

  test("the delivery log filters by status and says when nothing was sent", async () => {
    const api = setup({ alertDeliveries: vi.fn(() => Promise.resolve([])) });
    expect(await screen.findByText("No alert sent yet.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failed" } });
    await waitFor(() =>
      expect(api.alertDeliveries).toHaveBeenLastCalledWith("p1", { status: "failed", limit: 100 }),
    );
    expect(await screen.findByText("No delivery with this status.")).toBeTruthy();
  });
});

describe("navigation to the alerts pages", () => {
  const signedIn = (over: Partial<Record<string, unknown>> = {}) =>
    mockApi({
      getSession: vi.fn(() => Promise.resolve({ user: { email: "ada@example.com" }, csrfToken: "c" })),
      getProject: vi.fn(() => Promise.resolve(project)),
      listAlertChannels: vi.fn(() => Promise.resolve([channel()])),
      listAlertRules: vi.fn(() => Promise.resolve([rule()])),
      alertDeliveries: vi.fn(() => Promise.resolve([])),
      ...over,
    });

  test("the main navigation has Alert channels; a project has an Alerts tab", async () => {
    window.history.replaceState(null, "", "/projects/p1/alerts");
    render(<App api={signedIn()} />);
    const tabs = await screen.findByRole("navigation", { name: "Project sections" });
    expect(within(tabs).getByRole("link", { name: "Alerts" }).getAttribute("aria-current")).toBe("page");
    expect(await screen.findByRole("table", { name: "Alert rules" })).toBeTruthy();
    fireEvent.click(
      within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: "Alert channels" }),
    );
    expect(await screen.findByRole("heading", { name: "Alert channels" })).toBeTruthy();
    expect(window.location.pathname).toBe("/channels");
  });

  test("an alert's link to a group (the API's /violations/:gid shape) opens the group page", async () => {
    window.history.replaceState(null, "", "/projects/p1/violations/42?range=7d");
    render(<App api={signedIn()} />);
    await waitFor(() => expect(window.location.pathname).toBe("/projects/p1/groups/42"));
    expect(window.location.search).toBe("?range=7d");
  });
});

describe("the dashboard's alert vocabularies and defaults are the server's", () => {
  test("kinds, channel kinds, triage states and delivery statuses", () => {
    expect([...ALERT_RULE_KINDS]).toEqual([...RULE_KINDS]);
    expect([...ALERT_CHANNEL_KINDS]).toEqual([...CHANNEL_KINDS]);
    expect([...TRIAGE_STATES]).toEqual([...SERVER_TRIAGE_STATES]);
    expect(Object.keys(DELIVERY_STATUS_TEXT)).toEqual([...DELIVERY_STATUSES]);
  });

  test.each([...RULE_KINDS])(
    "%s: the form pre-fills the server's minimum count, quiet period and parameters",
    (kind) => {
      expect(KIND_DEFAULTS[kind]).toEqual(ruleDefaults(kind));
      const r = ruleInputOf(withKind(newRuleDraft(["c1"]), kind));
      expect("input" in r && r.input).toMatchObject(ruleDefaults(kind));
      const resolved = resolveParams({});
      if ("input" in r)
        for (const [k, v] of Object.entries(r.input.params ?? {}))
          expect(v, k).toEqual(resolved[k as keyof typeof resolved]);
    },
  );
});
