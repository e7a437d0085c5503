// @vitest-environment jsdom
// Groups table: columns, sort headers (aria-sort and the order they request), links, hostile text as text.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import { GroupsTable } from "../../web/src/components/GroupsTable.tsx";
import { group } from "./helpers.tsx";

afterEach(cleanup);

const base = {
  projectId: "p1",
  sort: "count" as const,
  order: "desc" as const,
  caption: "Violation groups",
  now: Date.parse("2026-01-02T01:00:00Z"),
};

describe("GroupsTable", () => {
  test("renders one row per group with formatted counts and a link to the group page", () => {
    render(
      <GroupsTable
        {...base}
        onSort={vi.fn()}
        groups={[group(), group({ id: 2, blocked: "inline", count: 3, pages: [] })]}
        linkQuery="?range=7d"
      />,
    );
    const table = screen.getByRole("table", { name: "Violation groups" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText(new Intl.NumberFormat().format(1200))).toBeTruthy();
    const link = within(rows[1]!).getByRole("link", { name: "https://cdn.example.com" });
    expect(link.getAttribute("href")).toBe("/projects/p1/groups/1?range=7d");
    // Compact cells: the page's path and how many more, browsers by family; the full text for screen readers
    // and in the title (hover).
    const pages = rows[1]!.querySelectorAll("td")[4]!;
    expect(pages.textContent).toBe("/ (https://shop.example.com/) +1 more page");
    expect(pages.querySelector("[title]")?.getAttribute("title")).toBe("https://shop.example.com/");
    const browsers = rows[1]!.querySelectorAll("td")[5]!;
    expect(within(browsers).getByText("Chrome, Firefox")).toBeTruthy();
    expect(within(browsers).getByText("Chrome 120, Firefox 121")).toBeTruthy();
    expect(browsers.getAttribute("title")).toBe("Chrome 120, Firefox 121");
    expect(within(rows[1]!).getByText("1 hour ago")).toBeTruthy();
  });

  test("a triaged group shows its state beside the blocked value; an open one shows none", () => {
    render(
      <GroupsTable
        {...base}
        onSort={vi.fn()}
        groups={[
          group({ triage: "muted" }),
          group({ id: 2, blocked: "https://b.example", triage: "open" }),
          group({ id: 3, blocked: "https://c.example" }),
        ]}
      />,
    );
    const rows = within(screen.getByRole("table")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.querySelector(".blocked-cell .badge")?.textContent ?? null)).toEqual([
      "Muted",
      null,
      null,
    ]);
  });

  test("a blank that was inline code or eval reads as words, not as Cinch's keyword", () => {
    render(<GroupsTable {...base} onSort={vi.fn()} groups={[group({ blocked: "inline-or-eval" })]} />);
    expect(screen.getByRole("link", { name: "inline or eval" })).toBeTruthy();
    expect(screen.queryByText("inline-or-eval")).toBeNull();
  });

  test("marks the sorted column and toggles its order; a new column starts at its default", () => {
    const onSort = vi.fn();
    render(<GroupsTable {...base} onSort={onSort} groups={[group()]} />);
    const reports = screen.getByRole("columnheader", { name: /Reports/ });
    expect(reports.getAttribute("aria-sort")).toBe("descending");
    expect(screen.getByRole("columnheader", { name: /Directive/ }).getAttribute("aria-sort")).toBeNull();
    screen.getByRole("button", { name: /Reports/ }).click();
    expect(onSort).toHaveBeenLastCalledWith("count", "asc");
    screen.getByRole("button", { name: /Blocked/ }).click();
    expect(onSort).toHaveBeenLastCalledWith("blocked", "asc");
    screen.getByRole("button", { name: /Last seen/ }).click();
    expect(onSort).toHaveBeenLastCalledWith("lastSeen", "desc");
    expect(screen.queryByRole("button", { name: /Trend/ })).toBeNull();
  });

  test("renders attacker-controlled values as text, never as markup", () => {
    const evil = '<img src=x onerror="alert(1)">';
    const { container } = render(
      <GroupsTable
        {...base}
        onSort={vi.fn()}
        groups={[group({ blocked: evil, pages: [`https://x/${evil}`], browsers: [evil] })]}
      />,
    );
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByRole("link", { name: evil })).toBeTruthy();
    expect(container.querySelector("[onerror]")).toBeNull();
  });

  test("noise mode adds the reason column", () => {
    render(<GroupsTable {...base} onSort={vi.fn()} showNoise groups={[group({ noise: "extension" })]} />);
    expect(screen.getByRole("columnheader", { name: "Noise reason" })).toBeTruthy();
    // the reason in words; the id and what it means in the tooltip (hover and focus)
    const badge = screen.getByText("Browser extension");
    const tip = document.getElementById(badge.closest(".tip")!.getAttribute("aria-describedby")!);
    expect(tip?.textContent).toBe(
      "The blocked resource or script belonged to a browser extension, not to your site. (extension)",
    );
  });

  test("shows a sparkline when the trend is known", () => {
    render(<GroupsTable {...base} onSort={vi.fn()} groups={[group()]} trends={new Map([[1, [1, 2, 3]]])} />);
    expect(
      screen.getByRole("img", { name: /Trend of https:\/\/cdn.example.com: 6 total, peak 3/ }),
    ).toBeTruthy();
  });

  test("no element carries an inline style attribute (CSP: style-src 'self')", () => {
    const { container } = render(
      <GroupsTable {...base} onSort={vi.fn()} groups={[group()]} trends={new Map([[1, [0, 4, 1]]])} />,
    );
    expect(container.querySelectorAll("[style]")).toHaveLength(0);
  });
});
