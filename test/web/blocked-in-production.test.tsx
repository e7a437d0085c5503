// @vitest-environment jsdom
// The builder after enforcement: sources the enforced policy blocked on real pages are listed apart ("Blocked in
// production since vN"), with count, pages, first seen, samples and the risk spelled out; allowing one takes a
// confirmation that the team added it, never a routine accept.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { PolicyPage } from "../../web/src/pages/PolicyPage.tsx";
import { blockedStakes } from "../../web/src/components/BlockedDecisionCard.tsx";
import type { BuildRequest, BuildResultDto, DecisionDto } from "../../server/contract.ts";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const evidence = {
  count: 3,
  pages: ["https://shop.example.com/checkout", "https://shop.example.com/cart"],
  firstSeen: Date.parse("2026-01-05T08:00:00Z"),
  lastSeen: Date.parse("2026-01-06T09:00:00Z"),
  samples: [
    {
      sample: "",
      documentUrl: "https://shop.example.com/checkout",
      blockedUrl: "https://evil.example/skim.js",
      sourceFile: "",
      line: null,
    },
  ],
};

const RISK =
  "enforced v1 blocked https://evil.example on real pages; nobody has shown it is yours. Allowing it runs its code with your page's rights: injected scripts (XSS payloads, card skimmers, ad injectors from browser extensions) look exactly like this. Allow it only if your own team added it.";

const skimmer: DecisionDto = {
  id: "blocked script-src-elem add https://evil.example",
  kind: "blocked-in-production",
  directive: "script-src-elem",
  add: ["https://evil.example"],
  remove: [],
  reason:
    "blocked in production since v1: 3 blocked report(s) on 2 page(s); 3 reports loaded scripts from this origin.",
  risk: RISK,
  evidence,
  groupIds: [4],
  accepted: false,
  blockedSince: 1,
  blockedReports: 3,
};
const pixel: DecisionDto = {
  ...skimmer,
  id: "blocked img-src add https://pixel.example",
  directive: "img-src",
  add: ["https://pixel.example"],
  risk: "enforced v1 blocked https://pixel.example on real pages; nobody has shown it is yours. Allowing it lets page data be sent to that origin.",
};
const inline: DecisionDto = {
  ...skimmer,
  id: "decision unsafe-inline style-src",
  kind: "unsafe-keyword",
  directive: "style-src",
  add: ["'unsafe-inline'"],
  reason: "Inline styles were blocked on 3 pages.",
  risk: "Any injected <style> would apply.",
  evidence: { ...evidence, pages: ["https://shop.example.com/"], samples: [] },
  blockedSince: undefined,
  blockedReports: undefined,
};

function build(_id: string, req: BuildRequest): Promise<BuildResultDto> {
  const accepted = new Set(req.accepted ?? []);
  const decisions = [skimmer, pixel, inline].map((d) => ({ ...d, accepted: accepted.has(d.id) }));
  const script = accepted.has(skimmer.id) ? " https://evil.example" : "";
  const policy = `default-src 'self'; script-src-elem 'self'${script}`;
  return Promise.resolve({
    policy,
    base: "default-src 'self'; script-src-elem 'self'",
    baseVersion: 1,
    suggestions: [],
    suggestionCount: 0,
    offset: 0,
    limit: 1000,
    decisions,
    decisionCount: decisions.length,
    decisionOffset: 0,
    decisionLimit: 200,
    grade: "A",
    score: 95,
    findings: [],
    reasons: [],
    size: policy.length,
    warnings: [],
  });
}

function setup() {
  const api = mockApi({
    buildPolicy: vi.fn(build),
    previewPolicy: vi.fn(() => new Promise(() => undefined)),
  });
  renderApp(<PolicyPage />, api, { path: "/projects/p1/policy", project });
  return api;
}

const section = () =>
  screen.getByRole("heading", { name: "Blocked in production since v1 (2)" }).closest("section")!;

describe("PolicyPage: blocked in production", () => {
  test("listed apart from the risky choices, with count, pages, first seen, samples and the risk", async () => {
    setup();
    await screen.findByRole("heading", { name: "Blocked in production since v1 (2)" });
    const card = within(section()).getByRole("article", {
      name: "https://evil.example in script-src-elem, blocked in production",
    });
    expect(card.querySelector(".evidence")?.textContent).toMatch(
      /^3 blocked reports on 2 pages, first seen .+, last seen .+\. Still blocked: not in the candidate\.$/,
    );
    expect(card.querySelector(".risk")?.textContent).toBe(`Code execution risk: ${RISK}`);
    // Pages and samples are unfolded, not behind a click.
    expect((card.querySelector("details") as HTMLDetailsElement).open).toBe(true);
    expect(within(card).getByText("https://shop.example.com/cart")).toBeTruthy();
    expect(within(card).getByText("https://evil.example/skim.js")).toBeTruthy();
    // No routine accept here, and not among the risky choices.
    expect(within(section()).queryByRole("button", { name: /^Accept/ })).toBeNull();
    const risky = screen.getByRole("heading", { name: "Risky choices (1)" }).closest("section")!;
    expect(within(risky).queryByText(/evil\.example/)).toBeNull();
    // Outside script, object and frame sources: the risk as the server words it.
    const img = within(section()).getByRole("article", {
      name: "https://pixel.example in img-src, blocked in production",
    });
    expect(img.querySelector(".risk")?.textContent).toBe(`Risk: ${pixel.risk}`);
  });

  test("allowing one takes a confirmation that the team added it; keeping it blocked is the default", async () => {
    const api = setup();
    await screen.findByRole("heading", { name: "Blocked in production since v1 (2)" });
    const card = () =>
      within(section()).getByRole("article", {
        name: "https://evil.example in script-src-elem, blocked in production",
      });
    fireEvent.click(within(card()).getByRole("button", { name: "Allow anyway…" }));
    const dialog = screen.getByRole("dialog", { name: "Allow a source blocked in production?" });
    expect(dialog.textContent).toContain(
      "Enforced v1 blocked https://evil.example in script-src-elem 3 times on real pages.",
    );
    const allow = within(dialog).getByRole("button", {
      name: "Allow it in the candidate",
    }) as HTMLButtonElement;
    expect(allow.disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole("button", { name: "Keep it blocked" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(vi.mocked(api.buildPolicy).mock.calls.at(-1)![1]).toEqual({ accepted: [], rejected: [] });

    fireEvent.click(within(card()).getByRole("button", { name: "Allow anyway…" }));
    const again = screen.getByRole("dialog");
    fireEvent.click(within(again).getByLabelText("My team added this source on purpose; it is not injected"));
    fireEvent.click(within(again).getByRole("button", { name: "Allow it in the candidate" }));
    await waitFor(() =>
      expect(vi.mocked(api.buildPolicy).mock.calls.at(-1)![1]).toEqual({
        accepted: [skimmer.id],
        rejected: [],
      }),
    );
    await waitFor(() => expect(within(card()).getByText("Allowed by you: in the candidate.")).toBeTruthy());
    fireEvent.click(within(card()).getByRole("button", { name: "Keep it blocked" }));
    await waitFor(() =>
      expect(vi.mocked(api.buildPolicy).mock.calls.at(-1)![1]).toEqual({ accepted: [], rejected: [] }),
    );
  });
});

describe("blockedStakes", () => {
  test.each([
    { directive: "script-src", lead: "Code execution risk: " },
    { directive: "script-src-elem", lead: "Code execution risk: " },
    { directive: "script-src-attr", lead: "Code execution risk: " },
    { directive: "worker-src", lead: "Code execution risk: " },
    { directive: "object-src", lead: "Code execution risk: " },
    { directive: "frame-src", lead: "Framing risk: " },
    { directive: "child-src", lead: "Framing risk: " },
    { directive: "img-src", lead: "Risk: " },
    { directive: "connect-src", lead: "Risk: " },
  ])("$directive → $lead", ({ directive, lead }) => {
    expect(blockedStakes(directive)).toBe(lead);
  });
});
