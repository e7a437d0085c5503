// @vitest-environment jsdom
// The script inventory's pages (#18): the Scripts list (statuses, counts, filters in the URL and in the API query),
// a script's page (SRI tag, hash history, pages, the review with its justification), the SRI helper, the export,
// and the Install page's opt-in.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type {
  ProjectDto,
  ScriptDetailDto,
  ScriptDto,
  ScriptEventDto,
  ScriptPatternsDto,
  ScriptsDto,
  ScriptSriDto,
} from "../../server/contract.ts";
import { ScriptsPage } from "../../web/src/pages/scripts/ScriptsPage.tsx";
import { ScriptPage } from "../../web/src/pages/scripts/ScriptPage.tsx";
import { exportPeriod } from "../../web/src/pages/scripts/ScriptsExport.tsx";
import { originOf } from "../../web/src/pages/scripts/ScriptFilters.tsx";
import { inventoryPatch } from "../../web/src/pages/scripts/InventorySettings.tsx";
import { ScriptsInstallCard } from "../../web/src/pages/scripts/ScriptsInstallCard.tsx";
import { InstallPage } from "../../web/src/pages/InstallPage.tsx";
import { App } from "../../web/src/App.tsx";
import { EVENT_TEXT, SCRIPT_STATUSES, STATUS_TEXT } from "../../web/src/lib/scripts-vocabulary.ts";
import {
  SCRIPT_EVENT_KINDS as SERVER_EVENT_KINDS,
  SCRIPT_STATUSES as SERVER_STATUSES,
} from "../../server/scripts/inventory.ts";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const HASH_A = "sha384-mQ4rMC1lAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const HASH_B = "sha384-zzzzzzzzBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

function script(over: Partial<ScriptDto> = {}): ScriptDto {
  return {
    id: 1,
    url: "https://shop.example/app.js",
    origin: "https://shop.example",
    status: "new",
    firstSeen: "2026-12-01T10:00:00.000Z",
    lastSeen: "2026-12-06T10:00:00.000Z",
    pages: ["https://shop.example/checkout"],
    hashes: [{ hash: HASH_A, firstSeen: "2026-12-01T10:00:00.000Z", lastSeen: "2026-12-06T10:00:00.000Z" }],
    hashable: true,
    sri: false,
    onPaymentPage: true,
    pattern: null,
    ...over,
  };
}

const inventory: ScriptsDto = {
  scripts: [
    script(),
    script({
      id: 2,
      url: "https://cdn.example/lib/cors.js",
      origin: "https://cdn.example",
      status: "changed",
      hashes: [
        { hash: HASH_B, firstSeen: "2026-12-05T10:00:00.000Z", lastSeen: "2026-12-06T10:00:00.000Z" },
        { hash: HASH_A, firstSeen: "2026-12-01T10:00:00.000Z", lastSeen: "2026-12-05T09:00:00.000Z" },
      ],
    }),
    script({
      id: 3,
      url: "https://cdn.example/lib/nocors.js",
      origin: "https://cdn.example",
      status: "authorized",
      hashes: [],
      hashable: false,
      sri: null,
      onPaymentPage: false,
    }),
    script({ id: 4, url: "https://ads.example/t.js", origin: "https://ads.example", status: "rejected" }),
  ],
  counts: { new: 1, changed: 1, authorized: 1, rejected: 1 },
};

const events: ScriptEventDto[] = [
  {
    id: 7,
    scriptId: 2,
    url: "https://cdn.example/lib/cors.js",
    kind: "script-changed",
    at: "2026-12-05T10:00:00.000Z",
    detail: HASH_B,
    actor: null,
  },
];

const sri: ScriptSriDto = {
  tags: [
    {
      scriptId: 1,
      url: "https://shop.example/app.js",
      tag: `<script src="https://shop.example/app.js" integrity="${HASH_A}" crossorigin="anonymous"></script>`,
    },
  ],
  missing: [
    {
      scriptId: 3,
      url: "https://cdn.example/lib/nocors.js",
      reason: "Fetched without CORS: add crossorigin and Access-Control-Allow-Origin.",
    },
  ],
};

const patterns: ScriptPatternsDto = {
  patterns: [
    {
      id: 5,
      pattern: "https://cdn.example/widget@*/w.js",
      float: true,
      acceptedBy: "admin@example.com",
      acceptedAt: "2026-12-01T00:00:00.000Z",
    },
  ],
  suggestions: [
    {
      pattern: "https://cdn.example/lib@*/x.js",
      examples: ["https://cdn.example/lib@1.2.3/x.js", "https://cdn.example/lib@1.2.4/x.js"],
    },
  ],
};

function listApi(data: ScriptsDto = inventory) {
  return mockApi({
    listScripts: vi.fn(() => Promise.resolve(data)),
    scriptEvents: vi.fn(() => Promise.resolve(events)),
    scriptSri: vi.fn(() => Promise.resolve(sri)),
    scriptPatterns: vi.fn(() => Promise.resolve(patterns)),
  });
}

describe("ScriptsPage", () => {
  test("lists every script with its status, hash, SRI and a link to its page; counts per status", async () => {
    const api = listApi();
    renderApp(<ScriptsPage />, api, { path: "/projects/p1/scripts", project });
    const table = await screen.findByRole("table", { name: "Scripts" });
    const rows = within(table).getAllByRole("row").slice(1);
    const cells = rows.map((r) =>
      within(r)
        .getAllByRole("cell")
        .map((c) => c.textContent),
    );
    expect(cells.map((c) => [c[1], c[3]])).toEqual([
      ["New", "Missing"],
      ["Changed — review", "Missing"],
      ["Authorized", "No report"],
      ["Rejected", "Missing"],
    ]);
    // The newest hash, shortened (the full value in the title); a second hash is counted.
    expect(cells[1]![2]).toBe("sha384-zzzzzzzzBBBB…2 hashes seen");
    expect(within(rows[1]!).getByTitle(HASH_B)).toBeTruthy();
    // The no-CORS script has no hash and says why.
    expect(cells[2]![2]).toBe("Not hashable (no CORS)");
    expect(within(rows[0]!).getByText(/payment page/)).toBeTruthy();
    expect(
      within(rows[1]!).getByRole("link", { name: "https://cdn.example/lib/cors.js" }).getAttribute("href"),
    ).toBe("/projects/p1/scripts/2");
    const counts = screen.getByRole("list", { name: "Scripts by status" });
    expect(
      within(counts)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["New: 1", "Changed — review: 1", "Authorized: 1", "Rejected: 1"]);
    // The change log and the SRI helper.
    expect(screen.getByRole("list", { name: "Change log" }).textContent).toContain("New hash");
    expect(await screen.findByRole("list", { name: "SRI tags" })).toBeTruthy();
    expect(api.listScripts).toHaveBeenCalledWith("p1", {
      status: undefined,
      origin: undefined,
      payment: false,
      missingSri: false,
      changed: false,
    });
  });

  test("filters go to the URL and to the API query; a status count toggles its filter", async () => {
    const api = listApi();
    renderApp(<ScriptsPage />, api, { path: "/projects/p1/scripts?status=bogus&payment=1", project });
    await screen.findByRole("table", { name: "Scripts" });
    // An unknown status is ignored, a flag from the URL is applied.
    expect(api.listScripts).toHaveBeenLastCalledWith(
      "p1",
      expect.objectContaining({ status: undefined, payment: true }),
    );
    const form = screen.getByRole("search", { name: "Filter scripts" });
    fireEvent.change(within(form).getByLabelText("Status"), { target: { value: "changed" } });
    await waitFor(() =>
      expect(api.listScripts).toHaveBeenLastCalledWith("p1", expect.objectContaining({ status: "changed" })),
    );
    fireEvent.click(within(form).getByLabelText("Missing SRI"));
    await waitFor(() =>
      expect(api.listScripts).toHaveBeenLastCalledWith(
        "p1",
        expect.objectContaining({ status: "changed", missingSri: true, payment: true, changed: false }),
      ),
    );
    expect(new URLSearchParams(window.location.search).get("missingSri")).toBe("1");
    // Half-typed text waits with a hint; a pasted script URL is cut to its origin.
    fireEvent.change(within(form).getByLabelText("Origin"), { target: { value: "cdn.example" } });
    expect(await within(form).findByText("An origin such as https://cdn.example.com")).toBeTruthy();
    const calls = api.listScripts.mock.calls.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(api.listScripts.mock.calls.length).toBe(calls);
    fireEvent.change(within(form).getByLabelText("Origin"), {
      target: { value: "https://cdn.example/lib/cors.js?v=2" },
    });
    await waitFor(
      () =>
        expect(api.listScripts).toHaveBeenLastCalledWith(
          "p1",
          expect.objectContaining({ origin: "https://cdn.example" }),
        ),
      { timeout: 2000 },
    );
    fireEvent.click(within(form).getByRole("button", { name: "Clear 4 filters" }));
    await waitFor(() => expect(window.location.search).toBe(""));
    fireEvent.click(screen.getByRole("button", { name: "Rejected: 1" }));
    await waitFor(() =>
      expect(api.listScripts).toHaveBeenLastCalledWith("p1", expect.objectContaining({ status: "rejected" })),
    );
    expect(screen.getByRole("button", { name: "Rejected: 1" }).getAttribute("aria-pressed")).toBe("true");
  });

  test("versioned URLs: a suggested pattern is accepted (floating or not); an accepted one can be removed", async () => {
    const api = listApi();
    api.acceptScriptPattern.mockResolvedValue(patterns.patterns[0]!);
    api.deleteScriptPattern.mockResolvedValue(undefined);
    renderApp(<ScriptsPage />, api, { path: "/projects/p1/scripts", project });
    const suggested = await screen.findByRole("list", { name: "Suggested patterns" });
    expect(suggested.textContent).toContain("https://cdn.example/lib@1.2.4/x.js");
    const loads = api.listScripts.mock.calls.length;
    fireEvent.click(within(suggested).getByLabelText("New hashes need no review"));
    fireEvent.click(within(suggested).getByRole("button", { name: "Group by this pattern" }));
    await waitFor(() =>
      expect(api.acceptScriptPattern).toHaveBeenCalledWith("p1", {
        pattern: "https://cdn.example/lib@*/x.js",
        float: true,
      }),
    );
    // The inventory reloads: the grouped URLs are one entry now.
    await waitFor(() => expect(api.listScripts.mock.calls.length).toBeGreaterThan(loads));
    const accepted = screen.getByRole("list", { name: "Accepted patterns" });
    expect(within(accepted).getByText("floats")).toBeTruthy();
    fireEvent.click(within(accepted).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(api.deleteScriptPattern).toHaveBeenCalledWith("p1", 5));
  });

  test("an empty inventory says how to turn reporting on; an empty filter result says so", async () => {
    const none: ScriptsDto = { scripts: [], counts: { new: 0, changed: 0, authorized: 0, rejected: 0 } };
    renderApp(<ScriptsPage />, listApi(none), { path: "/projects/p1/scripts", project });
    expect(await screen.findByText("No scripts reported yet.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Install" }).getAttribute("href")).toBe("/projects/p1/install");
    cleanup();
    renderApp(<ScriptsPage />, listApi({ ...none, counts: { ...none.counts, new: 3 } }), {
      path: "/projects/p1/scripts?changed=1",
      project,
    });
    expect(await screen.findByText("No script matches these filters.")).toBeTruthy();
  });
});

function detail(over: Partial<ScriptDetailDto> = {}): ScriptDetailDto {
  return {
    ...script(),
    pageDetails: [
      {
        url: "https://shop.example/checkout",
        firstSeen: "2026-12-01T10:00:00.000Z",
        lastSeen: "2026-12-06T10:00:00.000Z",
        payment: true,
      },
      {
        url: "https://shop.example/",
        firstSeen: "2026-12-01T10:00:00.000Z",
        lastSeen: "2026-12-02T10:00:00.000Z",
        payment: false,
      },
    ],
    review: null,
    events: [
      {
        id: 1,
        scriptId: 1,
        url: "https://shop.example/app.js",
        kind: "script-new",
        at: "2026-12-01T10:00:00.000Z",
        detail: "",
        actor: null,
      },
    ],
    sriTag: `<script src="https://shop.example/app.js" integrity="${HASH_A}" crossorigin="anonymous"></script>`,
    advice: null,
    hourly: Array.from({ length: 168 }, (_, i) => (i === 100 ? 7 : i % 2)),
    ...over,
  };
}

describe("ScriptPage", () => {
  test("shows the exact SRI tag to paste, the hash history, the pages and the change log", async () => {
    const api = mockApi({ getScript: vi.fn(() => Promise.resolve(detail())) });
    renderApp(<ScriptPage scriptId="1" />, api, { path: "/projects/p1/scripts/1", project });
    expect((await screen.findByRole("heading", { level: 2 })).textContent).toBe(
      "https://shop.example/app.js",
    );
    expect(api.getScript).toHaveBeenCalledWith("p1", "1");
    const tag = screen.getByText("SRI tag").closest("figure")!;
    expect(tag.querySelector("code")?.textContent).toBe(
      `<script src="https://shop.example/app.js" integrity="${HASH_A}" crossorigin="anonymous"></script>`,
    );
    expect(within(tag).getByRole("button", { name: "Copy SRI tag" })).toBeTruthy();
    const hashes = screen.getByRole("table", { name: "Hash history" });
    expect(within(hashes).getAllByRole("row")).toHaveLength(2);
    expect(within(hashes).getByText(HASH_A)).toBeTruthy();
    const pages = screen.getByRole("table", { name: "Pages" });
    expect(within(pages).getAllByText("payment page")).toHaveLength(1);
    expect(screen.getByRole("list", { name: "Change log" }).textContent).toContain("New script");
    expect(screen.getByText("Not reviewed yet.")).toBeTruthy();
    expect(screen.getByRole("img", { name: "Reports per hour, last 7 days: 91 total, peak 7" })).toBeTruthy();
  });

  test("a script with several hashes or without CORS has no tag but the server's advice", async () => {
    const api = mockApi({
      getScript: vi.fn(() =>
        Promise.resolve(
          detail({
            hashes: [],
            hashable: false,
            sriTag: null,
            advice: 'Cross-origin without CORS: add crossorigin="anonymous" and Access-Control-Allow-Origin.',
          }),
        ),
      ),
    });
    renderApp(<ScriptPage scriptId="1" />, api, { path: "/projects/p1/scripts/1", project });
    expect((await screen.findByRole("note")).textContent).toContain("Access-Control-Allow-Origin");
    expect(screen.queryByText("SRI tag")).toBeNull();
    expect(screen.queryByRole("table", { name: "Hash history" })).toBeNull();
    expect(screen.getByText("Not hashable (no CORS).")).toBeTruthy();
  });

  test("review: a justification is required; authorize and reject send it and show who and why", async () => {
    const reviewed = detail({
      status: "authorized",
      review: {
        status: "authorized",
        justification: "Our checkout bundle, built in CI.",
        by: "admin@example.com",
        at: "2026-12-06T11:00:00.000Z",
      },
    });
    const api = mockApi({
      getScript: vi.fn(() => Promise.resolve(detail())),
      reviewScript: vi.fn(() => Promise.resolve(reviewed)),
    });
    renderApp(<ScriptPage scriptId="1" />, api, { path: "/projects/p1/scripts/1", project });
    const form = await screen.findByRole("form", { name: "Review this script" });
    fireEvent.change(within(form).getByLabelText("Justification"), { target: { value: "  ok  " } });
    fireEvent.click(within(form).getByRole("button", { name: "Authorize" }));
    expect((await within(form).findByRole("alert")).textContent).toBe(
      "Justification: say why, in at least 10 characters.",
    );
    expect(api.reviewScript).not.toHaveBeenCalled();
    fireEvent.change(within(form).getByLabelText("Justification"), {
      target: { value: " Our checkout bundle, built in CI. " },
    });
    fireEvent.click(within(form).getByRole("button", { name: "Authorize" }));
    await waitFor(() =>
      expect(api.reviewScript).toHaveBeenCalledWith("p1", 1, {
        status: "authorized",
        justification: "Our checkout bundle, built in CI.",
      }),
    );
    const last = await screen.findByLabelText("Last review");
    expect(last.textContent).toContain("Authorized by admin@example.com");
    expect(last.textContent).toContain("Our checkout bundle, built in CI.");
    // Rejecting: the radio changes the button and the status sent.
    fireEvent.click(within(form).getByLabelText("Reject"));
    fireEvent.change(within(form).getByLabelText("Justification"), {
      target: { value: "Nobody on the team added this." },
    });
    fireEvent.click(within(form).getByRole("button", { name: "Reject" }));
    await waitFor(() =>
      expect(api.reviewScript).toHaveBeenLastCalledWith("p1", 1, {
        status: "rejected",
        justification: "Nobody on the team added this.",
      }),
    );
  });

  test("several reviews: the approvals are listed with who, when and why", async () => {
    const reviewEvent = (id: number, at: string, detail: string, actor: string): ScriptEventDto => ({
      id,
      scriptId: 1,
      url: "https://shop.example/app.js",
      kind: "script-reviewed",
      at,
      detail,
      actor,
    });
    const api = mockApi({
      getScript: vi.fn(() =>
        Promise.resolve(
          detail({
            events: [
              reviewEvent(
                3,
                "2026-12-06T11:00:00.000Z",
                "authorized: v2 checked by the team",
                "bo@example.com",
              ),
              reviewEvent(2, "2026-12-02T11:00:00.000Z", "rejected: unknown", "ada@example.com"),
              ...detail().events,
            ],
          }),
        ),
      ),
    });
    renderApp(<ScriptPage scriptId="1" />, api, { path: "/projects/p1/scripts/1", project });
    await screen.findByRole("heading", { name: "Approvals" });
    expect(
      within(screen.getByRole("list", { name: "Approvals" }))
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual([
      expect.stringMatching(/Reviewed: authorized: v2 checked by the team \(by bo@example.com\)$/),
      expect.stringMatching(/Reviewed: rejected: unknown \(by ada@example.com\)$/),
    ]);
    expect(within(screen.getByRole("list", { name: "Change log" })).getAllByRole("listitem")).toHaveLength(3);
  });

  test("a script not in the inventory says so, with the way back", async () => {
    const { ApiError } = await import("../../web/src/api/client.ts");
    const api = mockApi({
      getScript: vi.fn(() => Promise.reject(new ApiError(404, "not_found", "no such script"))),
    });
    renderApp(<ScriptPage scriptId="99" />, api, { path: "/projects/p1/scripts/99", project });
    expect(await screen.findByText("This script is not in the inventory.")).toBeTruthy();
    expect(screen.getByRole("link", { name: "← Scripts" }).getAttribute("href")).toBe("/projects/p1/scripts");
  });
});

test("the origin filter takes an origin, cuts a URL to its origin, and waits on anything else", () => {
  expect(originOf("")).toBe("");
  expect(originOf(" https://CDN.example:8443/x.js?q#f ")).toBe("https://cdn.example:8443");
  expect(originOf("cdn.example")).toBeNull();
  expect(originOf("javascript:alert(1)")).toBeNull();
  expect(originOf("https://")).toBeNull();
});

describe("export and settings", () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => "blob:x");
    URL.revokeObjectURL = vi.fn();
  });

  test("the period is whole UTC days, the last one included; a reversed period is refused", () => {
    expect(exportPeriod("2026-11-01", "2026-11-30")).toEqual({
      since: "2026-11-01T00:00:00.000Z",
      until: "2026-12-01T00:00:00.000Z",
    });
    expect(exportPeriod("2026-12-02", "2026-12-01")).toBe("The first day must not be after the last day.");
    expect(exportPeriod("", "2026-12-01")).toBe("Choose a first and a last day.");
  });

  test("Download asks the API for the chosen format and period", async () => {
    // jsdom cannot follow the download link: the click is recorded instead.
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    const api = listApi();
    api.exportScripts.mockResolvedValue('{"scripts":[]}');
    renderApp(<ScriptsPage />, api, { path: "/projects/p1/scripts", project });
    const form = screen.getByRole("form", { name: "Export the inventory" });
    fireEvent.change(within(form).getByLabelText("Format"), { target: { value: "json" } });
    fireEvent.change(within(form).getByLabelText("First day (UTC)"), { target: { value: "2026-12-01" } });
    fireEvent.change(within(form).getByLabelText("Last day (UTC)"), { target: { value: "2026-12-07" } });
    fireEvent.click(within(form).getByRole("button", { name: "Download JSON" }));
    await waitFor(() =>
      expect(api.exportScripts).toHaveBeenCalledWith("p1", {
        format: "json",
        since: "2026-12-01T00:00:00.000Z",
        until: "2026-12-08T00:00:00.000Z",
      }),
    );
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe("scripts-2026-12-01-2026-12-07.json");
    click.mockRestore();
  });

  test("payment pages: one path pattern per line, each checked with its line number", () => {
    expect(inventoryPatch("/checkout/*\n\n /pay \n", "30")).toEqual({
      paymentPages: ["/checkout/*", "/pay"],
      scriptGoneDays: 30,
    });
    expect(inventoryPatch("/ok\nhttps://shop.example/pay\n/a?b", "0")).toEqual({
      errors: [
        "Payment pages, line 2: use a path such as /checkout/* (no host, query or fragment).",
        "Payment pages, line 3: use a path such as /checkout/* (no host, query or fragment).",
        "Gone after: a whole number of days from 1 to 365.",
      ],
    });
  });

  test("the Install opt-in saves the setting and shows the Integrity-Policy header only when offered", async () => {
    const header = "Integrity-Policy-Report-Only: blocked-destinations=(script), endpoints=(cinch)";
    const on: ProjectDto = {
      ...project,
      settings: { ...project.settings, reportScriptHashes: true },
      install: { ...project.install, headers: [...project.install.headers, header] },
    };
    const api = mockApi({ updateProject: vi.fn(() => Promise.resolve(on)) });
    renderApp(<ScriptsInstallCard />, api, { path: "/projects/p1/install", project });
    expect(screen.queryByText("Integrity-Policy-Report-Only", { selector: ".code-label" })).toBeNull();
    fireEvent.click(screen.getByRole("checkbox", { name: /Report script hashes/ }));
    await waitFor(() =>
      expect(api.updateProject).toHaveBeenCalledWith("p1", { settings: { reportScriptHashes: true } }),
    );
    cleanup();
    renderApp(<ScriptsInstallCard />, api, { path: "/projects/p1/install", project: on });
    expect(
      screen
        .getByText("Integrity-Policy-Report-Only", { selector: ".code-label" })
        .closest("figure")!
        .querySelector("code")?.textContent,
    ).toBe(header);
    cleanup();
    // The Install page pastes all three lines at once.
    renderApp(<InstallPage />, api, { path: "/projects/p1/install", project: on });
    expect(screen.getByText(/Add these 3 response headers/)).toBeTruthy();
    expect(
      screen.getByText("All 3 headers", { selector: ".code-label" }).closest("figure")!.querySelector("code")
        ?.textContent,
    ).toBe([...project.install.headers, header].join("\n"));
    cleanup();
    // Over plain HTTP the server offers no header: the card says why nothing will be reported.
    renderApp(<ScriptsInstallCard />, api, {
      path: "/projects/p1/install",
      project: { ...on, install: project.install },
    });
    expect(screen.getByRole("note").textContent).toContain("not HTTPS");
  });
});

describe("navigation and vocabulary", () => {
  test("a project has a Scripts tab; a script's page keeps it current and links back", async () => {
    const api = listApi();
    api.getSession.mockResolvedValue({ user: { email: "ada@example.com" }, csrfToken: "c" } as never);
    api.getProject.mockResolvedValue(project);
    api.getScript.mockResolvedValue(detail({ id: 2, url: "https://cdn.example/lib/cors.js" }));
    window.history.replaceState(null, "", "/projects/p1/scripts");
    render(<App api={api} />);
    const tabs = await screen.findByRole("navigation", { name: "Project sections" });
    expect(within(tabs).getByRole("link", { name: "Scripts" }).getAttribute("aria-current")).toBe("page");
    const table = await screen.findByRole("table", { name: "Scripts" });
    fireEvent.click(within(table).getByRole("link", { name: "https://cdn.example/lib/cors.js" }));
    expect(await screen.findByRole("heading", { name: "https://cdn.example/lib/cors.js" })).toBeTruthy();
    expect(window.location.pathname).toBe("/projects/p1/scripts/2");
    expect(api.getScript).toHaveBeenCalledWith("p1", "2");
    expect(
      within(screen.getByRole("navigation", { name: "Project sections" }))
        .getByRole("link", { name: "Scripts" })
        .getAttribute("aria-current"),
    ).toBe("page");
    fireEvent.click(screen.getByRole("link", { name: "← Scripts" }));
    await waitFor(() => expect(window.location.pathname).toBe("/projects/p1/scripts"));
  });

  test("the statuses and change-log kinds are the server's, each with its words", () => {
    expect([...SCRIPT_STATUSES].sort()).toEqual([...SERVER_STATUSES].sort());
    expect(Object.keys(STATUS_TEXT).sort()).toEqual([...SERVER_STATUSES].sort());
    expect(Object.keys(EVENT_TEXT).sort()).toEqual([...SERVER_EVENT_KINDS].sort());
  });
});
