// Install values and report-to: only an HTTPS Cinch gets report-to (Chromium 156 ignores report-uri whenever
// report-to is present, and delivers report-to only to HTTPS endpoints from HTTPS pages; see test/e2e/loop.test.ts).
import { afterEach, describe, expect, test } from "vitest";
import { installFor, reportToGroupFor } from "../../server/projects/install.ts";
import { starterPolicy } from "../../server/policy/starter.ts";
import { api, startTestApp, type TestApp } from "../helpers/app.ts";

const starter = (uri: string, reportToGroup: string | undefined) =>
  starterPolicy({ reportUri: uri, reportToGroup });

describe("installFor", () => {
  test.each([
    { publicUrl: "https://cinch.example", group: "cinch" },
    { publicUrl: "http://127.0.0.1:8787", group: undefined },
  ])("$publicUrl → report-to group $group", ({ publicUrl, group }) => {
    expect(reportToGroupFor(publicUrl)).toBe(group);
  });

  test("an HTTPS Cinch: both headers, report-uri and report-to", () => {
    const i = installFor("https://cinch.example", "KEY", starter);
    expect(i.reportOnlyPolicy).toMatch(/; report-uri https:\/\/cinch\.example\/r\/KEY; report-to cinch$/);
    expect(i.headers).toEqual([
      `Content-Security-Policy-Report-Only: ${i.reportOnlyPolicy}`,
      'Reporting-Endpoints: cinch="https://cinch.example/r/KEY"',
    ]);
    expect(i.notes.join(" ")).toContain("Chromium ignores report-uri whenever report-to is present");
  });

  test("an HTTP Cinch: report-uri only, and the note says why", () => {
    const i = installFor("http://127.0.0.1:8787", "KEY", starter);
    expect(i.reportOnlyPolicy).toMatch(/; report-uri http:\/\/127\.0\.0\.1:8787\/r\/KEY$/);
    expect(i.headers).toEqual([`Content-Security-Policy-Report-Only: ${i.reportOnlyPolicy}`]);
    expect(i.notes[0]).toContain("(not HTTPS), so the policy reports through report-uri only");
  });
});

describe("over the API", () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  test.each([
    { PUBLIC_URL: "http://127.0.0.1:8787", reportTo: false },
    { PUBLIC_URL: "https://cinch.example", reportTo: true },
  ])(
    "PUBLIC_URL $PUBLIC_URL: the starter and the built policy carry report-to: $reportTo",
    async ({ PUBLIC_URL, reportTo }) => {
      t = await startTestApp({ PUBLIC_URL });
      const p = (await (await api(t, "POST", "/api/projects", { name: "shop" })).json()) as {
        id: string;
        reportOnlyPolicy: string;
        install: { headers: string[] };
      };
      expect(p.reportOnlyPolicy).toContain(`report-uri ${PUBLIC_URL}/r/`);
      expect(p.reportOnlyPolicy.includes("report-to cinch")).toBe(reportTo);
      expect(p.install.headers.some((h) => h.startsWith("Reporting-Endpoints:"))).toBe(reportTo);
      const built = (await (await api(t, "GET", `/api/projects/${p.id}/policy/suggestion`)).json()) as {
        policy: string;
      };
      expect(built.policy.includes("report-to cinch")).toBe(reportTo);
    },
  );
});
