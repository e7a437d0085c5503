// @vitest-environment jsdom
// Policy builder interactions against a mocked client: accept / reject / ignore rebuild the candidate; risky
// choices need an explicit confirmation; grade, size and impact follow the candidate; save creates a draft.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { PolicyPage } from "../../web/src/pages/PolicyPage.tsx";
import type { BuildRequest, BuildResultDto, DecisionDto, SuggestionDto } from "../../server/contract.ts";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const evidence = {
  count: 42,
  pages: ["https://shop.example.com/", "https://shop.example.com/cart"],
  firstSeen: Date.parse("2026-01-01T00:00:00Z"),
  lastSeen: Date.parse("2026-01-02T00:00:00Z"),
  samples: [
    {
      sample: "<script>alert(1)</script>",
      documentUrl: "https://shop.example.com/",
      blockedUrl: "https://cdn.example.com/a.js",
      sourceFile: "",
      line: null,
    },
  ],
};

const cdn: SuggestionDto = {
  id: "script-src add https://cdn.example.com",
  directive: "script-src",
  source: "https://cdn.example.com",
  action: "add",
  reason: "42 reports from 2 pages loaded scripts from this origin.",
  evidence,
  groupIds: [1],
  applied: true,
};
const fonts: SuggestionDto = {
  ...cdn,
  id: "font-src add https://fonts.example.net",
  directive: "font-src",
  source: "https://fonts.example.net",
  reason: "1 report.",
  evidence: { ...evidence, count: 1, pages: ["https://shop.example.com/"] },
  applied: false,
};
const inline: DecisionDto = {
  id: "decision unsafe-inline style-src",
  kind: "unsafe-keyword",
  directive: "style-src",
  add: ["'unsafe-inline'"],
  remove: [],
  reason: "Inline styles were blocked on 3 pages.",
  risk: "Any injected <style> or style attribute would apply: CSS injection becomes possible.",
  evidence,
  groupIds: [2],
  accepted: false,
};

/** A fake builder: the candidate includes applied/accepted sources; grade drops when unsafe-inline is in. */
function fakeBuild(_id: string, req: BuildRequest): Promise<BuildResultDto> {
  const accepted = new Set(req.accepted ?? []);
  const rejected = new Set(req.rejected ?? []);
  const suggestions = [cdn, fonts].map((s) => ({
    ...s,
    applied: !rejected.has(s.id) && (s.applied || accepted.has(s.id)),
  }));
  const decisions = [{ ...inline, accepted: accepted.has(inline.id) }];
  const script = [
    "'self'",
    ...suggestions.filter((s) => s.applied && s.directive === "script-src").map((s) => s.source),
  ];
  const font = suggestions.filter((s) => s.applied && s.directive === "font-src").map((s) => s.source);
  const parts = [`default-src 'self'`, `script-src ${script.join(" ")}`];
  if (font.length) parts.push(`font-src ${font.join(" ")}`);
  if (decisions[0]!.accepted) parts.push("style-src 'self' 'unsafe-inline'");
  const policy = parts.join("; ");
  return Promise.resolve({
    policy,
    base: "default-src 'self'; script-src 'self' https://old.example.com",
    baseVersion: 2,
    suggestions,
    suggestionCount: suggestions.length,
    offset: 0,
    limit: 1000,
    decisions,
    decisionCount: decisions.length,
    decisionOffset: 0,
    decisionLimit: 200,
    grade: decisions[0]!.accepted ? "C" : "A",
    score: decisions[0]!.accepted ? 72 : 95,
    findings: decisions[0]!.accepted
      ? [
          {
            severity: "high",
            directive: "style-src",
            value: "'unsafe-inline'",
            message: "unsafe-inline allows injected styles",
            check: "STYLE_UNSAFE_INLINE",
            origin: "cinch",
            points: 23,
          },
        ]
      : [],
    reasons: [],
    size: policy.length,
    warnings: [],
    breakdown: {
      start: 100,
      deductions: [],
      caps: [{ label: "allowlist advice", max: 10, asked: 15, counted: 10 }],
      lost: 5,
      score: 95,
      grade: "A",
      thresholds: [
        { grade: "A", min: 90 },
        { grade: "B", min: 80 },
      ],
      summary: "100 − 5 (allowlist advice, capped) = 95 → A",
    },
  });
}

function setup(path = "/projects/p1/policy") {
  const api = mockApi({
    buildPolicy: vi.fn(fakeBuild),
    previewPolicy: vi.fn((_id: string, policy: string) =>
      Promise.resolve({
        total: { groups: 10, reports: 500, recentReports: 50 },
        blocked: policy.includes("cdn.example.com")
          ? { groups: 1, reports: 7, recentReports: 1 }
          : { groups: 3, reports: 1234, recentReports: 9 },
        conditional: { groups: 0, reports: 0, recentReports: 0 },
        blockedGroups: [
          {
            id: 9,
            directive: "img-src",
            blocked: "https://pixel.example",
            count: 7,
            recentCount: 1,
            governing: "img-src",
            pages: [],
          },
        ],
        conditionalGroups: [],
        summary: "",
      }),
    ),
    updateProject: vi.fn(() => Promise.resolve(project)),
    createVersion: vi.fn(() => Promise.resolve({ version: 3, policy: "x", state: "draft" })),
  });
  renderApp(<PolicyPage />, api, { path, project });
  return api;
}

const lastBuild = (api: ReturnType<typeof setup>) => vi.mocked(api.buildPolicy).mock.calls.at(-1)![1];

describe("PolicyPage", () => {
  test("shows current vs candidate, suggestions with evidence, grade and impact", async () => {
    const api = setup();
    expect(screen.getByText("Building a policy from your reports…")).toBeTruthy();
    const candidate = await screen.findByRole("list", { name: "Candidate policy" });
    expect(within(candidate).getByText("https://cdn.example.com").tagName).toBe("INS");
    const current = screen.getByRole("list", { name: "Current policy" });
    expect(within(current).getByText("https://old.example.com").tagName).toBe("DEL");
    expect(screen.getByText("Current: version 2")).toBeTruthy();
    expect(screen.getByLabelText("Grade A")).toBeTruthy();
    expect(await screen.findByText("Enforcing this would block 1 group / 7 reports.")).toBeTruthy();
    const card = screen.getByRole("article", { name: "add script-src https://cdn.example.com" });
    // one status per suggestion, saying why (the fixture project's threshold is 2)
    expect(within(card).getByText("Included: 42 reports ≥ threshold 2")).toBeTruthy();
    expect(within(card).getByText(/Evidence: 42 reports · 2 pages/)).toBeTruthy();
    // samples are text, not markup
    expect(within(card).getByText(/<script>alert\(1\)<\/script>/)).toBeTruthy();
    expect(document.querySelector("script")).toBeNull();
    expect(lastBuild(api)).toEqual({ accepted: [], rejected: [] });
  });

  test("reject and accept rebuild with the suggestion ids; the impact follows the candidate", async () => {
    const api = setup();
    const card = await screen.findByRole("article", { name: "add script-src https://cdn.example.com" });
    fireEvent.click(within(card).getByRole("button", { name: "Reject" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [], rejected: [cdn.id] }));
    expect(within(card).getByRole("button", { name: "Reject" }).getAttribute("aria-pressed")).toBe("true");
    expect(await screen.findByText("Enforcing this would block 3 groups / 1,234 reports.")).toBeTruthy();

    const fontCard = screen.getByRole("article", { name: "add font-src https://fonts.example.net" });
    expect(within(fontCard).getByText("Left out: 1 report < threshold 2")).toBeTruthy();
    fireEvent.click(within(fontCard).getByRole("button", { name: "Accept" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [cdn.id] }));
    await waitFor(() =>
      expect(
        within(screen.getByRole("list", { name: "Candidate policy" })).getByText("https://fonts.example.net"),
      ).toBeTruthy(),
    );
    // pressing an active choice again returns to the default
    fireEvent.click(within(card).getByRole("button", { name: "Reject" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [] }));

    fireEvent.click(screen.getByRole("button", { name: "Reset choices" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [], rejected: [] }));
  });

  test("an unsafe keyword is accepted only after confirming the risk", async () => {
    const api = setup();
    const card = await screen.findByRole("article", { name: "allow 'unsafe-inline' in style-src" });
    fireEvent.click(within(card).getByRole("button", { name: "Accept…" }));
    const dialog = screen.getByRole("dialog", { name: "Accept Unsafe keyword?" });
    expect(within(dialog).getByText(/CSS injection becomes possible/)).toBeTruthy();
    const confirm = within(dialog).getByRole("button", { name: "Accept the risk" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    // Escape cancels without a rebuild
    const calls = vi.mocked(api.buildPolicy).mock.calls.length;
    fireEvent.keyDown(document, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    fireEvent.click(within(card).getByRole("button", { name: "Accept…" }));
    const again = screen.getByRole("dialog");
    fireEvent.click(within(again).getByLabelText(/I understand the risk/));
    fireEvent.click(within(again).getByRole("button", { name: "Accept the risk" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [inline.id], rejected: [] }));
    expect(vi.mocked(api.buildPolicy).mock.calls.length).toBe(calls + 1);
    expect(await screen.findByLabelText("Grade C")).toBeTruthy();
    expect(screen.getByText("unsafe-inline allows injected styles")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Undo acceptance" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [], rejected: [] }));
  });

  test("ignore adds the host to the ignore rules and leaves the suggestion out", async () => {
    const api = setup();
    const card = await screen.findByRole("article", { name: "add font-src https://fonts.example.net" });
    fireEvent.click(within(card).getByRole("button", { name: "Ignore" }));
    const dialog = screen.getByRole("dialog", { name: "Ignore fonts.example.net?" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Ignore host" }));
    await waitFor(() =>
      expect(api.updateProject).toHaveBeenCalledWith("p1", {
        settings: { ignoreRules: { hosts: ["fonts.example.net"] } },
      }),
    );
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [], rejected: [fonts.id] }));
    expect(screen.getByText(/Future reports from fonts.example.net are stored as noise/)).toBeTruthy();
  });

  test("save stores the candidate as a draft version and opens the versions page", async () => {
    const api = setup();
    await screen.findByRole("list", { name: "Candidate policy" });
    fireEvent.click(screen.getByRole("button", { name: "Save as draft version" }));
    await waitFor(() => expect(api.createVersion).toHaveBeenCalled());
    const [, policy, notes] = vi.mocked(api.createVersion).mock.calls[0]!;
    expect(policy).toBe("default-src 'self'; script-src 'self' https://cdn.example.com");
    expect(notes).toMatchObject({ source: "builder", baseVersion: 2 });
    await waitFor(() =>
      expect(window.location.pathname + window.location.search).toBe("/projects/p1/versions?created=3"),
    );
  });

  test("a failing build shows the server's message with a retry", async () => {
    const api = mockApi({
      buildPolicy: vi.fn(() => Promise.reject(new Error("policy engine unavailable"))),
    });
    renderApp(<PolicyPage />, api, { project });
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("policy engine unavailable")).toBeTruthy();
    vi.mocked(api.buildPolicy).mockImplementation(fakeBuild);
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("list", { name: "Candidate policy" })).toBeTruthy();
  });

  test("a paged answer says how many suggestions there are and that the candidate has them all", async () => {
    const api = mockApi({
      buildPolicy: vi.fn(async (id: string, req: BuildRequest) => ({
        ...(await fakeBuild(id, req)),
        suggestionCount: 2500,
      })),
    });
    renderApp(<PolicyPage />, api, { project });
    expect(await screen.findByRole("heading", { name: "Suggestions (2,500)" })).toBeTruthy();
    expect(screen.getByText(/Showing the first \d+ suggestions; the candidate policy includes/)).toBeTruthy();
  });

  test("a paged answer says how many risky choices there are and that the others are not in the candidate", async () => {
    const api = mockApi({
      buildPolicy: vi.fn(async (id: string, req: BuildRequest) => {
        const r = await fakeBuild(id, req);
        return { ...r, decisionCount: r.decisions.length + 2_400 };
      }),
    });
    renderApp(<PolicyPage />, api, { project });
    const heading = await screen.findByRole("heading", { name: /^Risky choices/ });
    expect(heading.textContent).toMatch(/\(2,40\d\)/);
    expect(
      screen.getByText(/^Showing the first \d+; none of the others is in the candidate\.$/),
    ).toBeTruthy();
  });

  test("only the buttons that change something are offered, each saying what it does", async () => {
    setup();
    const card = await screen.findByRole("article", { name: "add script-src https://cdn.example.com" });
    // included by its evidence: Accept would change nothing
    expect(within(card).queryByRole("button", { name: "Accept" })).toBeNull();
    const reject = within(card).getByRole("button", { name: "Reject" });
    expect(reject.getAttribute("title")).toBe("Leave it out of the candidate even with enough evidence");
    expect(within(card).getByRole("button", { name: "Ignore" }).getAttribute("title")).toMatch(/noise/);
    const fontCard = screen.getByRole("article", { name: "add font-src https://fonts.example.net" });
    // left out by the threshold: Reject would change nothing
    expect(within(fontCard).queryByRole("button", { name: "Reject" })).toBeNull();
    const accept = within(fontCard).getByRole("button", { name: "Accept" });
    expect(document.getElementById(accept.getAttribute("aria-describedby")!)?.textContent).toBe(
      "Include it in the candidate even below the evidence threshold",
    );
    fireEvent.click(reject);
    // once chosen: the pressed button alone, and the status says who decided
    await waitFor(() => expect(within(card).getByText("Left out: you rejected it")).toBeTruthy());
    expect(
      within(card)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual([expect.stringMatching(/^Reject/) as string]);
  });

  test("choices live in the URL: they survive a reload (and a visit to an evidence link and back)", async () => {
    const api = setup();
    const card = await screen.findByRole("article", { name: "add script-src https://cdn.example.com" });
    fireEvent.click(within(card).getByRole("button", { name: "Reject" }));
    const fontCard = screen.getByRole("article", { name: "add font-src https://fonts.example.net" });
    fireEvent.click(within(fontCard).getByRole("button", { name: "Accept" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [cdn.id] }));
    const url = `${window.location.pathname}${window.location.search}`;
    expect(new URLSearchParams(window.location.search).get("reject")).toBe(cdn.id);
    expect(new URLSearchParams(window.location.search).get("accept")).toBe(fonts.id);
    cleanup();
    // a fresh page at the same address builds with the same choices at once
    const again = setup(url);
    await waitFor(() => expect(vi.mocked(again.buildPolicy).mock.calls[0]![1]).toEqual(lastBuild(api)));
    const card2 = await screen.findByRole("article", { name: "add script-src https://cdn.example.com" });
    expect(within(card2).getByRole("button", { name: "Reject" }).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("button", { name: "Reset choices" }));
    await waitFor(() => expect(window.location.search).toBe(""));
  });

  test("bulk choices apply to every suggestion of a directive or of an origin", async () => {
    const api = setup();
    await screen.findByRole("article", { name: "add script-src https://cdn.example.com" });
    const bulk = screen.getByRole("group", { name: "Choose for many suggestions at once" });
    const scope = within(bulk).getByLabelText("All suggestions in") as HTMLSelectElement;
    expect([...scope.options].map((o) => o.textContent)).toEqual([
      "Directive script-src (1)",
      "Directive font-src (1)",
    ]);
    fireEvent.change(scope, { target: { value: "d:font-src" } });
    fireEvent.click(within(bulk).getByRole("button", { name: "Accept all" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [] }));
    expect(within(bulk).getByRole("status").textContent).toBe(
      "Included: 1 suggestion in Directive font-src (1).",
    );
    fireEvent.change(scope, { target: { value: "d:script-src" } });
    fireEvent.click(within(bulk).getByRole("button", { name: "Reject all" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [cdn.id] }));
    fireEvent.click(within(bulk).getByRole("button", { name: "Clear choices" }));
    await waitFor(() => expect(lastBuild(api)).toEqual({ accepted: [fonts.id], rejected: [] }));
  });

  test("the score shows what it is made of", async () => {
    setup();
    const grade = await screen
      .findByRole("region", { name: "Grade" })
      .catch(() => screen.findByLabelText("Grade A"));
    const card = grade.closest("section")!;
    expect(within(card).getByText("How the score is made")).toBeTruthy();
    expect(within(card).getByText("100 − 5 (allowlist advice, capped) = 95 → A")).toBeTruthy();
    expect(within(card).getByText("allowlist advice: 15 points asked, 10 counted (at most 10)")).toBeTruthy();
    expect(within(card).getByText("Grades: A from 90, B from 80.")).toBeTruthy();
  });
});
