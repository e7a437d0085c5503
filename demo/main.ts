// `npm run demo`: the two-minute tour. Starts the demo shop (and Cinch, when it is not running yet) and prints
// where to look. Flags: --http (serve plain HTTP), --port N (the shop's port, default 8788).
import { parseArgs } from "node:util";
import type { AppDeps } from "../server/deps.ts";
import { ConfigError, loadConfig, type Config } from "../server/config.ts";
import { closeDeps, createDeps } from "../server/bootstrap.ts";
import { reportUri } from "../server/projects/install.ts";
import { startServer, type Running } from "../server/server.ts";
import { createDemo, DEMO_DEFAULTS } from "./site.ts";
import { selfSignedCert, type Certificate } from "./tls.ts";

const PROJECT_NAME = "demo";

/** The demo project's report URL in the local Cinch (created on first use), and Cinch if we had to start it. */
async function localCinch(config: Config): Promise<{ uri: string; running: Running | null }> {
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
    const existing = (await deps.projects.list()).find((p) => p.name === PROJECT_NAME && !p.builtin);
    const project = existing ?? (await deps.projects.create(PROJECT_NAME));
    return { uri: reportUri(config.publicUrl, project.reportKey), running };
  } finally {
    if (!running) await closeDeps(deps);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { http: { type: "boolean", default: false }, port: { type: "string" } },
  });
  const port = values.port === undefined ? DEMO_DEFAULTS.site.port : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be a port number (got ${JSON.stringify(values.port)})`);
  }

  const given = process.env.CINCH_REPORT_URI;
  let uri: string;
  let dashboard: string;
  let running: Running | null = null;
  if (given) {
    if (!URL.canParse(given) || !/^https?:$/.test(new URL(given).protocol)) {
      throw new Error(`CINCH_REPORT_URI must be an http(s) URL (got ${JSON.stringify(given)})`);
    }
    uri = given;
    dashboard = new URL(given).origin;
  } else {
    const config = loadConfig();
    ({ uri, running } = await localCinch(config));
    dashboard = config.publicUrl;
  }

  let cert: Certificate | null = null;
  if (!values.http) cert = selfSignedCert();
  const demo = await createDemo({
    cinchReportUri: uri,
    tls: cert,
    site: { ...DEMO_DEFAULTS.site, port },
    httpSite: cert ? { ...DEMO_DEFAULTS.httpSite, port: port + 1 } : undefined,
  });

  const viaReportTo = "Reporting-Endpoints" in demo.headers();
  const out = [
    `Demo site: ${demo.url}`,
    ...(demo.httpUrl ? [`  plain-HTTP twin (report-uri only): ${demo.httpUrl}`] : []),
    `  third parties: CDN ${demo.origins.cdn}, API ${demo.origins.api}`,
    `Dashboard: ${dashboard}${running ? " (started by the demo)" : ""}`,
    ...(running?.setupUrl ? [`Setup: ${running.setupUrl}`] : []),
    `Reports go to ${uri} ${
      viaReportTo
        ? "through report-to (Reporting API) and report-uri"
        : "through report-uri only: report-to needs an HTTPS page and an HTTPS Cinch (TLS_CERT_FILE / TLS_KEY_FILE)"
    }`,
  ];
  if (cert) {
    out.push(
      "The certificate is self-signed: open the site, the CDN and the API once and accept it",
      "  (or run chromium --ignore-certificate-errors), else the CDN's script and font fail to load.",
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
