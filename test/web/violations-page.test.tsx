// @vitest-environment jsdom
// Violations explorer: loads with the window and filters from the URL, writes filter/sort/page changes back to
// the URL (so views are permalinks), and shows loading, empty and error states.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ViolationsPage, PAGE_SIZE } from "../../web/src/pages/ViolationsPage.tsx";
import type { ViolationsDto } from "../../server/contract.ts";
import { ApiError } from "../../web/src/api/client.ts";
import { group, mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const page = (n: number, total = n): ViolationsDto => ({
  groups: Array.from({ length: n }, (_, i) => group({ id: i + 1, blocked: `https://h${i + 1}.example` })),
  totals: { groups: total, reports: total * 10, byDirective: { "script-src-elem": total * 10 } },
  window: { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z" },
});

function setup(list: () => Promise<ViolationsDto>, path = "/projects/p1/violations") {
  const api = mockApi({
    violations: vi.fn(list),
    series: vi.fn(() =>
      Promise.resolve({
        points: [{ hour: new Date().toISOString(), directive: "script-src-elem", count: 4 }],
      }),
    ),
    stats: vi.fn(() =>
      Promise.resolve({ totals: { accepted: 40, noise: 3, sampled: 0, "rejected:origin": 2 }, hourly: [] }),
    ),
    group: vi.fn(() =>
      Promise.resolve({
        group: group(),
        samples: [],
        series: [],
        byVersion: {},
        byDisposition: {},
        byEnv: {},
      }),
    ),
  });
  renderApp(<ViolationsPage mode="groups" />, api, { path, project });
  return api;
}

describe("ViolationsPage", () => {
  test("loads the default 24-hour window, excluding noise, sorted by count", async () => {
    const api = setup(() => Promise.resolve(page(2)));
    expect(screen.getByText("Loading groups…")).toBeTruthy();
    await screen.findByRole("table", { name: "Violation groups" });
    const q = vi.mocked(api.violations).mock.calls[0]![1]!;
    expect(q).toMatchObject({ noise: "exclude", sort: "count", order: "desc", limit: PAGE_SIZE, offset: 0 });
    expect(Number(q.until) - Number(q.since)).toBe(86_400_000);
    expect(screen.getByText(/2 groups, 20 reports/)).toBeTruthy();
    expect(screen.getByText("Rejected").nextElementSibling?.textContent).toMatch(/^2origin: 2$/);
    // the chart legend offers a directive filter
    expect(screen.getByRole("button", { name: "Filter by script-src-elem 4 reports" })).toBeTruthy();
  });

  test("reads filters, sort and range from the URL", async () => {
    const api = setup(
      () => Promise.resolve(page(1)),
      "/projects/p1/violations?range=7d&directive=img-src&disposition=enforce&version=3&text=cdn&sort=lastSeen&order=asc&offset=25",
    );
    await screen.findByRole("table", { name: "Violation groups" });
    const q = vi.mocked(api.violations).mock.calls[0]![1]!;
    expect(q).toMatchObject({
      directive: "img-src",
      disposition: "enforce",
      version: "3",
      text: "cdn",
      sort: "lastSeen",
      order: "asc",
      offset: 25,
    });
    expect(Number(q.until) - Number(q.since)).toBe(7 * 86_400_000);
    expect((screen.getByLabelText("Directive") as HTMLSelectElement).value).toBe("img-src");
    expect(screen.getByRole("button", { name: "Clear 4 filters" })).toBeTruthy();
  });

  test("changing a filter updates the URL, resets paging and refetches", async () => {
    const api = setup(() => Promise.resolve(page(1)), "/projects/p1/violations?offset=25");
    await screen.findByRole("table", { name: "Violation groups" });
    fireEvent.change(screen.getByLabelText("Directive"), { target: { value: "style-src" } });
    await waitFor(() => expect(window.location.search).toBe("?directive=style-src"));
    await waitFor(() =>
      expect(vi.mocked(api.violations).mock.calls.at(-1)![1]).toMatchObject({
        directive: "style-src",
        offset: 0,
      }),
    );
  });

  test("the triage filter reads from and writes to the URL; an unknown state is not sent", async () => {
    const api = setup(() => Promise.resolve(page(1)), "/projects/p1/violations?triage=resolved");
    await screen.findByRole("table", { name: "Violation groups" });
    expect(vi.mocked(api.violations).mock.calls[0]![1]).toMatchObject({ triage: "resolved" });
    const select = screen.getByLabelText("Triage") as HTMLSelectElement;
    expect(select.value).toBe("resolved");
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "Any",
      "Open",
      "Acknowledged",
      "Resolved",
      "Muted",
    ]);
    fireEvent.change(select, { target: { value: "muted" } });
    await waitFor(() => expect(window.location.search).toBe("?triage=muted"));
    await waitFor(() =>
      expect(vi.mocked(api.violations).mock.calls.at(-1)![1]).toMatchObject({ triage: "muted", offset: 0 }),
    );
    expect(vi.mocked(api.series).mock.calls.at(-1)![1]).toMatchObject({ triage: "muted" });
    fireEvent.click(screen.getByRole("button", { name: "Clear 1 filter" }));
    await waitFor(() => expect(window.location.search).toBe(""));
    await waitFor(() => expect(vi.mocked(api.violations).mock.calls.at(-1)![1]!.triage).toBeUndefined());
    cleanup();
    const api2 = setup(() => Promise.resolve(page(1)), "/projects/p1/violations?triage=constructor");
    await screen.findByRole("table", { name: "Violation groups" });
    expect(vi.mocked(api2.violations).mock.calls[0]![1]!.triage).toBeUndefined();
  });

  test("text search applies on Enter", async () => {
    const api = setup(() => Promise.resolve(page(1)));
    await screen.findByRole("table", { name: "Violation groups" });
    const input = screen.getByLabelText("Search");
    fireEvent.change(input, { target: { value: "googletag" } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(new URLSearchParams(window.location.search).get("text")).toBe("googletag"));
    await waitFor(() =>
      expect(vi.mocked(api.violations).mock.calls.at(-1)![1]).toMatchObject({ text: "googletag" }),
    );
  });

  test("sorting and paging write to the URL", async () => {
    setup(() => Promise.resolve(page(PAGE_SIZE, 60)));
    await screen.findByRole("table", { name: "Violation groups" });
    expect(screen.getByText(/1–25 of 60/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(window.location.search).toBe("?offset=25"));
    fireEvent.click(screen.getByRole("button", { name: /Directive/ }));
    await waitFor(() => expect(window.location.search).toBe("?sort=directive&order=asc"));
  });

  test("fetches a trend for each visible group", async () => {
    const api = setup(() => Promise.resolve(page(3)));
    await screen.findByRole("table", { name: "Violation groups" });
    await waitFor(() => expect(api.group).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(screen.getAllByRole("img", { name: /^Trend of/ })).toHaveLength(3));
  });

  test("an empty result says so and points to the install page", async () => {
    setup(() => Promise.resolve(page(0)));
    expect(await screen.findByText("No violations match.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "install instructions" }).getAttribute("href")).toBe(
      "/projects/p1/install",
    );
  });

  test("an error shows the server's message and retries", async () => {
    let fail = true;
    const api = setup(() =>
      fail
        ? Promise.reject(new ApiError(400, "invalid_input", "the window may span at most 400 days"))
        : Promise.resolve(page(1)),
    );
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText(/the window may span at most 400 days/)).toBeTruthy();
    fail = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findByRole("table", { name: "Violation groups" });
    expect(api.violations).toHaveBeenCalledTimes(2);
  });

  test("the noise tab asks for noise only and shows reasons", async () => {
    const api = mockApi({
      violations: vi.fn(() => Promise.resolve({ ...page(1), groups: [group({ noise: "extension" })] })),
      series: vi.fn(() => Promise.resolve({ points: [] })),
      stats: vi.fn(() => Promise.resolve({ totals: {}, hourly: [] })),
      group: vi.fn(() =>
        Promise.resolve({
          group: group(),
          samples: [],
          series: [],
          byVersion: {},
          byDisposition: {},
          byEnv: {},
        }),
      ),
    });
    renderApp(<ViolationsPage mode="noise" />, api, { path: "/projects/p1/noise", project });
    await screen.findByRole("table", { name: "Noise groups" });
    expect(vi.mocked(api.violations).mock.calls[0]![1]).toMatchObject({ noise: "only" });
    expect(vi.mocked(api.series).mock.calls[0]![1]).toMatchObject({ noise: "only" });
    expect(screen.getByText("extension")).toBeTruthy();
    expect(screen.getByText("No reports in this range.")).toBeTruthy();
  });
});
