// The ingest workload: a deterministic, realistic mix of report requests (legacy single reports and Reporting API
// batches, some noise, about 50 distinct groups), checked through Cinch's own parser so every count is exact.
import { parseReportBody } from "../server/reports/parse.ts";
import { fingerprint } from "../server/reports/fingerprint.ts";

/** A small seeded PRNG (mulberry32): the same seed gives the same workload on every run and machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** One violation before it is put on the wire. */
type Spec = {
  directive: string;
  blocked: string;
  sourceFile: string;
  sample: string;
  line: number;
  column: number;
};

const PAGES = [
  "https://shop.example.com/",
  "https://shop.example.com/cart",
  "https://shop.example.com/checkout",
  "https://shop.example.com/account/orders",
  "https://shop.example.com/p/red-shoes",
  "https://shop.example.com/p/blue-hat",
  "https://shop.example.com/search",
  "https://shop.example.com/help/returns",
  "https://shop.example.com/blog/spring-sale",
  "https://shop.example.com/login",
] as const;

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
] as const;

const POLICY =
  "default-src 'self'; script-src 'self' 'report-sample'; style-src 'self' 'report-sample'; img-src 'self' data:; report-uri /r/k; report-to cinch";

/** Actionable violations: 40 distinct (directive, blocked origin or keyword) pairs, i.e. 40 groups. */
function actionable(): Spec[] {
  const hosts = [
    "cdn.jsdelivr.net",
    "www.googletagmanager.com",
    "connect.facebook.net",
    "static.hotjar.com",
    "js.stripe.com",
    "widget.intercom.io",
    "cdn.segment.com",
    "www.google-analytics.com",
  ];
  const out: Spec[] = [];
  const dirs = ["script-src-elem", "connect-src", "img-src", "style-src-elem"];
  for (const host of hosts) {
    for (const directive of dirs) {
      out.push({
        directive,
        blocked: `https://${host}/v${out.length % 7}/asset.js`,
        sourceFile: "",
        sample: "",
        line: 0,
        column: 0,
      });
    }
  }
  // Keywords and schemes: inline, eval, data:, blob:, plus fonts and frames from two more origins.
  out.push({
    directive: "script-src-elem",
    blocked: "inline",
    sourceFile: "https://shop.example.com/",
    sample: "window.dataLayer=window.dataLayer||[];",
    line: 12,
    column: 5,
  });
  out.push({
    directive: "style-src-attr",
    blocked: "inline",
    sourceFile: "https://shop.example.com/",
    sample: "color: red",
    line: 40,
    column: 17,
  });
  out.push({
    directive: "script-src",
    blocked: "eval",
    sourceFile: "https://shop.example.com/static/app.js",
    sample: "new Function(a)",
    line: 1,
    column: 1201,
  });
  out.push({ directive: "img-src", blocked: "blob", sourceFile: "", sample: "", line: 0, column: 0 });
  out.push({
    directive: "font-src",
    blocked: "https://fonts.gstatic.com/s/inter/v13/x.woff2",
    sourceFile: "",
    sample: "",
    line: 0,
    column: 0,
  });
  out.push({
    directive: "frame-src",
    blocked: "https://www.youtube.com/embed/abc",
    sourceFile: "",
    sample: "",
    line: 0,
    column: 0,
  });
  out.push({ directive: "worker-src", blocked: "blob", sourceFile: "", sample: "", line: 0, column: 0 });
  out.push({
    directive: "media-src",
    blocked: "https://media.example-cdn.com/v.mp4",
    sourceFile: "",
    sample: "",
    line: 0,
    column: 0,
  });
  return out;
}

/** Noise: 10 groups of extension, injector and browser-internal reports. */
function noise(): Spec[] {
  return [
    {
      directive: "script-src-elem",
      blocked: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/content.js",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "style-src-elem",
      blocked: "moz-extension://2b5f4c1e-1111-4a4a-9c9c-0123456789ab/style.css",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "img-src",
      blocked: "safari-web-extension://ABCDEF/icon.png",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "script-src-elem",
      blocked: "https://gc.kaspersky-labs.com/main.js",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "script-src-elem",
      blocked: "inline",
      sourceFile: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/inject.js",
      sample: "var lastpass_it=1",
      line: 1,
      column: 1,
    },
    {
      directive: "connect-src",
      blocked: "webkit-masked-url://hidden/",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    { directive: "frame-src", blocked: "about", sourceFile: "", sample: "", line: 0, column: 0 },
    {
      directive: "font-src",
      blocked: "chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/f.woff",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "img-src",
      blocked: "ms-browser-extension://x/y.png",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
    {
      directive: "script-src",
      blocked: "resource://gre/modules/x.js",
      sourceFile: "",
      sample: "",
      line: 0,
      column: 0,
    },
  ];
}

function legacyBody(s: Spec, page: string): string {
  const r: Record<string, unknown> = {
    "document-uri": page,
    referrer: "",
    "violated-directive": s.directive,
    "effective-directive": s.directive,
    "original-policy": POLICY,
    disposition: "enforce",
    "blocked-uri": s.blocked,
    "status-code": 200,
  };
  if (s.sourceFile) {
    r["source-file"] = s.sourceFile;
    r["line-number"] = s.line;
    r["column-number"] = s.column;
  }
  if (s.sample) r["script-sample"] = s.sample;
  return JSON.stringify({ "csp-report": r });
}

function reportingEntry(s: Spec, page: string, ua: string, rnd: () => number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    blockedURL: s.blocked,
    disposition: "enforce",
    documentURL: page,
    effectiveDirective: s.directive,
    originalPolicy: POLICY,
    referrer: "",
    sample: s.sample,
    statusCode: 200,
  };
  if (s.sourceFile) {
    body.sourceFile = s.sourceFile;
    body.lineNumber = s.line;
    body.columnNumber = s.column;
  }
  return { age: Math.floor(rnd() * 60_000), body, type: "csp-violation", url: page, user_agent: ua };
}

/** One HTTP request of the workload, with the number of reports Cinch's parser finds in it. */
export type WorkRequest = {
  contentType: string;
  userAgent: string;
  body: string;
  reports: number;
  noise: number;
};

export type Workload = {
  requests: WorkRequest[];
  reports: number;
  noiseReports: number;
  legacyRequests: number;
  batchRequests: number;
  distinctGroups: number;
};

export type WorkloadOptions = {
  /** Distinct request bodies (the load generator cycles through them). */
  size?: number;
  seed?: number;
  /** Share of requests that are legacy single reports (the rest are Reporting API batches of 1-10). */
  legacyShare?: number;
  /** Share of reports that are noise. */
  noiseShare?: number;
};

/**
 * Build the workload: 70% legacy `application/csp-report` single reports, 30% `application/reports+json` batches
 * of 1-10, 20% of reports noise, over 50 groups (40 actionable, 10 noise). Each body is parsed by Cinch's parser
 * here, so `reports` is exactly what a correct collector must store for a 204.
 */
export function buildWorkload(opts: WorkloadOptions = {}): Workload {
  const rnd = prng(opts.seed ?? 42);
  const size = opts.size ?? 1000;
  const legacyShare = opts.legacyShare ?? 0.7;
  const noiseShare = opts.noiseShare ?? 0.2;
  const good = actionable();
  const bad = noise();
  const spec = (): Spec => (rnd() < noiseShare ? pick(rnd, bad) : pick(rnd, good));
  const requests: WorkRequest[] = [];
  const groups = new Set<string>();
  let legacyRequests = 0;
  for (let i = 0; i < size; i++) {
    const page = pick(rnd, PAGES);
    const ua = pick(rnd, USER_AGENTS);
    let contentType: string;
    let body: string;
    if (rnd() < legacyShare) {
      legacyRequests++;
      contentType = "application/csp-report";
      body = legacyBody(spec(), page);
    } else {
      contentType = "application/reports+json";
      const n = 1 + Math.floor(rnd() * 10);
      body = JSON.stringify(Array.from({ length: n }, () => reportingEntry(spec(), page, ua, rnd)));
    }
    const outcome = parseReportBody(contentType, body, { userAgent: ua });
    if (!outcome.ok) throw new Error(`workload body ${i} does not parse: ${outcome.message}`);
    for (const v of outcome.violations) groups.add(fingerprint(v));
    const noiseCount = outcome.violations.filter((v) => v.noise !== null).length;
    requests.push({
      contentType,
      userAgent: ua,
      body,
      reports: outcome.violations.length,
      noise: noiseCount,
    });
  }
  const reports = requests.reduce((n, r) => n + r.reports, 0);
  return {
    requests,
    reports,
    noiseReports: requests.reduce((n, r) => n + r.noise, 0),
    legacyRequests,
    batchRequests: size - legacyRequests,
    distinctGroups: groups.size,
  };
}
