// @vitest-environment jsdom
// The Settings page's danger zone: rotating the report key and deleting the project each ask first (a dialog;
// deleting also wants the name typed), call the API once confirmed, and do nothing when cancelled.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { DangerZone } from "../../web/src/components/DangerZone.tsx";
import { ApiContext } from "../../web/src/hooks/api.tsx";
import type { ProjectDto } from "../../server/contract.ts";
import { mockApi, project } from "./helpers.tsx";

afterEach(cleanup);

function setup(p: ProjectDto = project, overrides: Parameters<typeof mockApi>[0] = {}) {
  const api = mockApi(overrides);
  const onRotated = vi.fn();
  render(
    <ApiContext.Provider value={api}>
      <DangerZone project={p} onRotated={onRotated} />
    </ApiContext.Provider>,
  );
  return { api, onRotated };
}

describe("DangerZone", () => {
  test("rotate: confirm in the dialog, then the new report URI is shown and the project updated", async () => {
    const next = { ...project, reportKey: "k2", reportUri: "https://cinch.test/r/k2" };
    const { api, onRotated } = setup(project, { rotateReportKey: vi.fn(() => Promise.resolve(next)) });
    fireEvent.click(screen.getByRole("button", { name: "Rotate report key…" }));
    const dialog = screen.getByRole("dialog", { name: "Rotate the report key of Shop?" });
    expect(dialog.textContent).toContain("https://cinch.test/r/k1");
    fireEvent.click(within(dialog).getByRole("button", { name: "Rotate key" }));
    const status = await screen.findByRole("status", { name: "Report key rotated" });
    expect(status.textContent).toContain("https://cinch.test/r/k2");
    expect(api.rotateReportKey).toHaveBeenCalledWith("p1");
    expect(onRotated).toHaveBeenCalledWith(next);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  test("rotate: Cancel (or Escape) calls nothing", () => {
    const { api } = setup();
    fireEvent.click(screen.getByRole("button", { name: "Rotate report key…" }));
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Rotate report key…" }));
    fireEvent.keyDown(document, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(api.rotateReportKey).not.toHaveBeenCalled();
  });

  test("delete: the button waits for the project's name, then deletes and goes to the projects list", async () => {
    history.pushState(null, "", "/projects/p1/settings");
    const { api } = setup(project, { deleteProject: vi.fn(() => Promise.resolve()) });
    fireEvent.click(screen.getByRole("button", { name: "Delete project…" }));
    const dialog = screen.getByRole("dialog", { name: "Delete Shop?" });
    const confirm = within(dialog).getByRole("button", { name: "Delete project" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    const name = within(dialog).getByLabelText("Type the project's name to confirm");
    fireEvent.change(name, { target: { value: "shop" } });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(name, { target: { value: "Shop" } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(window.location.pathname).toBe("/"));
    expect(api.deleteProject).toHaveBeenCalledWith("p1");
  });

  test("delete: a refusal is shown in the dialog, which stays open", async () => {
    setup(project, { deleteProject: vi.fn(() => Promise.reject(new Error("admin scope required"))) });
    fireEvent.click(screen.getByRole("button", { name: "Delete project…" }));
    const dialog = screen.getByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Type the project's name to confirm"), {
      target: { value: "Shop" },
    });
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete project" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("admin scope required");
  });

  test("the built-in project offers neither action", () => {
    setup({ ...project, builtin: true });
    expect(screen.queryByRole("button", { name: /Rotate|Delete/ })).toBeNull();
    expect(screen.getByText(/cannot be deleted and its report key/)).toBeTruthy();
  });
});
