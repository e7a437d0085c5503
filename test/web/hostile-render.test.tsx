// @vitest-environment jsdom
// Bidi controls in report data (#11 item 10): every attacker-chosen value the dashboard renders sits inside an
// isolating element, and its controls are shown as code points, so Cinch's own sentences keep their order.
import { afterEach, describe, expect, test, vi } from "vitest";
import { cleanup, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { Evidence } from "../../web/src/components/Evidence.tsx";
import { SuggestionCard } from "../../web/src/components/SuggestionCard.tsx";
import { DecisionCard } from "../../web/src/components/DecisionCard.tsx";
import { GroupsTable } from "../../web/src/components/GroupsTable.tsx";
import { ImpactCard } from "../../web/src/components/ImpactCard.tsx";
import { PolicyDiff } from "../../web/src/components/PolicyDiff.tsx";
import { CodeBlock } from "../../web/src/components/CodeBlock.tsx";
import { RolloutStatus } from "../../web/src/components/RolloutStatus.tsx";
import { DeployHeaders } from "../../web/src/components/DeployHeaders.tsx";
import { showBidiControls } from "../../web/src/components/Untrusted.tsx";
import { SampleCard, TopValues } from "../../web/src/pages/GroupPage.tsx";
import { StackedChart } from "../../web/src/components/StackedChart.tsx";
import { ScriptsTable } from "../../web/src/pages/scripts/ScriptsTable.tsx";
import { ScriptDetail } from "../../web/src/pages/scripts/ScriptPage.tsx";
import { SriHelperView } from "../../web/src/pages/scripts/SriHelper.tsx";
import { ScriptPatternsView } from "../../web/src/pages/scripts/ScriptPatterns.tsx";
import type { ScriptDto } from "../../server/contract.ts";
import type { EvidenceDto } from "../../server/contract.ts";
import { useTitle } from "../../web/src/hooks/useTitle.ts";
import { group } from "./helpers.tsx";

afterEach(cleanup);

// One of each control the issue lists, each in a value that names where it was put.
const CONTROLS = [
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
];
const hostile = (where: string) => `§${where}§${CONTROLS.join("")}gnp.exe`;
const shown = (where: string) => showBidiControls(hostile(where));

const evidence: EvidenceDto = {
  count: 3,
  pages: [hostile("page")],
  firstSeen: 1,
  lastSeen: 2,
  samples: [
    {
      sample: hostile("sample"),
      documentUrl: hostile("document"),
      blockedUrl: hostile("blocked"),
      sourceFile: hostile("source"),
      line: 3,
    },
  ],
};

/** Every text node holding a marker is inside a [data-untrusted] element, and no raw control is rendered. */
function expectIsolated(root: HTMLElement, markers: string[]): void {
  const text = root.textContent ?? "";
  for (const c of CONTROLS) expect(text).not.toContain(c);
  for (const m of markers) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let found = 0;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent?.includes(`§${m}§`)) continue;
      found++;
      const holder = n.parentElement?.closest("[data-untrusted]");
      expect(holder, `${m} is isolated`).not.toBeNull();
      expect(holder?.tagName === "BDI" || holder?.getAttribute("data-untrusted") === "").toBe(true);
    }
    expect(found, `${m} is rendered`).toBeGreaterThan(0);
  }
}

const suggestion = {
  id: "s1",
  directive: hostile("directive"),
  source: hostile("suggested"),
  action: "add" as const,
  reason: `reported by ${hostile("reason")} on 3 pages`,
  evidence,
  groupIds: [1],
  applied: false,
};

const decision = {
  id: "d1",
  kind: "unsafe-keyword" as const,
  directive: hostile("ddirective"),
  add: [hostile("added")],
  remove: [],
  reason: `inline code on ${hostile("dreason")}`,
  risk: `allows ${hostile("risk")}`,
  evidence,
  groupIds: [1],
  accepted: false,
};

const cases: { name: string; ui: () => ReactElement; markers: string[] }[] = [
  {
    name: "Evidence: pages, samples, blocked URLs, source files, documents",
    ui: () => <Evidence evidence={evidence} />,
    markers: ["page", "sample", "document", "blocked", "source"],
  },
  {
    name: "SuggestionCard: source, directive, the builder's reason",
    ui: () => <SuggestionCard s={suggestion} choice={undefined} onChoose={vi.fn()} onIgnore={vi.fn()} />,
    markers: ["suggested", "directive", "reason", "page", "sample"],
  },
  {
    name: "DecisionCard: title, directive, reason",
    ui: () => <DecisionCard d={decision} onChange={vi.fn()} />,
    markers: ["added", "ddirective", "dreason"],
  },
  {
    name: "GroupsTable: directive, blocked, page",
    ui: () => (
      <GroupsTable
        projectId="p1"
        sort="count"
        order="desc"
        caption="Groups"
        now={Date.now()}
        onSort={vi.fn()}
        groups={[
          group({
            directive: hostile("gdirective"),
            blocked: hostile("gblocked"),
            pages: [hostile("gpage")],
          }),
        ]}
      />
    ),
    markers: ["gdirective", "gblocked", "gpage"],
  },
  {
    name: "GroupsTable: browsers (compact cell and its full list)",
    ui: () => (
      <GroupsTable
        projectId="p1"
        sort="count"
        order="desc"
        caption="Groups"
        now={Date.now()}
        onSort={vi.fn()}
        groups={[group({ browsers: [hostile("gbrowser")] })]}
      />
    ),
    markers: ["gbrowser"],
  },
  {
    name: "StackedChart: directive names in the legend and the table",
    ui: () => (
      <StackedChart
        points={[
          { hour: new Date(Date.now() - 3_600_000).toISOString(), directive: hostile("cdir"), count: 2 },
        ]}
        since={Date.now() - 86_400_000}
        until={Date.now()}
        onSelectDirective={vi.fn()}
      />
    ),
    markers: ["cdir"],
  },
  {
    name: "TopValues: pages and browsers with counts (#16)",
    ui: () => (
      <>
        <TopValues
          title="Top pages"
          noun="page"
          mono
          b={{
            dimension: "page",
            rows: [{ value: hostile("tpage"), count: 3, share: 0.75 }],
            other: { count: 1, share: 0.25 },
            counted: 4,
            uncounted: 0,
            listed: [hostile("tlisted")],
            since: "2026-01-01T00:00:00Z",
            until: "2026-01-02T00:00:00Z",
          }}
        />
        <TopValues
          title="Top browsers"
          noun="browser"
          b={{
            dimension: "browser",
            rows: [{ value: hostile("tbrowser"), count: 3, share: 1 }],
            other: { count: 0, share: 0 },
            counted: 3,
            uncounted: 0,
            listed: [],
            since: "2026-01-01T00:00:00Z",
            until: "2026-01-02T00:00:00Z",
          }}
        />
      </>
    ),
    markers: ["tpage", "tlisted", "tbrowser"],
  },
  {
    name: "ImpactCard: directive and blocked value of each blocked group",
    ui: () => (
      <ImpactCard
        projectId="p1"
        error={null}
        retry={vi.fn()}
        preview={{
          total: { groups: 1, reports: 1, recentReports: 1 },
          blocked: { groups: 1, reports: 1, recentReports: 1 },
          conditional: { groups: 0, reports: 0, recentReports: 0 },
          blockedGroups: [
            {
              id: 1,
              directive: hostile("idirective"),
              blocked: hostile("iblocked"),
              count: 1,
              recentCount: 1,
              governing: null,
              pages: [],
            },
          ],
          conditionalGroups: [],
          byDirective: [],
          bySource: [],
          byPage: [],
          counts: { blockedGroups: 1, conditionalGroups: 0, byDirective: 0, bySource: 0, byPage: 0 },
          summary: "",
          limit: 500,
        }}
      />
    ),
    markers: ["idirective", "iblocked"],
  },
  {
    name: "PolicyDiff: directive names and values, added and kept",
    ui: () => (
      <PolicyDiff
        current={`img-src ${hostile("kept")}`}
        candidate={`img-src ${hostile("kept")} ${hostile("new")}; ${hostile("name")}`}
        currentLabel="Current"
      />
    ),
    markers: ["kept", "new", "name"],
  },
  {
    name: "DecisionCard, blocked in production: source, directive, risk, pages and samples",
    ui: () => (
      <DecisionCard
        d={{
          ...decision,
          kind: "blocked-in-production",
          add: [hostile("bsource")],
          directive: hostile("bdirective"),
          risk: `enforced v1 blocked ${hostile("brisk")}`,
          blockedSince: 1,
          blockedReports: 3,
        }}
        onChange={vi.fn()}
      />
    ),
    markers: ["bsource", "bdirective", "brisk", "page", "sample", "blocked"],
  },
  {
    name: "RolloutStatus: new groups, the checklist's sentences, failed hashes",
    ui: () => (
      <RolloutStatus
        projectId="p1"
        status={{
          version: 2,
          state: "report-only",
          reportOnlySince: 1,
          ranMs: 60_000,
          reports: 3,
          pages: 1,
          comparedWith: 1,
          newGroups: [{ id: 1, directive: hostile("rdirective"), blocked: hostile("rblocked"), count: 3 }],
          hashes: { verified: [], failed: [hostile("rhash")], pending: [] },
          checklist: [{ id: "new-groups", ok: false, text: `enforcing would block ${hostile("rcheck")}` }],
          ready: false,
        }}
      />
    ),
    markers: ["rdirective", "rblocked", "rhash", "rcheck"],
  },
  {
    name: "DeployHeaders: the header lines to deploy",
    ui: () => (
      <DeployHeaders title="Deploy" text={`Content-Security-Policy: img-src ${hostile("deploy")}\n`} />
    ),
    markers: ["deploy"],
  },
  {
    name: "CodeBlock: policy text",
    ui: () => <CodeBlock label="Policy" text={`script-src ${hostile("code")}`} />,
    markers: ["code"],
  },
  {
    name: "SampleCard: every field of a stored sample",
    ui: () => (
      <SampleCard
        index={0}
        sample={{
          receivedAt: "2026-01-01T00:00:00Z",
          documentUrl: hostile("sdocument"),
          blockedUrl: hostile("sblocked"),
          sourceFile: hostile("ssource"),
          line: 1,
          column: 2,
          sample: hostile("ssample"),
          statusCode: 200,
          browser: hostile("sbrowser"),
          disposition: "report",
          policyVersion: null,
          env: hostile("senv"),
        }}
      />
    ),
    markers: ["sdocument", "sblocked", "ssource", "ssample", "sbrowser", "senv"],
  },
];

// A script as the inventory holds it: every value came from a csp-hash or integrity-violation report (#18).
const hostileScript: ScriptDto = {
  id: 1,
  url: hostile("surl"),
  origin: hostile("sorigin"),
  status: "new",
  firstSeen: "2026-01-01T00:00:00Z",
  lastSeen: "2026-01-02T00:00:00Z",
  pages: [hostile("spage")],
  hashes: [{ hash: hostile("shash"), firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-02T00:00:00Z" }],
  hashable: true,
  sri: false,
  onPaymentPage: false,
  pattern: hostile("spattern"),
};

cases.push(
  {
    name: "ScriptsTable: script URL, origin, hash",
    ui: () => <ScriptsTable projectId="p1" now={Date.now()} scripts={[hostileScript]} />,
    markers: ["surl", "sorigin", "shash"],
  },
  {
    name: "ScriptDetail: URL, origin, pattern, hashes, pages, SRI tag, advice, review, change log",
    ui: () => (
      <ScriptDetail
        projectId="p1"
        script={{
          ...hostileScript,
          pageDetails: [
            {
              url: hostile("spage"),
              firstSeen: "2026-01-01T00:00:00Z",
              lastSeen: "2026-01-01T00:00:00Z",
              payment: true,
            },
          ],
          review: {
            status: "authorized",
            justification: hostile("sjustification"),
            by: hostile("sby"),
            at: "2026-01-01T00:00:00Z",
          },
          events: [
            {
              id: 1,
              scriptId: 1,
              url: hostile("seventurl"),
              kind: "script-changed",
              at: "2026-01-01T00:00:00Z",
              detail: hostile("sdetail"),
              actor: hostile("sactor"),
            },
          ],
          sriTag: `<script src="${hostile("stag")}" integrity="sha384-x" crossorigin="anonymous"></script>`,
          advice: `add crossorigin to ${hostile("sadvice")}`,
          hourly: [],
        }}
      />
    ),
    markers: [
      "sorigin",
      "spattern",
      "shash",
      "spage",
      "stag",
      "sadvice",
      "sjustification",
      "sby",
      "sdetail",
      "sactor",
    ],
  },
  {
    name: "SriHelperView: tags and the scripts still without SRI",
    ui: () => (
      <SriHelperView
        projectId="p1"
        sri={{
          tags: [
            { scriptId: 1, url: hostile("sriurl"), tag: `<script src="${hostile("sritag")}"></script>` },
          ],
          missing: [
            { scriptId: 2, url: hostile("srimissing"), reason: `no CORS on ${hostile("srireason")}` },
          ],
        }}
      />
    ),
    markers: ["sritag", "srimissing", "srireason"],
  },
  {
    name: "ScriptPatternsView: suggested patterns, their examples, accepted patterns and who accepted them",
    ui: () => (
      <ScriptPatternsView
        busy={false}
        onAccept={vi.fn()}
        onRemove={vi.fn()}
        data={{
          suggestions: [{ pattern: hostile("psuggested"), examples: [hostile("pexample")] }],
          patterns: [
            {
              id: 1,
              pattern: hostile("paccepted"),
              float: false,
              acceptedBy: hostile("pby"),
              acceptedAt: "2026-01-01T00:00:00Z",
            },
          ],
        }}
      />
    ),
    markers: ["psuggested", "pexample", "paccepted", "pby"],
  },
);

describe("hostile values are isolated", () => {
  test.each(cases)("$name", ({ ui, markers }) => {
    const { container } = render(ui());
    expectIsolated(container, markers);
  });

  test("the document title shows a blocked URL's controls as code points", () => {
    function Titled() {
      useTitle(hostile("title"), "shop");
      return null;
    }
    render(<Titled />);
    expect(document.title).toBe(`${shown("title")} · shop · Cinch`);
  });

  test("a control is shown as its code point, not obeyed", () => {
    expect(shown("x")).toBe(
      "§x§⟦U+202A⟧⟦U+202B⟧⟦U+202C⟧⟦U+202D⟧⟦U+202E⟧⟦U+2066⟧⟦U+2067⟧⟦U+2068⟧⟦U+2069⟧⟦U+200E⟧⟦U+200F⟧⟦U+061C⟧gnp.exe",
    );
  });

  test("a policy in a code block shows its controls as code points", () => {
    const text = `script-src ${hostile("copy")}`;
    const { container } = render(<CodeBlock label="Policy" text={text} />);
    expect(container.querySelector("code")?.textContent).toBe(showBidiControls(text));
  });
});
