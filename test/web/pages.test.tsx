// @vitest-environment jsdom
// Projects list, settings form, install view, group page, live tail and the app's session gate.
import { afterEach, describe, expect, test, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { ProjectsPage } from "../../web/src/pages/ProjectsPage.tsx";
import { SettingsPage, draftFieldOf, draftOf, patchOf } from "../../web/src/pages/SettingsPage.tsx";
import { InstallPage } from "../../web/src/pages/InstallPage.tsx";
import { GroupPage } from "../../web/src/pages/GroupPage.tsx";
import { LivePage } from "../../web/src/pages/LivePage.tsx";
import { App } from "../../web/src/App.tsx";
import type { TailEventDto } from "../../server/contract.ts";
import { ApiError, type ApiClient } from "../../web/src/api/client.ts";
import { group, mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

describe("ProjectsPage", () => {
  test("lists projects with formatted counts and a sparkline; creating one opens its install view", async () => {
    const api = mockApi({
      listProjects: vi.fn(() =>
        Promise.resolve([project, { ...project, id: "p2", name: "Blog", counts: undefined }]),
      ),
      createProject: vi.fn(() => Promise.resolve({ ...project, id: "p9" })),
    });
    renderApp(<ProjectsPage />, api);
    const table = await screen.findByRole("table", { name: "Projects" });
    const row = within(table).getByRole("row", { name: /Shop/ });
    expect(within(row).getByText("1,234")).toBeTruthy();
    // noise apart, never added into the violations
    expect(within(row).getByText("+ 40 noise")).toBeTruthy();
    expect(within(row).getByText("56,789")).toBeTruthy();
    expect(within(row).getByRole("img", { name: /Reports per hour for Shop/ })).toBeTruthy();
    // the count is labelled with the server's one definition: violations, noise excluded (#16)
    const head = within(table).getByText("Violations, 24 h");
    expect(document.getElementById(head.getAttribute("aria-describedby")!)?.textContent).toBe(
      "Violations (noise excluded) in the last 24 hours",
    );
    expect(within(row).getByRole("link", { name: "Shop" }).getAttribute("href")).toBe(
      "/projects/p1/violations",
    );
    fireEvent.change(screen.getByLabelText("New project name"), { target: { value: "  Docs  " } });
    fireEvent.click(screen.getByRole("button", { name: "Create project" }));
    await waitFor(() => expect(api.createProject).toHaveBeenCalledWith("Docs"));
    await waitFor(() => expect(window.location.pathname).toBe("/projects/p9/install"));
  });

  test("empty list invites creating a project; create errors show the server's message", async () => {
    const api = mockApi({
      listProjects: vi.fn(() => Promise.resolve([])),
      createProject: vi.fn(() =>
        Promise.reject(new ApiError(403, "insufficient_scope", 'this action needs the "write" scope')),
      ),
    });
    renderApp(<ProjectsPage />, api);
    expect(await screen.findByText("No projects yet.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Create project" }));
    expect(await screen.findByText("Enter a name for the project.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("New project name"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Create project" }));
    expect(await screen.findByText('this action needs the "write" scope')).toBeTruthy();
  });
});

describe("SettingsPage", () => {
  test.each([
    { change: { samplePercent: "0" }, error: "Sampling must be more than 0% and at most 100%." },
    { change: { samplePercent: "101" }, error: "Sampling must be more than 0% and at most 100%." },
    { change: { dailyCap: "-1" }, error: "Daily cap must be a whole number ≥ 0." },
    { change: { evidenceThreshold: "0" }, error: "Evidence threshold must be a whole number ≥ 1." },
    {
      change: { allowedOrigins: "https://ok.example\nhttps://bad.example/path" },
      error:
        'Allowed document origins, line 2: use an origin like https://www.example.com (no path), not "https://bad.example/path"',
    },
    { change: { name: " " }, error: "Name must be 1–100 characters." },
  ])("rejects $change", ({ change, error }) => {
    const r = patchOf({ ...draftOf(project), ...change });
    expect("errors" in r && r.errors.map((e) => e.message)).toEqual([error]);
    // at the field that caused it
    expect("errors" in r && r.errors[0]!.field).toBe(Object.keys(change)[0]);
  });

  test("the server's field error shows at that field, marks it invalid and takes the focus", async () => {
    const message = 'Blocked hosts, line 2: use a host like ads.example.net or *.example.net, not "a b"';
    const api = mockApi({
      updateProject: vi.fn(() =>
        Promise.reject(
          new ApiError(400, "invalid_input", message, { field: "settings.ignoreRules.hosts", line: 2 }),
        ),
      ),
    });
    renderApp(<SettingsPage />, api, { project });
    const hosts = screen.getByLabelText("Blocked hosts");
    fireEvent.change(hosts, { target: { value: "ads.example.net\na b" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(hosts.getAttribute("aria-invalid")).toBe("true"));
    const described = hosts
      .getAttribute("aria-describedby")!
      .split(" ")
      .map((i) => document.getElementById(i));
    expect(described[0]!.textContent).toBe(message);
    expect(described[0]!.className).toBe("field-error");
    await waitFor(() => expect(document.activeElement).toBe(hosts));
    // the other fields are not marked
    expect(screen.getByLabelText("Blocked schemes").getAttribute("aria-invalid")).toBeNull();
    // editing the field clears its error
    fireEvent.change(hosts, { target: { value: "ads.example.net" } });
    expect(hosts.getAttribute("aria-invalid")).toBeNull();
  });

  test.each([
    ["settings.ignoreRules.hosts", "hosts"],
    ["ignoreRules.sampleContains", "sampleContains"],
    ["settings.sampleRate", "samplePercent"],
    ["settings.allowedOrigins", "allowedOrigins"],
    ["name", "name"],
    ["settings.constructor", null],
    [undefined, null],
  ])("the server's field %s is the form's %s", (path, key) => {
    expect(draftFieldOf(path)).toBe(key);
  });

  test("saves a valid form as one PATCH", async () => {
    const api = mockApi({ updateProject: vi.fn(() => Promise.resolve(project)) });
    renderApp(<SettingsPage />, api, { project });
    fireEvent.change(screen.getByLabelText("Blocked hosts"), {
      target: { value: "ads.example.net\n\n tracker.example " },
    });
    fireEvent.change(screen.getByLabelText("Store this share of reports (%)"), { target: { value: "25" } });
    fireEvent.click(screen.getByLabelText("Limit reports stored per day (UTC)"));
    fireEvent.change(screen.getByLabelText("Allowed document origins"), {
      target: { value: "https://www.example.com" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() =>
      expect(api.updateProject).toHaveBeenCalledWith("p1", {
        name: "Shop",
        settings: {
          ignoreRules: { hosts: ["ads.example.net", "tracker.example"], schemes: [], sampleContains: [] },
          sampleRate: 0.25,
          dailyCap: null,
          allowedOrigins: ["https://www.example.com"],
          evidenceThreshold: 2,
        },
      }),
    );
    expect(await screen.findByText("Saved.")).toBeTruthy();
  });
});

describe("InstallPage", () => {
  test("shows the exact headers with copy buttons and the notes", () => {
    renderApp(<InstallPage />, mockApi(), { project });
    const blocks = [...document.querySelectorAll("pre code")].map((c) => c.textContent);
    expect(blocks).toContain(project.install.headers.join("\n"));
    expect(blocks).toContain(project.install.reportingEndpoints);
    expect(screen.getByRole("button", { name: "Copy Content-Security-Policy-Report-Only" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Copy Reporting-Endpoints" })).toBeTruthy();
    expect(screen.getByText(/report-uri is the fallback/)).toBeTruthy();
  });
});

describe("GroupPage", () => {
  test("shows every sample field as text, breakdowns and a permalink button", async () => {
    const evil = '"><img src=x onerror=alert(1)>';
    const api = mockApi({
      group: vi.fn(() =>
        Promise.resolve({
          group: group({ blocked: evil }),
          samples: [
            {
              receivedAt: "2026-01-02T00:00:00Z",
              documentUrl: "https://shop.example.com/?q=" + evil,
              blockedUrl: evil,
              sourceFile: "https://shop.example.com/app.js",
              line: 12,
              column: 3,
              sample: "<script>steal()</script>",
              statusCode: 200,
              browser: "Chrome 120",
              disposition: "report",
              policyVersion: 2,
              env: "",
            },
          ],
          series: [{ hour: "2026-01-02T00:00:00Z", count: 4 }],
          byVersion: { "2": 4 },
          byDisposition: { report: 4 },
          byEnv: { "": 4 },
        }),
      ),
    });
    const { container } = renderApp(<GroupPage groupId="1" />, api, {
      path: "/projects/p1/groups/1?range=7d",
      project,
    });
    const sample = await screen.findByRole("article", { name: "Sample 1" });
    expect(vi.mocked(api.group).mock.calls[0]![1]).toBe("1");
    expect(within(sample).getByText("<script>steal()</script>")).toBeTruthy();
    expect(within(sample).getAllByText(evil)).toHaveLength(1);
    expect(within(sample).getByText("12")).toBeTruthy();
    expect(within(sample).getByText("Chrome 120")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByRole("heading", { level: 2 }).textContent).toContain(evil);
    expect(screen.getByRole("rowheader", { name: "v2" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Copy permalink" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "← Violations" }).getAttribute("href")).toBe(
      "/projects/p1/violations?range=7d",
    );
    expect(container.querySelectorAll("[style]")).toHaveLength(0);
  });

  test("a missing group says so in words and links back to Violations, not 'Something went wrong'", async () => {
    const api = mockApi({
      group: vi.fn(() => Promise.reject(new ApiError(404, "group_not_found", "violation group not found"))),
    });
    renderApp(<GroupPage groupId="99" />, api, { project, path: "/projects/p1/groups/99?range=7d" });
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("This group no longer exists")).toBeTruthy();
    expect(within(alert).getByRole("link", { name: "Back to Violations" }).getAttribute("href")).toBe(
      "/projects/p1/violations?range=7d",
    );
    expect(screen.queryByText(/Something went wrong/)).toBeNull();
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
  });

  test("another error still offers to try again", async () => {
    const api = mockApi({
      group: vi.fn(() => Promise.reject(new ApiError(503, "storage_unavailable", "storage is unavailable"))),
    });
    renderApp(<GroupPage groupId="99" />, api, { project });
    expect(await screen.findByText(/storage is unavailable \(503\)/)).toBeTruthy();
  });
});

describe("LivePage", () => {
  test("shows arriving events newest first; pause counts skipped ones", async () => {
    let push: (e: TailEventDto) => void = () => undefined;
    let state: (s: "connecting" | "open" | "closed") => void = () => undefined;
    const api = mockApi({
      tail: vi.fn((_id: string, onEvent: (e: TailEventDto) => void, onState: typeof state) => {
        push = onEvent;
        state = onState;
        onState("connecting");
        return () => undefined;
      }),
    });
    renderApp(<LivePage />, api, { project });
    expect(screen.getByText("Waiting for reports…")).toBeTruthy();
    const ev = (blocked: string): TailEventDto => ({
      receivedAt: "2026-01-02T00:00:00Z",
      directive: "img-src",
      blocked,
      documentUrl: "https://shop.example.com/",
      noise: null,
      browser: "Firefox",
    });
    act(() => {
      state("open");
      push(ev("https://a.example"));
      push(ev("https://b.example"));
    });
    expect(screen.getByRole("status").textContent).toContain("Live");
    const items = within(screen.getByRole("list", { name: /Arriving reports/ })).getAllByRole("listitem");
    expect(items.map((i) => within(i).getByText(/example$/).textContent)).toEqual([
      "https://b.example",
      "https://a.example",
    ]);
    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    act(() => push(ev("https://c.example")));
    expect(screen.getByRole("button", { name: "Resume (1 skipped)" })).toBeTruthy();
    expect(screen.queryByText("https://c.example")).toBeNull();
  });
});

describe("App session gate", () => {
  function app(api: ApiClient, path: string) {
    window.history.replaceState(null, "", path);
    return render(<App api={api} />);
  }

  test("signed out: the sign-in form signs in and shows the projects", async () => {
    const api = mockApi({
      getSession: vi
        .fn()
        .mockResolvedValueOnce(null)
        .mockResolvedValue({ user: { email: "ada@example.com" }, csrfToken: "c" }),
      setupStatus: vi.fn(() => Promise.resolve({ needed: false })),
      signIn: vi.fn(() => Promise.resolve()),
      listProjects: vi.fn(() => Promise.resolve([project])),
    });
    app(api, "/");
    fireEvent.change(await screen.findByLabelText("Email"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "correct horse battery" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(api.signIn).toHaveBeenCalledWith("ada@example.com", "correct horse battery"));
    expect(await screen.findByRole("heading", { name: "Projects" })).toBeTruthy();
    expect(screen.getByText("ada@example.com")).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main" })).toBeTruthy();
  });

  test("a wrong password shows the server's message", async () => {
    const api = mockApi({
      getSession: vi.fn(() => Promise.resolve(null)),
      setupStatus: vi.fn(() => Promise.resolve({ needed: true })),
      signIn: vi.fn(() =>
        Promise.reject(new ApiError(401, "invalid_credentials", "email or password is wrong")),
      ),
    });
    app(api, "/");
    expect(await screen.findByText(/No administrator exists yet/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "a@b.co" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("email or password is wrong")).toBeTruthy();
  });

  test("setup reads the token from the hash, hides it, and creates the admin", async () => {
    const api = mockApi({
      getSession: vi
        .fn()
        .mockResolvedValueOnce(null)
        .mockResolvedValue({ user: { email: "root@example.com" }, csrfToken: "c" }),
      setupStatus: vi.fn(() => Promise.resolve({ needed: true })),
      setup: vi.fn(() => Promise.resolve()),
      listProjects: vi.fn(() => Promise.resolve([])),
    });
    app(api, "/setup#tok-123");
    await screen.findByRole("heading", { name: "Create the first administrator" });
    expect(window.location.hash).toBe("");
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "root@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "a long passphrase" } });
    fireEvent.change(screen.getByLabelText("Confirm password"), { target: { value: "a long passphrasX" } });
    fireEvent.click(screen.getByRole("button", { name: "Create administrator" }));
    expect(await screen.findByText("The passwords do not match.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Confirm password"), { target: { value: "a long passphrase" } });
    fireEvent.click(screen.getByRole("button", { name: "Create administrator" }));
    await waitFor(() =>
      expect(api.setup).toHaveBeenCalledWith("tok-123", "root@example.com", "a long passphrase"),
    );
    expect(await screen.findByText("No projects yet.")).toBeTruthy();
    expect(window.location.pathname).toBe("/");
  });

  test("a session ending mid-use returns to sign-in; sign-out calls the API", async () => {
    const api = mockApi({
      getSession: vi.fn(() => Promise.resolve({ user: { email: "ada@example.com" }, csrfToken: "c" })),
      setupStatus: vi.fn(() => Promise.resolve({ needed: false })),
      listProjects: vi.fn(() => Promise.resolve([])),
      signOut: vi.fn(() => Promise.resolve()),
    });
    app(api, "/");
    await screen.findByText("No projects yet.");
    act(() => api.onUnauthorized?.());
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    cleanup();
    app(api, "/");
    fireEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(api.signOut).toHaveBeenCalled());
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
  });

  test("unknown paths show a not-found page inside the frame", async () => {
    const api = mockApi({
      getSession: vi.fn(() => Promise.resolve({ user: { email: "a@b.co" }, csrfToken: "c" })),
    });
    app(api, "/nowhere");
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeTruthy();
  });
});
