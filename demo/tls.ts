// Throwaway self-signed certificates (openssl) for the demo and the browser tests: HTTPS on loopback.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and key on disk (for TLS_CERT_FILE / TLS_KEY_FILE) and in memory (for https.createServer). */
export type Certificate = {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  /** Delete the temp directory. */
  remove(): void;
};

/** Names the default certificate covers: loopback addresses and every *.localhost name. */
export const LOOPBACK_NAMES = ["localhost", "*.localhost", "127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"];

/**
 * Generate a throwaway self-signed certificate (P-256, valid 2 days) into a fresh temp directory with
 * `openssl req -x509`. Browsers do not trust it: pass --ignore-certificate-errors, or accept it once per origin.
 */
export function selfSignedCert(names: readonly string[] = LOOPBACK_NAMES): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "cinch-cert-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  // prettier-ignore
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=localhost",
    "-addext", `subjectAltName=${san}`,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return {
    dir,
    certFile,
    keyFile,
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
