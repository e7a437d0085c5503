// The demo shop's policy source: Cinch's pipeline answer parsed into headers, adapted per page, with the starter
// before any version and the last answer when Cinch cannot be asked; and the shop's own demo controls.
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import {
  describeServed,
  headersForPage,
  parseHeaderExport,
  pipelineSource,
  starterServed,
  type Served,
} from "../../demo/policy-source.ts";
import { createDemo } from "../../demo/site.ts";

const R = "https://cinch.example/r/KEY";
const ENFORCED = `default-src 'self'; report-uri ${R}?v=1; report-to cinch`;
const CANDIDATE = `default-src 'self'; script-src 'self' https://pay.example; report-uri ${R}?v=2; report-to cinch-candidate`;
const ENDPOINTS = `cinch="${R}?v=1", cinch-candidate="${R}?v=2"`;
const BOTH = `Content-Security-Policy: ${ENFORCED}\nContent-Security-Policy-Report-Only: ${CANDIDATE}\nReporting-Endpoints: ${ENDPOINTS}\n`;

const servedBoth: Served = {
  headers: parseHeaderExport(BOTH),
  enforced: 1,
  reportOnly: 2,
  from: "cinch",
};

describe("parseHeaderExport", () => {
  test.each([
    {
      name: "two headers and the endpoints",
      text: BOTH,
      names: ["Content-Security-Policy", "Content-Security-Policy-Report-Only", "Reporting-Endpoints"],
    },
    {
      name: "one header",
      text: `Content-Security-Policy: ${ENFORCED}\n`,
      names: ["Content-Security-Policy"],
    },
    { name: "other headers and blank lines are ignored", text: `X-Frame-Options: DENY\n\n: x\n`, names: [] },
  ])("$name", ({ text, names }) => {
    expect(parseHeaderExport(text).map((h) => h.name)).toEqual(names);
  });
});

describe("headersForPage", () => {
  test.each([
    {
      name: "HTTPS page, HTTPS Cinch: served as Cinch answered",
      served: servedBoth,
      https: true,
      want: {
        "Content-Security-Policy": ENFORCED,
        "Content-Security-Policy-Report-Only": CANDIDATE,
        "Reporting-Endpoints": ENDPOINTS,
      },
    },
    {
      name: "HTTP page: report-to and Reporting-Endpoints dropped (Chromium would ignore report-uri)",
      served: servedBoth,
      https: false,
      want: {
        "Content-Security-Policy": `default-src 'self'; report-uri ${R}?v=1`,
        "Content-Security-Policy-Report-Only": `default-src 'self'; script-src 'self' https://pay.example; report-uri ${R}?v=2`,
      },
    },
    {
      name: "the starter reporting to an HTTP Cinch: report-uri only",
      served: starterServed("http://127.0.0.1:8787/r/KEY"),
      https: true,
      want: {
        "Content-Security-Policy-Report-Only": expect.stringMatching(
          /object-src 'none'; .*report-uri http:\/\/127\.0\.0\.1:8787\/r\/KEY$/,
        ) as string,
      },
    },
  ])("$name", ({ served, https, want }) => {
    expect(headersForPage(served, https)).toEqual(want);
  });
});

test.each([
  { served: servedBoth, text: "Content-Security-Policy (v1) + Content-Security-Policy-Report-Only (v2)" },
  { served: starterServed(R), text: "Content-Security-Policy-Report-Only (Cinch's starter)" },
  {
    served: { ...servedBoth, from: "last answer" as const },
    text: "Content-Security-Policy (v1) + Content-Security-Policy-Report-Only (v2) — Cinch unreachable, last answer",
  },
])("describeServed: $text", ({ served, text }) => {
  expect(describeServed(served)).toBe(text);
});

describe("pipelineSource", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  test("asks Cinch on every call: the starter on 404 no_policy, both versions, the last answer on a failure", async () => {
    let answer = { status: 404, body: `{"error":"no_policy","message":"none yet"}`, headers: {} };
    const asked: string[] = [];
    server = createServer((req, res) => {
      asked.push(req.url ?? "");
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const problems: string[] = [];
    const source = pipelineSource({
      url: `http://127.0.0.1:${port}/p/KEY/policy`,
      reportUri: R,
      onProblem: (m) => problems.push(m),
    });

    expect(await source()).toEqual(starterServed(R));
    answer = {
      status: 200,
      body: BOTH,
      headers: { "X-Cinch-Policy-Version": "1", "X-Cinch-Report-Only-Version": "2" },
    };
    expect(await source()).toEqual(servedBoth);
    answer = { status: 500, body: "boom", headers: {} };
    expect(await source()).toEqual({ ...servedBoth, from: "last answer" });
    expect(problems).toEqual([
      `could not fetch http://127.0.0.1:${port}/p/KEY/policy?format=header&state=both: 500 boom`,
    ]);
    expect(asked).toEqual(Array(3).fill("/p/KEY/policy?format=header&state=both"));

    // Report-only alone: X-Cinch-Policy-Version names it.
    answer = {
      status: 200,
      body: `Content-Security-Policy-Report-Only: ${CANDIDATE}\n`,
      headers: { "X-Cinch-Policy-Version": "2" },
    };
    expect(await source()).toMatchObject({ enforced: null, reportOnly: 2, from: "cinch" });
  });
});

test("the shop's demo controls add and remove the payment widget and the injected script", async () => {
  const at = { host: "127.0.0.1", port: 0 };
  const demo = await createDemo({
    cinchReportUri: "http://127.0.0.1:1/r/KEY",
    tls: null,
    site: at,
    cdn: at,
    api: at,
    ads: at,
    pay: at,
  });
  try {
    const page = async () => (await fetch(demo.url)).text();
    expect(await page()).not.toMatch(/id="pay"|id="extra"/);
    const res = await fetch(`${demo.url}/demo/set?payments=on&injected=on`, { redirect: "manual" });
    expect([res.status, res.headers.get("location")]).toEqual([302, "/"]);
    const html = await page();
    expect(html).toContain(`<script id="pay" src="${demo.origins.pay}/checkout.js"></script>`);
    expect(html).toContain(`<script id="extra" src="${demo.origins.ads}/track.js"></script>`);
    expect(html).toContain("Content-Security-Policy-Report-Only (Cinch's starter)");
    await fetch(`${demo.url}/demo/set?payments=off&injected=maybe`, { redirect: "manual" });
    expect(await page()).not.toContain('id="pay"');
    expect(await page()).toContain('id="extra"');
  } finally {
    await demo.stop();
  }
});
