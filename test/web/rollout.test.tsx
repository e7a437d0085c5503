// @vitest-environment jsdom
// The rollout on the Versions page: report-only is the next step of a draft, every state change shows the exact
// header(s) to deploy, each version shows its rollout status and checklist, the enforce dialog names what would
// break and how long the version ran report-only, and untagged reports are called out with the fix.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { VersionsPage } from "../../web/src/pages/VersionsPage.tsx";
import type { PolicyVersionDto, RolloutDto, VersionRolloutDto } from "../../server/contract.ts";
import { mockApi, project, renderApp, policyVersion } from "./helpers.tsx";

afterEach(cleanup);

const HOUR = 3_600_000;
const versions: PolicyVersionDto[] = [
  policyVersion({
    version: 1,
    policy: "default-src 'self'",
    state: "enforced",
    createdAt: "2026-01-01T00:00:00Z",
  }),
  policyVersion({
    version: 2,
    policy: "default-src 'self'; script-src 'self' 'sha256-abc='",
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

const check = (id: string, ok: boolean, text: string) => ({ id, ok, text });
const v2: VersionRolloutDto = {
  version: 2,
  state: "report-only",
  reportOnlySince: Date.parse("2026-01-02T10:00:00Z"),
  ranMs: 2 * HOUR,
  reports: 30,
  pages: 4,
  comparedWith: 1,
  newGroups: [{ id: 7, directive: "script-src-elem", blocked: "https://widgets.example", count: 12 }],
  hashes: { verified: ["'sha256-abc='"], failed: ["'sha256-bad='"], pending: [] },
  checklist: [
    check("report-only", true, "Deployed report-only"),
    check(
      "duration",
      false,
      "ran report-only for 2 hours on 4 pages (30 reports); run it for at least 1 day",
    ),
    check("pages", false, "Reports from 4 pages tagged v2; wait for at least 10"),
    check("new-groups", false, "1 group reported under v2 and never under v1: enforcing would block …"),
    check("hashes", false, "1 hash failed: the page's code differs from the sample"),
  ],
  ready: false,
};
const v3: VersionRolloutDto = {
  ...v2,
  version: 3,
  state: "draft",
  reportOnlySince: null,
  ranMs: 0,
  reports: 0,
  pages: 0,
  newGroups: [],
  hashes: { verified: [], failed: [], pending: [] },
  checklist: [check("report-only", false, "Not run report-only yet: start report-only first")],
};
const v1: VersionRolloutDto = { ...v3, version: 1, state: "enforced", comparedWith: null };

const BOTH =
  "Content-Security-Policy: default-src 'self'; report-uri https://cinch.test/r/k1?v=1\n" +
  "Content-Security-Policy-Report-Only: default-src 'none'; report-uri https://cinch.test/r/k1?v=3\n";

function rolloutOf(over: Partial<RolloutDto> = {}): RolloutDto {
  return { enforced: 1, reportOnly: 2, deploy: BOTH, untagged: null, versions: [v3, v2, v1], ...over };
}

function setup(over: Parameters<typeof mockApi>[0] = {}) {
  const api = mockApi({
    listVersions: vi.fn(() => Promise.resolve(versions)),
    policyRollout: vi.fn(() => Promise.resolve(rolloutOf())),
    setVersionState: vi.fn((_id: string, version: number, state: string) =>
      Promise.resolve({ ...versions.find((v) => v.version === version)!, state, deploy: BOTH }),
    ),
    previewPolicy: vi.fn(() =>
      Promise.resolve({
        total: { groups: 4, reports: 40, recentReports: 4 },
        blocked: { groups: 1, reports: 12, recentReports: 3 },
        conditional: { groups: 0, reports: 0, recentReports: 0 },
        blockedGroups: [
          {
            id: 7,
            directive: "script-src-elem",
            blocked: "https://widgets.example",
            count: 12,
            recentCount: 3,
            governing: "script-src",
            pages: [],
          },
        ],
        conditionalGroups: [],
        summary: "",
      }),
    ),
    ...over,
  });
  renderApp(<VersionsPage />, api, { path: "/projects/p1/versions", project });
  return api;
}

const actions = (v: number) =>
  within(screen.getByRole("group", { name: `Actions for version ${v}` })).getAllByRole("button");
const primary = (v: number) =>
  actions(v)
    .filter((b) => b.classList.contains("btn-primary"))
    .map((b) => b.textContent);

describe("Versions page: the rollout", () => {
  test("on a draft, Start report-only is the primary action and Enforce secondary; on report-only, Enforce", async () => {
    setup();
    await screen.findByRole("table", { name: "Policy versions" });
    expect(primary(3)).toEqual(["Start report-only"]);
    expect(actions(3).map((b) => b.textContent)).toContain("Enforce…");
    expect(primary(2)).toEqual(["Enforce…"]);
    expect(primary(1)).toEqual([]);
  });

  test("after a state change the exact headers to deploy are shown, named, with a copy button", async () => {
    const api = setup();
    await screen.findByRole("table", { name: "Policy versions" });
    fireEvent.click(screen.getByRole("button", { name: "Start report-only version 3" }));
    const panel = await screen.findByRole("region", { name: "Version 3 now runs report-only: deploy it" });
    expect(api.setVersionState).toHaveBeenCalledWith("p1", 3, "report-only");
    expect(
      within(within(panel).getByRole("list", { name: "Headers to deploy" }))
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual([
      "Content-Security-Policy — enforced version 1: browsers block what it does not allow",
      "Content-Security-Policy-Report-Only — report-only version 3: browsers only report what it would block",
    ]);
    expect(panel.querySelector("pre")?.textContent).toBe(BOTH);
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    Object.defineProperty(window, "isSecureContext", { value: true, configurable: true });
    fireEvent.click(within(panel).getByRole("button", { name: "Copy the headers" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(BOTH));
    // The status is read again after the move.
    await waitFor(() => expect(api.policyRollout).toHaveBeenCalledTimes(2));
    fireEvent.click(within(panel).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("region", { name: /deploy it$/ })).toBeNull();
  });

  test("each version shows its rollout status: since when, reports and pages, new groups, hashes, the checklist", async () => {
    setup();
    const status = await screen.findByRole("group", { name: "Rollout of version 2" });
    const row = screen.getByRole("row", { name: /^v2 / });
    expect(within(row).getByText("Report-only for 2 hours · 30 reports · 4 checks missing")).toBeTruthy();
    expect(within(status).getByText("30 reports from 4 distinct pages")).toBeTruthy();
    expect(within(status).getByText("New compared with enforced v1")).toBeTruthy();
    expect(within(status).getByText(/^1 verified, 1 failed, 0 not verified yet/)).toBeTruthy();
    expect(within(status).getByRole("list", { name: "Failed hashes" }).textContent).toBe("'sha256-bad='");
    const link = within(status).getByRole("link", { name: "script-src-elem https://widgets.example" });
    expect(link.getAttribute("href")).toBe("/projects/p1/groups/7");
    const items = within(
      within(status).getByRole("list", { name: "Ready to enforce checklist for version 2" }),
    ).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "✓ Done: Deployed report-only",
      "✗ Missing: ran report-only for 2 hours on 4 pages (30 reports); run it for at least 1 day",
      "✗ Missing: Reports from 4 pages tagged v2; wait for at least 10",
      "✗ Missing: 1 group reported under v2 and never under v1: enforcing would block …",
      "✗ Missing: 1 hash failed: the page's code differs from the sample",
    ]);
    expect(
      within(screen.getByRole("row", { name: /^v3 / })).getByText("Not run report-only yet"),
    ).toBeTruthy();
    // An enforced version shows its record, not a checklist it is past.
    const row1 = screen.getByRole("row", { name: /^v1 / });
    expect(within(row1).getByText("Enforced without running report-only")).toBeTruthy();
    const v1status = within(row1).getByRole("group", { name: "Rollout of version 1", hidden: true });
    expect(
      within(v1status).queryByRole("list", { name: /Ready to enforce checklist/, hidden: true }),
    ).toBeNull();
    expect(within(v1status).getByText("0 reports from 0 distinct pages")).toBeTruthy();
    expect(
      within(screen.getByRole("row", { name: /^v3 / })).getByRole("list", {
        name: "Ready to enforce checklist for version 3",
        hidden: true,
      }),
    ).toBeTruthy();
  });

  test("the enforce dialog says how long and on how many reports it ran report-only and names what would break", async () => {
    const api = setup();
    await screen.findByRole("group", { name: "Rollout of version 2" });
    fireEvent.click(screen.getByRole("button", { name: "Enforce version 2" }));
    const dialog = screen.getByRole("dialog", { name: "Enforce version 2?" });
    expect(
      within(dialog).getByText("Version 2 has run report-only for 2 hours on 4 pages (30 reports)."),
    ).toBeTruthy();
    expect(
      within(dialog).getByText(
        "Enforcing would break 1 group reported under v2 and never under enforced v1:",
      ),
    ).toBeTruthy();
    expect(
      within(within(dialog).getByRole("table")).getByRole("link", {
        name: "script-src-elem https://widgets.example",
      }),
    ).toBeTruthy();
    expect(within(dialog).getByRole("list", { name: "Missing before enforcing" }).children).toHaveLength(4);
    const blocked = await within(dialog).findByRole("list", { name: "Groups it would block" });
    expect(blocked.textContent).toBe("script-src-elem https://widgets.example (12 reports)");
    expect(within(dialog).getByText("Enforcing this would block 1 group / 12 reports.")).toBeTruthy();
    fireEvent.click(within(dialog).getByRole("button", { name: "Enforce version 2" }));
    await waitFor(() => expect(api.setVersionState).toHaveBeenCalledWith("p1", 2, "enforced"));
    expect(await screen.findByRole("region", { name: "Version 2 is enforced: deploy it" })).toBeTruthy();
  });

  test("enforcing a draft that never ran report-only says so", async () => {
    setup();
    await screen.findByRole("group", { name: "Rollout of version 2" });
    fireEvent.click(screen.getByRole("button", { name: "Enforce version 3" }));
    const dialog = screen.getByRole("dialog", { name: "Enforce version 3?" });
    expect(within(dialog).getByText("Version 3 has not run report-only.").parentElement?.textContent).toBe(
      "Version 3 has not run report-only. Nothing shows yet what it would break on real pages: start report-only first.",
    );
  });

  test("the dialog names the first 10 groups that would break and counts the rest", async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      id: 100 + i,
      directive: "img-src",
      blocked: `https://img${i}.example`,
      count: i + 1,
    }));
    setup({
      policyRollout: vi.fn(() =>
        Promise.resolve(rolloutOf({ versions: [v3, { ...v2, newGroups: many }, v1] })),
      ),
    });
    await screen.findByRole("group", { name: "Rollout of version 2" });
    fireEvent.click(screen.getByRole("button", { name: "Enforce version 2" }));
    const dialog = screen.getByRole("dialog", { name: "Enforce version 2?" });
    expect(
      within(dialog).getByText(
        "Enforcing would break 12 groups reported under v2 and never under enforced v1:",
      ),
    ).toBeTruthy();
    const table = within(dialog).getByRole("table");
    expect(
      within(table)
        .getAllByRole("link")
        .map((a) => a.textContent),
    ).toEqual(many.slice(0, 10).map((g) => `img-src ${g.blocked}`));
    expect(within(table).getByText("and 2 more groups")).toBeTruthy();
  });

  test("untagged reports while versions are deployed: a warning with the fix and the header to deploy", async () => {
    setup({
      policyRollout: vi.fn(() =>
        Promise.resolve(rolloutOf({ untagged: { reports: 12, since: "2026-01-02T10:00:00Z" } })),
      ),
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(
      /^12 reports arrived without a version tag since .+, while versions are deployed/,
    );
    expect(alert.textContent).toContain("Fix: deploy the exported header, whose report URL carries ?v=N");
    expect(within(alert).getByRole("link", { name: "Export" }).getAttribute("href")).toBe(
      "/projects/p1/export",
    );
    expect(alert.querySelector("pre")?.textContent).toBe(BOTH);
  });

  test("no warning without untagged reports; a failed rollout read leaves the versions usable", async () => {
    setup({ policyRollout: vi.fn(() => Promise.reject(new Error("database is locked"))) });
    expect(await screen.findByText("The rollout status could not load: database is locked")).toBeTruthy();
    expect(screen.getByRole("table", { name: "Policy versions" })).toBeTruthy();
    expect(screen.queryByText(/without a version tag/)).toBeNull();
  });
});
