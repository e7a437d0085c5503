// @vitest-environment jsdom
// Saving ignore rules reaches the past: the settings page says how many stored groups and reports moved to noise,
// or back from it, from the PATCH answer's `reclassified`.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { SettingsPage, reclassifiedText } from "../../web/src/pages/SettingsPage.tsx";
import { PolicyPage } from "../../web/src/pages/PolicyPage.tsx";
import type { BuildResultDto, ProjectDto, ReclassifiedDto, SuggestionDto } from "../../server/contract.ts";
import { ProjectContext } from "../../web/src/hooks/project.tsx";
import { ApiContext } from "../../web/src/hooks/api.tsx";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const moved = (groups: number, reports: number) => ({ groups, reports });

describe("reclassifiedText", () => {
  test.each([
    {
      r: { ignored: moved(2, 340), restored: moved(0, 0) },
      text: "2 groups (340 reports) moved to noise: they left the violations list, the suggestions and the candidate.",
    },
    {
      r: { ignored: moved(1, 1), restored: moved(0, 0) },
      text: "1 group (1 report) moved to noise: it left the violations list, the suggestions and the candidate.",
    },
    {
      r: { ignored: moved(0, 0), restored: moved(3, 12_500) },
      text: "3 groups (12,500 reports) came back from noise: no rule matches them any more.",
    },
    {
      r: { ignored: moved(1, 5), restored: moved(1, 7) },
      text: "1 group (5 reports) moved to noise: it left the violations list, the suggestions and the candidate. 1 group (7 reports) came back from noise: no rule matches them any more.",
    },
    {
      r: { ignored: moved(0, 0), restored: moved(0, 0) },
      text: "No stored group matches the changed rules: they apply to new reports.",
    },
  ] satisfies { r: ReclassifiedDto; text: string }[])("$text", ({ r, text }) => {
    expect(reclassifiedText(r)).toBe(text);
  });
});

describe("SettingsPage: ignore rules reach the past", () => {
  function setup(start: ProjectDto, reclassified: ReclassifiedDto | undefined) {
    const setProject = vi.fn();
    const api = mockApi({
      updateProject: vi.fn((_id: string, body: { settings: ProjectDto["settings"] }) =>
        Promise.resolve({ ...start, settings: body.settings, ...(reclassified ? { reclassified } : {}) }),
      ),
    });
    render(
      <ApiContext.Provider value={api}>
        <ProjectContext.Provider value={{ project: start, setProject, reload: vi.fn() }}>
          <SettingsPage />
        </ProjectContext.Provider>
      </ApiContext.Provider>,
    );
    return { api, setProject };
  }
  const withHosts = (hosts: string[]): ProjectDto => ({
    ...project,
    settings: { ...project.settings, ignoreRules: { hosts, schemes: [], sampleContains: [] } },
  });

  test("adding a host says how many groups and reports moved to noise", async () => {
    const { setProject } = setup(withHosts([]), { ignored: moved(2, 340), restored: moved(0, 0) });
    fireEvent.change(screen.getByLabelText("Blocked hosts"), { target: { value: "ads.example.net" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    const status = await screen.findByRole("status", { name: "Ignore rules applied" });
    expect(status.textContent).toBe(
      "2 groups (340 reports) moved to noise: they left the violations list, the suggestions and the candidate.",
    );
    expect(screen.getByText("Saved.")).toBeTruthy();
    // The project in context is the project, without the answer's counts.
    await waitFor(() => expect(setProject).toHaveBeenCalled());
    expect(setProject.mock.calls[0]![0]).not.toHaveProperty("reclassified");
    // Editing again clears the message: it described the last save.
    fireEvent.change(screen.getByLabelText("Blocked hosts"), {
      target: { value: "ads.example.net\nx.example" },
    });
    expect(screen.queryByRole("status", { name: "Ignore rules applied" })).toBeNull();
  });

  test("removing the rule says how many came back", async () => {
    setup(withHosts(["ads.example.net"]), { ignored: moved(0, 0), restored: moved(2, 340) });
    fireEvent.change(screen.getByLabelText("Blocked hosts"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect((await screen.findByRole("status", { name: "Ignore rules applied" })).textContent).toBe(
      "2 groups (340 reports) came back from noise: no rule matches them any more.",
    );
  });

  test("a save that leaves the rules alone and moves nothing says only Saved.", async () => {
    setup(withHosts(["ads.example.net"]), { ignored: moved(0, 0), restored: moved(0, 0) });
    fireEvent.change(screen.getByLabelText("Store this share of reports (%)"), { target: { value: "50" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(screen.queryByRole("status", { name: "Ignore rules applied" })).toBeNull();
  });
});

describe("PolicyPage: Ignore host reaches the past", () => {
  const ads: SuggestionDto = {
    id: "img-src add https://ads.example.net",
    directive: "img-src",
    source: "https://ads.example.net",
    action: "add",
    reason: "12 reports.",
    evidence: { count: 12, pages: ["https://shop.example.com/"], firstSeen: 0, lastSeen: 0, samples: [] },
    groupIds: [3],
    applied: true,
  };
  const result: BuildResultDto = {
    policy: "default-src 'self'; img-src https://ads.example.net",
    base: "default-src 'self'",
    baseVersion: null,
    suggestions: [ads],
    suggestionCount: 1,
    offset: 0,
    limit: 1000,
    decisions: [],
    decisionCount: 0,
    decisionOffset: 0,
    decisionLimit: 200,
    grade: "A",
    score: 95,
    findings: [],
    reasons: [],
    size: 10,
    warnings: [],
  };

  test("the notice says how many stored groups and reports moved to noise with the new rule", async () => {
    const api = mockApi({
      buildPolicy: vi.fn(() => Promise.resolve(result)),
      previewPolicy: vi.fn(() => new Promise(() => undefined)),
      updateProject: vi.fn(() =>
        Promise.resolve({ ...project, reclassified: { ignored: moved(2, 340), restored: moved(0, 0) } }),
      ),
    });
    renderApp(<PolicyPage />, api, { path: "/projects/p1/policy", project });
    const card = await screen.findByRole("article", { name: "add img-src https://ads.example.net" });
    fireEvent.click(within(card).getByRole("button", { name: "Ignore" }));
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Ignore host" }));
    expect(
      await screen.findByText(
        "Future reports from ads.example.net are stored as noise, and 2 stored groups (340 reports) moved to noise with them. Edit ignore rules in Settings.",
      ),
    ).toBeTruthy();
  });
});
