// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, one fresh profile.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Where Debian's chromium package installs the browser (.ci/run installs it). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Flags for a quiet, reproducible test browser. --short-reporting-delay makes Reporting API (report-to)
 * uploads leave within about a second instead of up to a minute; --ignore-certificate-errors accepts the
 * throwaway self-signed certificates of ./tls.ts.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--short-reporting-delay",
  "--ignore-certificate-errors",
] as const;

export type TestBrowser = {
  context: BrowserContext;
  /** A new tab. */
  newPage(): Promise<Page>;
  /** Close the browser and delete its profile. */
  close(): Promise<void>;
};

/** Launch headless Chromium with a fresh user-data-dir; `extraArgs` are appended to CHROMIUM_ARGS. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (see README, Requirements)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "cinch-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...extraArgs],
      ignoreHTTPSErrors: true,
      viewport: { width: 1100, height: 900 },
    });
    return {
      context,
      newPage: () => context.newPage(),
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
