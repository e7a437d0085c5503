// @vitest-environment jsdom
// Bidi controls on the alerts pages (#11 item 10, #14): an alert's title quotes report data, a receiver writes the
// last error, an admin names channels, a user's email says who triaged. Each sits in an isolating element with
// its controls shown as code points.
import { afterEach, expect, test, vi } from "vitest";
import { cleanup, screen } from "@testing-library/react";
import type { ReactElement } from "react";
import { AlertsPage } from "../../web/src/pages/AlertsPage.tsx";
import { ChannelsPage } from "../../web/src/pages/ChannelsPage.tsx";
import { GroupTriage } from "../../web/src/components/GroupTriage.tsx";
import { mockApi, project, renderApp } from "./helpers.tsx";

afterEach(cleanup);

const CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c";
const hostile = (where: string) => `§${where}§${CONTROLS}gnp.exe`;

/** Every text node holding a marker is inside a [data-untrusted] element, and no raw control is rendered. */
function expectIsolated(root: HTMLElement, markers: string[]): void {
  for (const c of CONTROLS) expect(root.textContent).not.toContain(c);
  for (const m of markers) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let found = 0;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent?.includes(`§${m}§`)) continue;
      found++;
      expect(n.parentElement?.closest("[data-untrusted]"), `${m} is isolated`).not.toBeNull();
      expect(n.textContent).toContain("⟦U+202E⟧");
    }
    expect(found, `${m} is rendered`).toBeGreaterThan(0);
  }
}

const channel = {
  id: "c1",
  name: hostile("channel"),
  kind: "webhook" as const,
  url: hostile("url"),
  to: [],
  signed: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  rules: 1,
};

const api = mockApi({
  listAlertChannels: vi.fn(() => Promise.resolve([channel])),
  listAlertRules: vi.fn(() =>
    Promise.resolve([
      {
        id: "r1",
        projectId: "p1",
        kind: "new-group" as const,
        channels: ["c1"],
        minCount: 1,
        quietMinutes: 60,
        params: {},
        enabled: true,
        createdAt: "2026-01-01T00:00:00.000Z",
        updatedAt: "2026-01-01T00:00:00.000Z",
        lastFiredAt: null,
      },
    ]),
  ),
  alertDeliveries: vi.fn(() =>
    Promise.resolve([
      {
        id: "d1",
        eventId: "e1",
        ruleId: "r1",
        kind: "new-group" as const,
        title: `New violation: script-src-elem blocked ${hostile("title")}`,
        groupId: 1,
        channelId: "c1",
        channelName: hostile("dchannel"),
        channelKind: "webhook" as const,
        status: "failed" as const,
        attempts: 3,
        nextAttemptAt: null,
        lastError: hostile("error"),
        responseCode: 500,
        createdAt: "2026-01-01T00:00:00.000Z",
        deliveredAt: null,
      },
    ]),
  ),
  groupAlerts: vi.fn(() =>
    Promise.resolve({
      triage: {
        state: "muted" as const,
        by: hostile("by"),
        at: "2026-01-01T00:00:00.000Z",
        history: [
          { state: "muted" as const, by: hostile("hby"), at: "2026-01-01T00:00:00.000Z" },
          { state: "acknowledged" as const, by: hostile("hby"), at: "2026-01-01T00:00:00.000Z" },
        ],
      },
      events: [
        {
          id: "e1",
          ruleId: "r1",
          kind: "new-group" as const,
          title: hostile("etitle"),
          groupId: 1,
          createdAt: "2026-01-01T00:00:00.000Z",
          deliveries: [{ channelName: hostile("echannel"), status: "delivered" as const }],
        },
      ],
    }),
  ),
});

test.each<{ name: string; ui: () => ReactElement; ready: string; markers: string[] }>([
  {
    name: "AlertsPage: channel names, alert titles, delivery channels, last errors",
    ui: () => <AlertsPage />,
    ready: "Alert deliveries",
    markers: ["channel", "title", "dchannel", "error"],
  },
  {
    name: "ChannelsPage: names and destinations",
    ui: () => <ChannelsPage />,
    ready: "Alert channels",
    markers: ["channel", "url"],
  },
])("$name", async ({ ui, ready, markers }) => {
  const { container } = renderApp(ui(), api, { project });
  await screen.findByRole("table", { name: ready });
  await screen.findAllByText(/§channel§/);
  expectIsolated(container, markers);
});

test("GroupTriage: who triaged, alert titles, delivery channels", async () => {
  const { container } = renderApp(<GroupTriage groupId="1" />, api, { project });
  await screen.findByText("Triage history (2)");
  expectIsolated(container, ["by", "hby", "etitle", "echannel"]);
});
