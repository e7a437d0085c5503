// @vitest-environment jsdom
// Versions (states, promote buttons, enforce confirmation with impact, compare) and export (formats, modes,
// companions, copy and download).
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { VersionsPage } from "../../web/src/pages/VersionsPage.tsx";
import { ExportPage } from "../../web/src/pages/ExportPage.tsx";
import { EXPORT_FORMATS } from "../../web/src/lib/policy-vocabulary.ts";
import type { PolicyVersionDto } from "../../server/contract.ts";
import { mockApi, project, renderApp, policyVersion } from "./helpers.tsx";

afterEach(cleanup);

const versions: PolicyVersionDto[] = [
  policyVersion({
    version: 1,
    policy: "default-src 'self'",
    state: "enforced",
    createdAt: "2026-01-01T00:00:00Z",
  }),
  policyVersion({
    version: 2,
    policy: "default-src 'self'; img-src 'self' data:",
    state: "report-only",
    createdAt: "2026-01-02T00:00:00Z",
  }),
  policyVersion({
    version: 3,
    policy: "default-src 'none'",
    state: "draft",
    createdAt: "2026-01-03T00:00:00Z",
  }),
];

describe("VersionsPage", () => {
  function setup() {
    const api = mockApi({
      listVersions: vi.fn(() => Promise.resolve(versions)),
      setVersionState: vi.fn(() => Promise.resolve(versions[0]!)),
      previewPolicy: vi.fn(() =>
        Promise.resolve({
          total: { groups: 4, reports: 40, recentReports: 4 },
          blocked: { groups: 2, reports: 1500, recentReports: 3 },
          conditional: { groups: 0, reports: 0, recentReports: 0 },
          blockedGroups: [],
          conditionalGroups: [],
          summary: "",
        }),
      ),
      compareVersions: vi.fn(() =>
        Promise.resolve({
          from: 2,
          to: 3,
          added: [{ id: 5, directive: "img-src", blocked: "https://x.example", countFrom: 0, countTo: 12 }],
          resolved: [],
          persisting: [],
        }),
      ),
    });
    renderApp(<VersionsPage />, api, { path: "/projects/p1/versions?created=3", project });
    return api;
  }

  test("lists versions newest first with their states and the moves each state allows", async () => {
    setup();
    const table = await screen.findByRole("table", { name: "Policy versions" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["v3", "v2", "v1"]);
    expect(within(rows[0]!).getByText("Draft")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toBe("Version 3 saved as a draft.");
    const actions = (v: number) =>
      within(screen.getByRole("group", { name: `Actions for version ${v}` }))
        .getAllByRole("button")
        .map((b) => b.textContent);
    expect(actions(3)).toEqual(["Start report-only", "Enforce…", "Retire"]);
    expect(actions(2)).toEqual(["Enforce…", "Retire", "Back to draft"]);
    expect(actions(1)).toEqual(["Start report-only", "Retire"]);
  });

  test("report-only applies at once; enforcing asks first and shows the impact", async () => {
    const api = setup();
    await screen.findByRole("table");
    fireEvent.click(screen.getByRole("button", { name: "Start report-only version 3" }));
    await waitFor(() => expect(api.setVersionState).toHaveBeenCalledWith("p1", 3, "report-only"));
    fireEvent.click(screen.getByRole("button", { name: "Enforce version 2" }));
    const dialog = screen.getByRole("dialog", { name: "Enforce version 2?" });
    expect(
      await within(dialog).findByText("Enforcing this would block 2 groups / 1,500 reports."),
    ).toBeTruthy();
    expect(api.previewPolicy).toHaveBeenCalledWith("p1", versions[1]!.policy);
    fireEvent.click(within(dialog).getByRole("button", { name: "Enforce version 2" }));
    await waitFor(() => expect(api.setVersionState).toHaveBeenCalledWith("p1", 2, "enforced"));
    await waitFor(() => expect(api.listVersions).toHaveBeenCalledTimes(3));
  });

  test("compares two versions", async () => {
    const api = setup();
    await screen.findByRole("table");
    expect((screen.getByLabelText("From version") as HTMLSelectElement).value).toBe("2");
    expect((screen.getByLabelText("To version") as HTMLSelectElement).value).toBe("3");
    fireEvent.click(screen.getByRole("button", { name: "Compare" }));
    await waitFor(() => expect(api.compareVersions).toHaveBeenCalledWith("p1", 2, 3));
    const added = await screen.findByRole("table", { name: "New" });
    expect(within(added).getByRole("link", { name: "img-src https://x.example" }).getAttribute("href")).toBe(
      "/projects/p1/groups/5",
    );
  });

  test("empty and error states", async () => {
    const api = mockApi({ listVersions: vi.fn(() => Promise.resolve([])) });
    renderApp(<VersionsPage />, api, { project });
    expect(await screen.findByText("No versions yet.")).toBeTruthy();
    cleanup();
    const failing = mockApi({ listVersions: vi.fn(() => Promise.reject(new Error("database is locked"))) });
    renderApp(<VersionsPage />, failing, { project });
    expect(await screen.findByText("database is locked")).toBeTruthy();
  });
});

describe("ExportPage", () => {
  function setup(path = "/projects/p1/export", list: PolicyVersionDto[] = versions) {
    const api = mockApi({
      listVersions: vi.fn(() => Promise.resolve(list)),
      exportPolicy: vi.fn((_id: string, req: { format: string }) =>
        Promise.resolve(`# ${req.format}\nexported`),
      ),
    });
    renderApp(<ExportPage />, api, { path, project });
    return api;
  }
  const parts = () =>
    within(screen.getByRole("list", { name: "Headers in this export" }))
      .getAllByRole("listitem")
      .map((li) => li.textContent);

  test("offers every format; the default is what is deployed, without a mode: enforced v1 and the report-only v2 as two labelled headers", async () => {
    const api = setup();
    const select = screen.getByLabelText("Format") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual([...EXPORT_FORMATS]);
    expect(await screen.findByText(/# header/)).toBeTruthy();
    expect(api.exportPolicy).toHaveBeenLastCalledWith("p1", {
      format: "header",
      version: undefined,
      reportOnly: undefined,
      companions: false,
      state: "both",
    });
    expect(screen.getByRole("heading", { name: "HTTP header: enforced v1 and report-only v2" })).toBeTruthy();
    expect(parts()).toEqual([
      "Content-Security-Policy: version 1, enforced: browsers block what it does not allow. Its reports carry ?v=1.",
      "Content-Security-Policy-Report-Only: version 2, report-only: browsers report what it would block and block nothing. Its reports carry ?v=2.",
    ]);
    expect((screen.getByLabelText("Policy") as HTMLSelectElement).value).toBe("");
    expect(screen.queryByRole("group", { name: "Mode" })).toBeNull();
  });

  test("with both deployed, one of the two can be exported alone", async () => {
    const api = setup();
    await screen.findByText(/# header/);
    fireEvent.click(await screen.findByLabelText("Enforced only"));
    await waitFor(() =>
      expect(api.exportPolicy).toHaveBeenLastCalledWith("p1", expect.objectContaining({ state: "enforced" })),
    );
    expect(new URLSearchParams(window.location.search).get("state")).toBe("enforced");
    expect(parts()).toEqual([
      "Content-Security-Policy: version 1, enforced: browsers block what it does not allow. Its reports carry ?v=1.",
    ]);
  });

  test.each([
    {
      what: "only an enforced version",
      list: [versions[0]!],
      title: "HTTP header: enforced v1",
      header: "Content-Security-Policy: version 1, enforced",
    },
    {
      what: "only a report-only version",
      list: [versions[1]!],
      title: "HTTP header: report-only v2",
      header: "Content-Security-Policy-Report-Only: version 2, report-only",
    },
    {
      what: "no version (the starter)",
      list: [versions[2]!],
      title: "HTTP header: report-only starter",
      header: "Content-Security-Policy-Report-Only: the starter policy, report-only",
    },
  ])("deployed with $what: one header, no choice between two", async ({ list, title, header }) => {
    setup("/projects/p1/export", list);
    expect(await screen.findByRole("heading", { name: title })).toBeTruthy();
    expect(parts()).toHaveLength(1);
    expect(parts()[0]).toContain(header);
    expect(screen.queryByRole("group", { name: "Deployed policies" })).toBeNull();
  });

  test("meta cannot carry report-only: offered disabled, and an impossible URL explains instead of failing", async () => {
    setup("/projects/p1/export", [versions[1]!]);
    await screen.findByText(/# header/);
    const meta = screen.getByRole("option", { name: "HTML <meta> tag (cannot carry report-only)" });
    expect((meta as HTMLOptionElement).disabled).toBe(true);
    cleanup();
    const api = setup("/projects/p1/export?format=meta", [versions[1]!]);
    expect(await screen.findByRole("note")).toHaveProperty(
      "textContent",
      "A <meta> tag cannot carry a report-only policy (CSP3 §3.3: browsers ignore Content-Security-Policy-Report-Only there). Pick another format, or enforce a version first.",
    );
    expect(api.exportPolicy).not.toHaveBeenCalled();
  });

  test("meta beside a report-only candidate: the enforced policy in the tag, the candidate named as a header to send", async () => {
    setup("/projects/p1/export?format=meta");
    expect(await screen.findByText(/# meta/)).toBeTruthy();
    expect(parts()[1]).toBe(
      "Content-Security-Policy-Report-Only: version 2 cannot go in a <meta> tag: send it as a response header (the comment in the output has it). Its reports carry ?v=2.",
    );
    expect((screen.getByLabelText("Report-only only") as HTMLInputElement).disabled).toBe(true);
  });

  test("a version exports in its own state until a mode is chosen; meta disables report-only", async () => {
    const api = setup("/projects/p1/export?version=2");
    await screen.findByText(/# header/);
    expect(api.exportPolicy).toHaveBeenLastCalledWith(
      "p1",
      expect.objectContaining({ version: 2, reportOnly: undefined }),
    );
    expect((screen.getByLabelText("Report-only") as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole("heading", { name: "HTTP header: report-only v2" })).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Format"), { target: { value: "meta" } });
    expect((await screen.findByRole("note")).textContent).toMatch(/or choose Enforce\.$/);
    expect((screen.getByLabelText("Report-only") as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText("Enforce"));
    await waitFor(() =>
      expect(api.exportPolicy).toHaveBeenLastCalledWith(
        "p1",
        expect.objectContaining({ format: "meta", version: 2, reportOnly: false }),
      ),
    );
    expect(await screen.findByText(/# meta/)).toBeTruthy();
  });

  test("format, version, mode and companions drive the request and the URL", async () => {
    const api = setup("/projects/p1/export?version=2");
    await screen.findByText(/# header/);
    fireEvent.change(screen.getByLabelText("Format"), { target: { value: "nginx" } });
    fireEvent.click(screen.getByLabelText("Enforce"));
    fireEvent.click(screen.getByLabelText(/Include companion headers/));
    await waitFor(() =>
      expect(api.exportPolicy).toHaveBeenLastCalledWith("p1", {
        format: "nginx",
        version: 2,
        reportOnly: false,
        companions: true,
        state: "both",
      }),
    );
    expect(new URLSearchParams(window.location.search).toString()).toBe(
      "version=2&format=nginx&mode=enforce&companions=1",
    );
    expect(await screen.findByText(/# nginx/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Download csp.nginx.conf" })).toBeTruthy();
    expect(screen.getByRole("option", { name: "Version 2 (Report-only)" })).toBeTruthy();
  });

  test("copy writes the export to the clipboard", async () => {
    setup();
    await screen.findByText(/# header/);
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    Object.defineProperty(window, "isSecureContext", { value: true, configurable: true });
    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("# header\nexported"));
    expect(await screen.findByText("Copied")).toBeTruthy();
  });

  test("an export error shows the server's message", async () => {
    const api = mockApi({
      listVersions: vi.fn(() => Promise.resolve([])),
      exportPolicy: vi.fn(() => Promise.reject(new Error("meta cannot carry frame-ancestors"))),
    });
    renderApp(<ExportPage />, api, { project });
    expect(await screen.findByText("meta cannot carry frame-ancestors")).toBeTruthy();
  });
});

describe("Deploy pipeline card", () => {
  test("shows the read-only policy URL and rotates the key only after confirming", async () => {
    const urls = [
      "https://cinch.test/p/old/policy?format=header",
      "https://cinch.test/p/new/policy?format=header",
    ];
    const api = mockApi({
      listVersions: vi.fn(() => Promise.resolve([])),
      exportPolicy: vi.fn(() => Promise.resolve("x")),
      policyKey: vi.fn(() => Promise.resolve({ policyKey: "k", url: urls[0] })),
      rotatePolicyKey: vi.fn(() => {
        urls.shift();
        return Promise.resolve({ policyKey: "k2", url: urls[0] });
      }),
    });
    renderApp(<ExportPage />, api, { project });
    expect(await screen.findByText("https://cinch.test/p/old/policy?format=header")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Rotate key…" }));
    expect(api.rotatePolicyKey).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Rotate key now" }));
    await waitFor(() => expect(api.rotatePolicyKey).toHaveBeenCalledWith("p1"));
    expect(await screen.findByText("https://cinch.test/p/new/policy?format=header")).toBeTruthy();
  });

  test("says the URL serves what is deployed, and what its state parameter picks", async () => {
    const api = mockApi({
      listVersions: vi.fn(() => Promise.resolve([])),
      exportPolicy: vi.fn(() => Promise.resolve("x")),
      policyKey: vi.fn(() => Promise.resolve({ policyKey: "k", url: "https://cinch.test/p/k/policy" })),
    });
    renderApp(<ExportPage />, api, { project });
    await screen.findByText("https://cinch.test/p/k/policy");
    const hint = screen.getByText(/Your deploy pipeline fetches what is deployed/).textContent ?? "";
    expect(hint).toContain("the enforced version and the report-only candidate beside it (two headers)");
    expect(hint).toContain(
      "&state=enforced for the enforced version only, &state=report-only for the report-only one, &state=both (the default) for both",
    );
  });
});
