// What the demo shop serves: the project's deployed versions, fetched from Cinch's public pipeline URL on every
// request (the enforced one and the report-only candidate beside it: two headers), or the starter, report-only,
// until a version is deployed. The same fetch a deploy pipeline makes, so the tour shows what a real site gets.
import { get as getHttp, type IncomingMessage } from "node:http";
import { get as getHttps } from "node:https";
import { rootCertificates } from "node:tls";
import { parsePolicy, serializePolicy } from "../server/policy/csp.ts";
import { starterPolicy } from "../server/policy/starter.ts";
import { REPORT_TO_GROUP } from "../server/projects/install.ts";

/** The header names the shop takes from Cinch's answer (anything else in it is ignored). */
const SERVED_HEADERS = [
  "Content-Security-Policy",
  "Content-Security-Policy-Report-Only",
  "Reporting-Endpoints",
] as const;
type ServedName = (typeof SERVED_HEADERS)[number];
const isServedName = (s: string): s is ServedName => (SERVED_HEADERS as readonly string[]).includes(s);

/** One response's policy headers and where they came from. */
export type Served = {
  headers: { name: ServedName; value: string }[];
  /** The enforced version served, if any. */
  enforced: number | null;
  /** The report-only version served (the candidate beside the enforced one, or alone), if any. */
  reportOnly: number | null;
  /** Cinch's deployed versions, Cinch's starter (no version deployed yet), or the last answer (Cinch unreachable). */
  from: "cinch" | "starter" | "last answer";
};

/** Where the shop gets its policy on each request. */
export type PolicySource = () => Promise<Served>;

/** The starter, report-only, reporting to `reportUri` (report-to as well, where the page and Cinch are HTTPS). */
export function starterServed(reportUri: string): Served {
  return {
    headers: [
      {
        name: "Content-Security-Policy-Report-Only",
        value: starterPolicy({ reportUri, reportToGroup: REPORT_TO_GROUP }),
      },
      { name: "Reporting-Endpoints", value: `${REPORT_TO_GROUP}="${reportUri}"` },
    ],
    enforced: null,
    reportOnly: null,
    from: "starter",
  };
}

/** Parse Cinch's `format=header` export: one `Name: value` line per header. */
export function parseHeaderExport(text: string): Served["headers"] {
  const out: Served["headers"] = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf(": ");
    if (at <= 0) continue;
    const name = line.slice(0, at);
    if (isServedName(name)) out.push({ name, value: line.slice(at + 2).trim() });
  }
  return out;
}

const versionHeader = (res: IncomingMessage, name: string): number | null => {
  const v = res.headers[name];
  return typeof v === "string" && /^\d+$/.test(v) ? Number(v) : null;
};

/** GET `url` (http or https; `ca` trusted besides the usual roots), with a deadline. */
function getText(url: string, ca: string | Buffer | undefined, ms: number) {
  return new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
    const done = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ res, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    };
    const req = url.startsWith("https:")
      ? getHttps(url, { ca: ca ? [...rootCertificates, ca.toString()] : undefined, timeout: ms }, done)
      : getHttp(url, { timeout: ms }, done);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${ms} ms`)));
    req.on("error", reject);
  });
}

export type PipelineOptions = {
  /** Cinch's public pipeline URL of the project, `…/p/<policyKey>/policy`. */
  url: string;
  /** The project's report URL, for the starter. */
  reportUri: string;
  /** A certificate to trust when Cinch is HTTPS with a self-signed one. */
  ca?: string | Buffer;
  /** Called when Cinch cannot be asked (the shop then serves its last answer, or the starter). */
  onProblem?: (message: string) => void;
  timeoutMs?: number;
};

/**
 * Ask Cinch on every call: `?format=header&state=both` answers the enforced version and the report-only candidate
 * (X-Cinch-Policy-Version / X-Cinch-Report-Only-Version name them); 404 no_policy means no version is deployed
 * yet, so the starter. When Cinch is unreachable the last answer is served again.
 */
export function pipelineSource(o: PipelineOptions): PolicySource {
  let last: Served | null = null;
  const url = `${o.url}?format=header&state=both`;
  return async () => {
    try {
      const { res, body } = await getText(url, o.ca, o.timeoutMs ?? 3000);
      if (res.statusCode === 404 && body.includes('"no_policy"')) return (last = starterServed(o.reportUri));
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${body.slice(0, 200)}`);
      const headers = parseHeaderExport(body);
      const hasEnforced = headers.some((h) => h.name === "Content-Security-Policy");
      const main = versionHeader(res, "x-cinch-policy-version");
      return (last = {
        headers,
        enforced: hasEnforced ? main : null,
        reportOnly: hasEnforced ? versionHeader(res, "x-cinch-report-only-version") : main,
        from: "cinch",
      });
    } catch (err) {
      o.onProblem?.(`could not fetch ${url}: ${err instanceof Error ? err.message : String(err)}`);
      return last ? { ...last, from: "last answer" } : starterServed(o.reportUri);
    }
  };
}

/**
 * The headers for one page. Chromium (156, measured) ignores report-uri whenever the policy names a report-to
 * group, and delivers report-to only when the page and the endpoint are both HTTPS; so on a plain-HTTP page, or
 * when the endpoint is not HTTPS, report-to is dropped (with Reporting-Endpoints) and report-uri does the reporting.
 */
export function headersForPage(served: Served, pageIsHttps: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  let reportTo = false;
  for (const h of served.headers) {
    if (h.name === "Reporting-Endpoints") continue;
    const p = parsePolicy(h.value);
    const endpoint = p.directives.find((d) => d.name === "report-uri")?.values[0] ?? "";
    if (pageIsHttps && endpoint.startsWith("https://")) {
      reportTo ||= p.directives.some((d) => d.name === "report-to");
      out[h.name] = h.value;
    } else {
      p.directives = p.directives.filter((d) => d.name !== "report-to");
      out[h.name] = serializePolicy(p);
    }
  }
  const endpoints = served.headers.find((h) => h.name === "Reporting-Endpoints");
  if (reportTo && endpoints) out[endpoints.name] = endpoints.value;
  return out;
}

/** What the page says it is served with, e.g. "Content-Security-Policy (v1) + …-Report-Only (v2)". */
export function describeServed(served: Served): string {
  const parts: string[] = [];
  if (served.headers.some((h) => h.name === "Content-Security-Policy"))
    parts.push(`Content-Security-Policy (v${served.enforced ?? "?"})`);
  if (served.headers.some((h) => h.name === "Content-Security-Policy-Report-Only"))
    parts.push(
      `Content-Security-Policy-Report-Only (${served.from === "starter" ? "Cinch's starter" : `v${served.reportOnly ?? "?"}`})`,
    );
  return parts.join(" + ") + (served.from === "last answer" ? " — Cinch unreachable, last answer" : "");
}
