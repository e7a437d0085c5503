// Helpers for dashboard component tests: a mock API client, fixtures, and rendering inside the app's contexts.
import { render } from "@testing-library/react";
import { vi } from "vitest";
import type { ReactElement } from "react";
import type { GroupDto, PolicyVersionDto, ProjectDto } from "../../server/contract.ts";
import type { ApiClient } from "../../web/src/api/client.ts";
import { ApiContext } from "../../web/src/hooks/api.tsx";
import { ProjectContext } from "../../web/src/hooks/project.tsx";

export type MockApi = {
  [K in keyof ApiClient]: ApiClient[K] extends (...a: infer A) => infer R
    ? ReturnType<typeof vi.fn<(...a: A) => R>>
    : ApiClient[K];
};

/** A client whose every method is a vi.fn that rejects until a test gives it a value. */
export function mockApi(overrides: Partial<Record<keyof ApiClient, unknown>> = {}): MockApi & ApiClient {
  const methods = [
    "getSession",
    "signIn",
    "signOut",
    "revokeAllSessions",
    "setupStatus",
    "setup",
    "listTokens",
    "createToken",
    "deleteToken",
    "listProjects",
    "createProject",
    "getProject",
    "updateProject",
    "deleteProject",
    "rotateReportKey",
    "violations",
    "series",
    "group",
    "stats",
    "summary",
    "filterValues",
    "sendTestReport",
    "tail",
    "buildPolicy",
    "previewPolicy",
    "listVersions",
    "createVersion",
    "setVersionState",
    "compareVersions",
    "exportPolicy",
    "policyKey",
    "rotatePolicyKey",
    "policyRollout",
    "listAlertChannels",
    "createAlertChannel",
    "deleteAlertChannel",
    "testAlertChannel",
    "listAlertRules",
    "createAlertRule",
    "updateAlertRule",
    "deleteAlertRule",
    "previewAlertRule",
    "alertDeliveries",
    "groupAlerts",
    "triageGroup",
    "listScripts",
    "getScript",
    "reviewScript",
    "scriptEvents",
    "scriptSri",
    "exportScripts",
    "scriptPatterns",
    "acceptScriptPattern",
    "deleteScriptPattern",
  ] as const;
  const api: Record<string, unknown> = { csrfToken: "t", onUnauthorized: null };
  for (const m of methods) api[m] = vi.fn(() => Promise.reject(new Error(`${m} not mocked`)));
  api.tail = vi.fn(() => () => undefined);
  Object.assign(api, overrides);
  return api as unknown as MockApi & ApiClient;
}

export const project: ProjectDto = {
  id: "p1",
  name: "Shop",
  reportKey: "k1",
  reportUri: "https://cinch.test/r/k1",
  reportingEndpoints: 'cinch="https://cinch.test/r/k1"',
  reportOnlyPolicy: "default-src 'self'; report-uri https://cinch.test/r/k1; report-to cinch",
  install: {
    reportUri: "https://cinch.test/r/k1",
    reportingEndpoints: 'cinch="https://cinch.test/r/k1"',
    reportOnlyPolicy: "default-src 'self'; report-uri https://cinch.test/r/k1; report-to cinch",
    headers: [
      "Content-Security-Policy-Report-Only: default-src 'self'; report-uri https://cinch.test/r/k1; report-to cinch",
      'Reporting-Endpoints: cinch="https://cinch.test/r/k1"',
    ],
    notes: ["report-to needs HTTPS on both the page and the endpoint; report-uri is the fallback."],
  },
  settings: {
    ignoreRules: { hosts: [], schemes: [], sampleContains: [] },
    sampleRate: 1,
    dailyCap: 1_000_000,
    allowedOrigins: [],
    evidenceThreshold: 2,
    reportScriptHashes: false,
    paymentPages: [],
    scriptGoneDays: 30,
  },
  builtin: false,
  createdAt: "2026-01-01T00:00:00.000Z",
  counts: {
    last24h: 1234,
    last7d: 56789,
    hourly: Array.from({ length: 168 }, (_, i) => i % 5),
    noise24h: 40,
    label: "Violations (noise excluded) in the last 24 hours",
  },
};

export function group(over: Partial<GroupDto> = {}): GroupDto {
  return {
    id: 1,
    directive: "script-src-elem",
    blocked: "https://cdn.example.com",
    count: 1200,
    total: 5000,
    firstSeen: "2026-01-01T00:00:00.000Z",
    lastSeen: "2026-01-02T00:00:00.000Z",
    noise: null,
    pages: ["https://shop.example.com/", "https://shop.example.com/cart"],
    browsers: ["Chrome 120", "Firefox 121"],
    ...over,
  };
}

/** A policy version as the API answers it, served as written (the fixtures have no report URL to tag). */
export function policyVersion(
  v: Pick<PolicyVersionDto, "version" | "policy" | "state" | "createdAt">,
): PolicyVersionDto {
  return { ...v, servedPolicy: v.policy, notes: {}, updatedAt: v.createdAt };
}

/** Render inside ApiContext (and ProjectContext when a project is given) at `path`. */
export function renderApp(
  ui: ReactElement,
  api: ApiClient,
  opts: { path?: string; project?: ProjectDto } = {},
) {
  window.history.replaceState(null, "", opts.path ?? "/");
  const p = opts.project;
  return render(
    <ApiContext.Provider value={api}>
      {p ? (
        <ProjectContext.Provider value={{ project: p, setProject: vi.fn(), reload: vi.fn() }}>
          {ui}
        </ProjectContext.Provider>
      ) : (
        ui
      )}
    </ApiContext.Provider>,
  );
}
