// @vitest-environment jsdom
// The Alert channels page: create form validation at each field, a generated webhook secret shown once with a
// copy button, "Send a test" with the receiver's answer, delete after a confirmation.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { AlertChannelDto } from "../../server/contract.ts";
import { ChannelsPage, channelInputOf } from "../../web/src/pages/ChannelsPage.tsx";
import { ApiError } from "../../web/src/api/client.ts";
import { mockApi, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const SECRET = "whsec_4f1c0a9e3b7d2c5e8f6a1b0c9d8e7f6a";

const channel = (over: Partial<AlertChannelDto> = {}): AlertChannelDto => ({
  id: "c1",
  name: "ops webhook",
  kind: "webhook",
  url: "https://hooks.example.com/…",
  to: [],
  signed: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  rules: 2,
  ...over,
});

function setup(over: Partial<Record<string, unknown>> = {}) {
  const api = mockApi({
    listAlertChannels: vi.fn(() => Promise.resolve([channel()])),
    ...over,
  });
  renderApp(<ChannelsPage />, api, { path: "/channels" });
  return api;
}

const base = { name: "ops", kind: "webhook" as const, url: "https://x.example/h", to: "", secret: "" };

describe("the channel form's validation", () => {
  test.each([
    { d: { name: " " }, errors: { name: "Enter a name to recognise the channel by, e.g. “ops webhook”." } },
    { d: { url: "" }, errors: { url: "Enter the webhook URL to send to." } },
    {
      d: { url: "ftp://x.example/" },
      errors: { url: "The URL must start with https:// or http://, not “ftp://x.example/”." },
    },
    {
      d: { kind: "slack", url: "hooks.slack.com" },
      errors: { url: "The URL must start with https:// or http://, not “hooks.slack.com”." },
    },
    {
      d: { secret: "short" },
      errors: {
        secret: "A secret must be at least 16 characters (it has 5); leave it empty to have one generated.",
      },
    },
    { d: { kind: "email", to: "" }, errors: { to: "Enter at least one email address." } },
    { d: { kind: "email", to: "a@b.co, nope" }, errors: { to: "Not an email address: “nope”." } },
  ] as { d: Partial<typeof base>; errors: object }[])("$errors", ({ d, errors }) => {
    expect(channelInputOf({ ...base, ...d })).toEqual({ errors });
  });

  test.each([
    { d: {}, input: { name: "ops", kind: "webhook", url: "https://x.example/h" } },
    {
      d: { secret: SECRET },
      input: { name: "ops", kind: "webhook", url: "https://x.example/h", secret: SECRET },
    },
    {
      d: { kind: "email", to: "a@b.co; c@d.io" },
      input: { name: "ops", kind: "email", to: ["a@b.co", "c@d.io"] },
    },
  ] as { d: Partial<typeof base>; input: object }[])("valid: $input.kind", ({ d, input }) => {
    expect(channelInputOf({ ...base, ...d })).toEqual({ input });
  });
});

describe("ChannelsPage", () => {
  test("a webhook created without a secret shows the generated one once, with a copy button", async () => {
    const api = setup({
      createAlertChannel: vi.fn(() =>
        Promise.resolve({ ...channel({ id: "c2", name: "siem", rules: 0 }), secret: SECRET }),
      ),
    });
    const table = await screen.findByRole("table", { name: "Alert channels" });
    expect(within(table).getByRole("row", { name: /ops webhook/ })).toBeTruthy();
    const form = screen.getByRole("form", { name: "Create an alert channel" });
    fireEvent.click(within(form).getByRole("button", { name: "Create channel" }));
    const nameErr = await within(form).findByText(
      "Enter a name to recognise the channel by, e.g. “ops webhook”.",
    );
    expect(within(form).getByLabelText("Name").getAttribute("aria-describedby")).toBe(nameErr.id);
    expect(within(form).getByText("Enter the webhook URL to send to.")).toBeTruthy();
    expect(api.createAlertChannel).not.toHaveBeenCalled();

    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "siem" } });
    fireEvent.change(within(form).getByLabelText("URL"), { target: { value: "https://siem.example/in" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create channel" }));
    await waitFor(() =>
      expect(api.createAlertChannel).toHaveBeenCalledWith({
        name: "siem",
        kind: "webhook",
        url: "https://siem.example/in",
      }),
    );
    const notice = await screen.findByRole("status");
    expect(within(notice).getByText(SECRET)).toBeTruthy();
    expect(within(notice).getByText(/it will not be shown again/)).toBeTruthy();
    expect(within(notice).getByRole("button", { name: "Copy Signing secret" })).toBeTruthy();
    // Listed without its secret, which goes away for good with Done.
    expect(within(table).getByRole("row", { name: /siem/ }).textContent).not.toContain(SECRET);
    fireEvent.click(within(notice).getByRole("button", { name: "Done" }));
    expect(screen.queryByText(SECRET)).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
  });

  test("an email channel takes addresses; no secret is shown", async () => {
    const api = setup({
      createAlertChannel: vi.fn(() =>
        Promise.resolve(
          channel({ id: "c3", name: "team", kind: "email", url: null, to: ["a@b.co"], signed: false }),
        ),
      ),
    });
    await screen.findByRole("table", { name: "Alert channels" });
    const form = screen.getByRole("form", { name: "Create an alert channel" });
    fireEvent.change(within(form).getByLabelText("Kind"), { target: { value: "email" } });
    expect(within(form).queryByLabelText("Signing secret (optional)")).toBeNull();
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "team" } });
    fireEvent.change(within(form).getByLabelText("Send to"), { target: { value: "a@b.co, oops" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create channel" }));
    expect(await within(form).findByText("Not an email address: “oops”.")).toBeTruthy();
    expect(within(form).getByLabelText("Send to").getAttribute("aria-invalid")).toBe("true");
    fireEvent.change(within(form).getByLabelText("Send to"), { target: { value: "a@b.co" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create channel" }));
    await waitFor(() =>
      expect(api.createAlertChannel).toHaveBeenCalledWith({ name: "team", kind: "email", to: ["a@b.co"] }),
    );
    expect(await screen.findByRole("row", { name: /team/ })).toBeTruthy();
    expect(screen.queryByRole("status")).toBeNull();
  });

  test("the server's refusal shows under the form", async () => {
    setup({
      createAlertChannel: vi.fn(() =>
        Promise.reject(new ApiError(400, "invalid_input", "url: 127.0.0.1 is a private address")),
      ),
    });
    await screen.findByRole("table");
    const form = screen.getByRole("form", { name: "Create an alert channel" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "x" } });
    fireEvent.change(within(form).getByLabelText("URL"), { target: { value: "http://127.0.0.1/h" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create channel" }));
    expect((await within(form).findByRole("alert")).textContent).toBe("url: 127.0.0.1 is a private address");
  });

  test.each([
    {
      answer: { delivered: true, responseCode: 204, error: null, durationMs: 42 },
      text: "Delivered (answered 204) in 42 ms.",
    },
    {
      answer: { delivered: false, responseCode: 500, error: "the receiver answered 500", durationMs: 9 },
      text: "Not delivered (answered 500): the receiver answered 500",
    },
    {
      answer: { delivered: false, responseCode: null, error: "connect ECONNREFUSED", durationMs: 3 },
      text: "Not delivered: connect ECONNREFUSED",
    },
  ])("Send a test shows the result: $text", async ({ answer, text }) => {
    const api = setup({ testAlertChannel: vi.fn(() => Promise.resolve(answer)) });
    await screen.findByRole("table");
    fireEvent.click(screen.getByRole("button", { name: "Send a test to ops webhook" }));
    await waitFor(() => expect(screen.getByRole("row", { name: /ops webhook/ }).textContent).toContain(text));
    expect(api.testAlertChannel).toHaveBeenCalledWith("c1");
  });

  test("Delete says how many rules send to it, then deletes", async () => {
    const api = setup({ deleteAlertChannel: vi.fn(() => Promise.resolve()) });
    await screen.findByRole("table");
    fireEvent.click(screen.getByRole("button", { name: "Delete channel ops webhook" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete the channel “ops webhook”?" });
    expect(within(dialog).getByText(/2 rules send to it/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete channel" }));
    await waitFor(() => expect(api.deleteAlertChannel).toHaveBeenCalledWith("c1"));
    expect(await screen.findByText("No alert channel yet.")).toBeTruthy();
  });
});
