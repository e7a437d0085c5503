// @vitest-environment jsdom
// Violations explorer: loads with the window and filters from the URL, writes filter/sort/page changes back to
// the URL (so views are permalinks), and shows loading, empty and error states.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { ViolationsPage, PAGE_SIZE } from "../../web/src/pages/ViolationsPage.tsx";
import type { FilterValuesDto, SummaryDto, ViolationsDto } from "../../server/contract.ts";
import { ApiError, type ViolationQuery } from "../../web/src/api/client.ts";
import { group, mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const page = (n: number, total = n): ViolationsDto => ({
  groups: Array.from({ length: n }, (_, i) => group({ id: i + 1, blocked: `https://h${i + 1}.example` })),
  totals: { groups: total, reports: total * 10, byDirective: { "script-src-elem": total * 10 } },
  window: { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z" },
});

/** The server's stat cards: each names what it counts and whether the filters narrow it (#16). */
const summary = (): SummaryDto => ({
  window: { since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z" },
  cards: [
    {
      id: "violations",
      label: "Violations",
      value: 40,
      counts: "Reports in the window, noise excluded, matching the filters",
      followsFilters: true,
    },
    { id: "groups", label: "Groups", value: 2, counts: "Groups with violations", followsFilters: true },
    { id: "noise", label: "Noise", value: 3, counts: "Reports classified as noise", followsFilters: true },
    {
      id: "sampled",
      label: "Sampled out",
      value: 0,
      counts: "Reports dropped by sampling",
      followsFilters: false,
    },
    {
      id: "rejected",
      label: "Rejected",
      value: 2,
      counts: "Reports refused at ingest",
      followsFilters: false,
    },
  ],
  rejected: [
    {
      id: "foreign_origin",
      known: true,
      count: 2,
      label: "From another site",
      description: "The report's page is not on one of the project's allowed origins.",
    },
    { id: "daily_cap", known: true, count: 0, label: "Daily cap reached", description: "The cap." },
  ],
  page: null,
});

const seen: FilterValuesDto = {
  versions: [
    { value: 3, count: 30 },
    { value: 0, count: 10 },
  ],
  environments: [
    { value: "production", count: 35 },
    { value: "", count: 5 },
  ],
  dispositions: [],
  directives: [],
};

function setup(list: () => Promise<ViolationsDto>, path = "/projects/p1/violations") {
  const api = mockApi({
    violations: vi.fn((_id: string, q?: ViolationQuery) =>
      // The first-run probe (noise included, since the project was created) finds earlier reports.
      q?.noise === "include" ? Promise.resolve(page(1)) : list(),
    ),
    summary: vi.fn(() => Promise.resolve(summary())),
    filterValues: vi.fn(() => Promise.resolve(seen)),
    series: vi.fn(() =>
      Promise.resolve({
        points: [{ hour: new Date().toISOString(), directive: "script-src-elem", count: 4 }],
      }),
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

  test("an empty result in a project that has had reports says so and points to the live tail", async () => {
    setup(() => Promise.resolve(page(0)));
    expect(await screen.findByText("No violations match.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "live tail" }).getAttribute("href")).toBe("/projects/p1/live");
    expect(screen.queryByText("Waiting for your first report")).toBeNull();
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

  test.each([
    [
      "Violations",
      "Reports in the window, noise excluded, matching the filters",
      "40",
      "matching the filters",
    ],
    ["Groups", "Groups with violations", "2", "matching the filters"],
    ["Noise", "Reports classified as noise", "3", "matching the filters"],
    ["Sampled out", "Reports dropped by sampling", "0", "whole project, filters not applied"],
    ["Rejected", "Reports refused at ingest", "2", "whole project, filters not applied"],
  ])(
    "the %s card shows the server's definition and whether the filters narrow it",
    async (label, def, n, scope) => {
      setup(() => Promise.resolve(page(2)));
      const cards = await screen
        .findByRole("list", { name: "Report totals in this range" })
        .catch(() => screen.findByLabelText("Report totals in this range"));
      const term = within(cards).getByText(label);
      // the definition is the term's description (a tooltip on hover and focus)
      expect(term.getAttribute("tabindex")).toBe("0");
      const tip = document.getElementById(term.getAttribute("aria-describedby") ?? "");
      expect(tip?.textContent).toBe(def);
      const value = term.closest("dt")!.nextElementSibling!;
      expect(value.textContent).toMatch(new RegExp(`^${n}${scope}`));
    },
  );

  test("refused reports show their reasons in words, the id and description on hover and focus", async () => {
    setup(() => Promise.resolve(page(2)));
    const reasons = await screen.findByRole("list", { name: "Refused reports by reason" });
    // only reasons that refused something; never the raw id as the visible label
    expect(within(reasons).getAllByRole("listitem")).toHaveLength(1);
    const label = within(reasons).getByText("From another site");
    expect(reasons.textContent).not.toMatch(/^foreign_origin/);
    expect(document.getElementById(label.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "The report's page is not on one of the project's allowed origins. (foreign_origin)",
    );
  });

  test("the cards are asked with the table's filters, so they count what it lists", async () => {
    const api = setup(
      () => Promise.resolve(page(1)),
      "/projects/p1/violations?directive=img-src&env=production&page=%2Fcheckout",
    );
    await screen.findByRole("table", { name: "Violation groups" });
    const list = vi.mocked(api.violations).mock.calls[0]![1]!;
    const cards = vi.mocked(api.summary).mock.calls[0]![1]!;
    expect(cards).toEqual({
      ...list,
      sort: undefined,
      order: undefined,
      limit: undefined,
      offset: undefined,
      ...cards,
    });
    expect(cards).toMatchObject({
      directive: "img-src",
      env: "production",
      page: "/checkout",
      noise: "exclude",
    });
    expect(cards.since).toBe(list.since);
  });

  test("version and environment filters offer the values seen, with counts, and write the URL", async () => {
    const api = setup(() => Promise.resolve(page(1)), "/projects/p1/violations?version=7");
    await screen.findByRole("table", { name: "Violation groups" });
    const version = (await screen.findByRole("combobox", { name: "Policy version" })) as HTMLSelectElement;
    // a version from the URL that the window has not seen stays selectable
    expect([...version.options].map((o) => o.textContent)).toEqual([
      "Any",
      "v3 (30)",
      "untagged (10)",
      "v7 (0)",
    ]);
    expect(version.value).toBe("7");
    const env = screen.getByRole("combobox", { name: "Environment" }) as HTMLSelectElement;
    expect([...env.options].map((o) => o.textContent)).toEqual(["Any", "production (35)"]);
    fireEvent.change(env, { target: { value: "production" } });
    await waitFor(() => expect(new URLSearchParams(window.location.search).get("env")).toBe("production"));
    await waitFor(() =>
      expect(vi.mocked(api.violations).mock.calls.at(-1)![1]).toMatchObject({
        env: "production",
        version: "7",
      }),
    );
    expect(vi.mocked(api.filterValues).mock.calls[0]![1]).toMatchObject({
      since: expect.any(Number) as number,
      until: expect.any(Number) as number,
    });
  });

  test("the page filter's counting is said under the table; a group only listed shows no count", async () => {
    setup(
      () =>
        Promise.resolve({
          ...page(2),
          groups: [
            group({ id: 1, count: 7, pageMatch: "counted" }),
            group({ id: 2, count: 0, pageMatch: "listed" }),
          ],
          counting: {
            kind: "violations",
            label: "Violations on pages containing /checkout",
            page: {
              page: "/checkout",
              since: "2026-01-01T00:00:00Z",
              until: "2026-01-02T00:00:00Z",
              listedOnly: 1,
            },
          },
        }),
      "/projects/p1/violations?page=%2Fcheckout",
    );
    const table = await screen.findByRole("table", { name: "Violation groups" });
    expect(screen.getByText(/Violations on pages containing \/checkout/)).toBeTruthy();
    expect(screen.getByText(/1 group lists the page but has no per-page counts/)).toBeTruthy();
    const rows = within(table).getAllByRole("row");
    expect(rows[1]!.querySelector("td.num")!.textContent).toBe("7");
    expect(rows[2]!.querySelector("td.num")!.textContent).toBe("listed");
  });

  test("a project that never had a report waits for the first one and sends a test report", async () => {
    const api = mockApi({
      violations: vi.fn(() => Promise.resolve(page(0))),
      series: vi.fn(() => Promise.resolve({ points: [] })),
      summary: vi.fn(() => Promise.resolve(summary())),
      filterValues: vi.fn(() => Promise.resolve(seen)),
      sendTestReport: vi.fn(() =>
        Promise.resolve({
          arrived: true,
          reportUri: "https://cinch.test/r/k1",
          status: 204,
          groupId: 42,
          elapsedMs: 35,
          message: "The test report reached Cinch and is stored as noise (test-report).",
        }),
      ),
    });
    renderApp(<ViolationsPage mode="groups" />, api, { path: "/projects/p1/violations", project });
    await screen.findByRole("heading", { name: "Waiting for your first report" });
    // the probe asked for every report (noise included) since the project was created
    const probe = vi.mocked(api.violations).mock.calls.find((c) => c[1]?.noise === "include")![1]!;
    expect(probe.since).toBe(Date.parse(project.createdAt));
    expect(screen.queryByText("No violations match.")).toBeNull();
    expect(screen.queryByLabelText("Report totals in this range")).toBeNull();
    expect(screen.getByText(/^Content-Security-Policy-Report-Only: default-src 'self'/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Send a test report" }));
    const status = await screen.findByText("It arrived.");
    expect(status.parentElement!.textContent).toMatch(/HTTP 204, 35 ms/);
    expect(screen.getByRole("link", { name: "See the test report" }).getAttribute("href")).toBe(
      "/projects/p1/groups/42",
    );
    expect(api.sendTestReport).toHaveBeenCalledWith("p1");
  });

  test("a test report that does not arrive says so", async () => {
    const api = mockApi({
      violations: vi.fn(() => Promise.resolve(page(0))),
      series: vi.fn(() => Promise.resolve({ points: [] })),
      summary: vi.fn(() => Promise.resolve(summary())),
      filterValues: vi.fn(() => Promise.resolve(seen)),
      sendTestReport: vi.fn(() =>
        Promise.resolve({
          arrived: false,
          reportUri: "https://cinch.test/r/k1",
          status: null,
          groupId: null,
          elapsedMs: 5000,
          message: "Cinch could not reach https://cinch.test: check PUBLIC_URL.",
        }),
      ),
    });
    renderApp(<ViolationsPage mode="groups" />, api, { path: "/projects/p1/violations", project });
    fireEvent.click(await screen.findByRole("button", { name: "Send a test report" }));
    expect((await screen.findByText("It did not arrive.")).parentElement!.textContent).toMatch(
      /check PUBLIC_URL/,
    );
    expect(screen.queryByRole("link", { name: "See the test report" })).toBeNull();
  });

  test("the noise tab asks for noise only and shows reasons", async () => {
    const api = mockApi({
      violations: vi.fn(() => Promise.resolve({ ...page(1), groups: [group({ noise: "extension" })] })),
      series: vi.fn(() => Promise.resolve({ points: [] })),
      summary: vi.fn(() => Promise.resolve(summary())),
      filterValues: vi.fn(() => Promise.resolve(seen)),
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
    expect(screen.getByText("Browser extension")).toBeTruthy();
    expect(screen.getByText("No reports in this range.")).toBeTruthy();
  });
});
