// `npm run demo`: the tour. Starts the demo shop (and Cinch, when it is not running yet), serves on every page what
// the project deploys in Cinch (fetched from its public pipeline URL), and prints where to look.
// Flags: --project ID (report into that project; default: one named "demo", created on first use), --http (serve
// plain HTTP), --port N (the shop's port, default 8788), --payments / --injected (start with the second turn's
// payment widget / the injected script on; the shop's own links switch them too).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AppDeps } from "../server/deps.ts";
import { ConfigError, loadConfig, type Config } from "../server/config.ts";
import { closeDeps, createDeps } from "../server/bootstrap.ts";
import { reportUri } from "../server/projects/install.ts";
import type { ProjectRecord } from "../server/store/projects.ts";
import { startServer, type Running } from "../server/server.ts";
import { pipelineSource, starterServed, type PolicySource } from "./policy-source.ts";
import { createDemo, DEMO_DEFAULTS } from "./site.ts";
import { selfSignedCert, type Certificate } from "./tls.ts";

const PROJECT_NAME = "demo";

/** The project `wanted` names (an id, or a name), else the one named "demo" (created on first use). */
async function demoProject(deps: AppDeps, wanted: string | undefined): Promise<ProjectRecord> {
  const all = (await deps.projects.list()).filter((p) => !p.builtin);
  if (wanted !== undefined) {
    const byId = all.find((p) => p.id === wanted);
    if (byId) return byId;
    const found = all.filter((p) => p.name === wanted);
    if (found.length === 1) return found[0]!;
    throw new Error(
      found.length === 0
        ? `--project ${JSON.stringify(wanted)}: no such project (ids and names: ${all.map((p) => `${p.id} ${JSON.stringify(p.name)}`).join(", ") || "none yet"})`
        : `--project ${JSON.stringify(wanted)}: ${found.length} projects have that name; pass the id`,
    );
  }
  return all.find((p) => p.name === PROJECT_NAME) ?? (await deps.projects.create(PROJECT_NAME));
}

/** The project in the local Cinch, and Cinch if we had to start it. */
async function localCinch(
  config: Config,
  wanted: string | undefined,
): Promise<{ project: ProjectRecord; running: Running | null }> {
  let running: Running | null = null;
  let deps: AppDeps;
  try {
    running = await startServer(config);
    deps = running.deps;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    // Cinch is already listening (npm start): share its database.
    deps = await createDeps(config);
  }
  try {
    return { project: await demoProject(deps, wanted), running };
  } catch (err) {
    await running?.stop();
    throw err;
  } finally {
    if (!running) await closeDeps(deps);
  }
}

const httpUrl = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined || value === "") return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new Error(`${name} must be an http(s) URL (got ${JSON.stringify(value)})`);
  }
  return value;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      http: { type: "boolean", default: false },
      port: { type: "string" },
      project: { type: "string" },
      payments: { type: "boolean", default: false },
      injected: { type: "boolean", default: false },
    },
  });
  const port = values.port === undefined ? DEMO_DEFAULTS.site.port : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be a port number (got ${JSON.stringify(values.port)})`);
  }
  const wanted = values.project ?? (process.env.CINCH_DEMO_PROJECT || undefined);

  // A Cinch elsewhere: its report URL, and the project's pipeline URL to follow its versions.
  const givenReport = httpUrl("CINCH_REPORT_URI", process.env.CINCH_REPORT_URI);
  const givenPolicy = httpUrl("CINCH_POLICY_URL", process.env.CINCH_POLICY_URL);
  let uri: string;
  let policyUrl: string | null = null;
  let ca: Buffer | undefined;
  let dashboard: string;
  let running: Running | null = null;
  if (givenReport) {
    uri = givenReport;
    policyUrl = givenPolicy ?? null;
    dashboard = new URL(givenReport).origin;
  } else {
    const config = loadConfig();
    const local = await localCinch(config, wanted);
    running = local.running;
    uri = reportUri(config.publicUrl, local.project.reportKey);
    policyUrl = `${config.publicUrl}/p/${local.project.policyKey}/policy`;
    // Cinch's own certificate may be self-signed: trust it for the pipeline fetch.
    if (config.TLS_CERT_FILE) ca = readFileSync(config.TLS_CERT_FILE);
    dashboard = `${config.publicUrl}/projects/${encodeURIComponent(local.project.id)}`;
    process.stdout.write(`Project: ${JSON.stringify(local.project.name)} (${local.project.id})\n`);
  }

  const problems = new Set<string>();
  const policy: PolicySource = policyUrl
    ? pipelineSource({
        url: policyUrl,
        reportUri: uri,
        ca,
        onProblem: (m) => {
          if (problems.has(m)) return;
          problems.add(m);
          process.stderr.write(`demo: ${m}; serving the last answer (or the starter)\n`);
        },
      })
    : () => Promise.resolve(starterServed(uri));

  let cert: Certificate | null = null;
  if (!values.http) cert = selfSignedCert();
  const demo = await createDemo({
    cinchReportUri: uri,
    policy,
    payments: values.payments,
    extraScript: values.injected,
    tls: cert,
    site: { ...DEMO_DEFAULTS.site, port },
    httpSite: cert ? { ...DEMO_DEFAULTS.httpSite, port: port + 1 } : undefined,
  });

  const viaReportTo = "Reporting-Endpoints" in (await demo.headers());
  const out = [
    `Demo site: ${demo.url}`,
    ...(demo.httpUrl ? [`  plain-HTTP twin (report-uri only): ${demo.httpUrl}`] : []),
    `  third parties: CDN ${demo.origins.cdn}, API ${demo.origins.api}; second turn: payments ${demo.origins.pay}; injected: ${demo.origins.ads}`,
    `Dashboard: ${dashboard}${running ? " (Cinch started by the demo)" : ""}`,
    ...(running?.setupUrl ? [`Setup: ${running.setupUrl}`] : []),
    policyUrl
      ? `Policy: fetched on every page from ${policyUrl} (the starter, report-only, until a version is deployed)`
      : "Policy: the starter, report-only (set CINCH_POLICY_URL to the project's pipeline URL to follow its versions)",
    `Reports go to ${uri} ${
      viaReportTo
        ? "through report-to (Reporting API) and report-uri"
        : "through report-uri only: report-to needs an HTTPS page and an HTTPS Cinch (TLS_CERT_FILE / TLS_KEY_FILE)"
    }`,
  ];
  if (cert) {
    out.push(
      "The certificate is self-signed: open the site, the CDN, the API and the payment provider once and accept it",
      "  (or run chromium --ignore-certificate-errors), else their scripts and the font fail to load.",
    );
  }
  if (policyUrl) {
    out.push(
      "The loop: open the shop, then the project's Policy page: Save as draft → Start report-only → reload the shop",
      "  (report-only v1) → Enforce → reload (the shop's checks stay green). Second turn: on the shop, Ship the",
      "  payment widget and Inject an unwanted script; both are blocked in production and listed as decisions; accept",
      "  the payment one, save v2, Start report-only (two headers), Enforce: payments work, the injected script stays out.",
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await demo.stop();
      await running?.stop();
      cert?.remove();
      process.exit(0);
    })();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `demo: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
