// The only module of Cinch that opens outgoing connections (#14; test/security/ssrf.test.ts keeps it so): it POSTs
// alerts to admin-configured webhook URLs and sends email through the configured SMTP server. Never to an address
// from a report. Each destination is resolved once, refused when any of its addresses is private, loopback,
// link-local or otherwise not public (unless ALERT_ALLOW_PRIVATE_DESTINATIONS=true), and the connection goes to the
// address that was checked (a second DNS answer cannot rebind it). Redirects are not followed; timeouts are short.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { lookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";
import nodemailer from "nodemailer";

export type NotifierOptions = {
  allowPrivate: boolean;
  timeoutMs: number;
  /** SMTP_URL (smtp:// or smtps://, credentials in the URL), or null when email is not configured. */
  smtpUrl: string | null;
  smtpFrom: string;
};

export type SendResult = { ok: boolean; responseCode: number | null; error: string | null };

export class DestinationError extends Error {}

// Not public: RFC 6890's special-purpose ranges a webhook has no business reaching from a server.
const REFUSED = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  REFUSED.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["64:ff9b::", 96],
  ["100::", 64],
] as const)
  REFUSED.addSubnet(net, bits, "ipv6");

/** Whether an IP address is private, loopback, link-local, multicast or reserved (IPv4-mapped IPv6 included). */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return REFUSED.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return REFUSED.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Resolve a host and refuse it when any address is not public (unless allowed); the first address is used. */
export async function resolveDestination(
  host: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const all = isIP(bare)
    ? [{ address: bare, family: isIP(bare) }]
    : await lookup(bare, { all: true, verbatim: true }).catch((err: unknown) => {
        throw new DestinationError(`could not resolve ${host}: ${(err as Error).message}`);
      });
  if (all.length === 0) throw new DestinationError(`could not resolve ${host}`);
  if (!allowPrivate) {
    const bad = all.find((a) => isRefusedAddress(a.address));
    if (bad)
      throw new DestinationError(
        `${host} resolves to ${bad.address}, a private, loopback or link-local address (ALERT_ALLOW_PRIVATE_DESTINATIONS=true allows it)`,
      );
  }
  const first = all[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Check a URL an admin configures: http(s), no credentials. Returns the problem, or null. */
export function urlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "must be an http:// or https:// URL";
  if (u.username || u.password) return "must not carry credentials";
  return null;
}

export class Notifier {
  constructor(private readonly opts: NotifierOptions) {}

  get emailConfigured(): boolean {
    return this.opts.smtpUrl !== null;
  }

  /** POST a body to a URL; a 2xx answer is a success, anything else (a redirect included) a failure. */
  async post(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    try {
      const u = new URL(url);
      const problem = urlProblem(url);
      if (problem) throw new DestinationError(`url ${problem}`);
      const dest = await resolveDestination(u.hostname, this.opts.allowPrivate);
      const pinned: LookupFunction = (_host, options, cb) => {
        if ((options as { all?: boolean }).all) cb(null, [{ address: dest.address, family: dest.family }]);
        else cb(null, dest.address, dest.family);
      };
      const code = await new Promise<number>((resolve, reject) => {
        const send = u.protocol === "https:" ? httpsRequest : httpRequest;
        const req = send(
          u,
          {
            method: "POST",
            lookup: pinned,
            timeout: this.opts.timeoutMs,
            headers: { "Content-Type": "application/json", "User-Agent": "Cinch-Alerts", ...headers },
          },
          (res) => {
            res.resume(); // the answer's body is not read: drain it, bounded by the timeout
            res.on("end", () => resolve(res.statusCode ?? 0));
            res.on("error", reject);
          },
        );
        req.setTimeout(this.opts.timeoutMs, () =>
          req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`)),
        );
        req.on("error", reject);
        req.end(body);
      });
      if (code >= 200 && code < 300) return { ok: true, responseCode: code, error: null };
      const why = code >= 300 && code < 400 ? "redirect not followed" : "receiver answered";
      return { ok: false, responseCode: code, error: `${why} HTTP ${code}` };
    } catch (err) {
      return { ok: false, responseCode: null, error: (err as Error).message };
    }
  }

  /** Send an email (text and HTML) through SMTP_URL. */
  async mail(to: readonly string[], subject: string, text: string, html: string): Promise<SendResult> {
    if (this.opts.smtpUrl === null) return { ok: false, responseCode: null, error: "SMTP_URL is not set" };
    try {
      const u = new URL(this.opts.smtpUrl);
      const secure = u.protocol === "smtps:";
      const dest = await resolveDestination(u.hostname, this.opts.allowPrivate);
      const transport = nodemailer.createTransport({
        host: dest.address,
        port: u.port ? Number(u.port) : secure ? 465 : 587,
        secure,
        // STARTTLS when the server offers it; ?starttls=required insists (smtp:// URLs).
        requireTLS: u.searchParams.get("starttls") === "required",
        ignoreTLS: u.searchParams.get("starttls") === "off",
        tls: { servername: isIP(u.hostname) ? undefined : u.hostname },
        auth: u.username
          ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
          : undefined,
        connectionTimeout: this.opts.timeoutMs,
        greetingTimeout: this.opts.timeoutMs,
        socketTimeout: this.opts.timeoutMs,
      });
      try {
        const info = await transport.sendMail({ from: this.opts.smtpFrom, to: [...to], subject, text, html });
        const code = /^(\d{3})/.exec(String(info.response ?? ""));
        return { ok: true, responseCode: code ? Number(code[1]) : 250, error: null };
      } finally {
        transport.close();
      }
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode ?? null;
      return { ok: false, responseCode: code, error: (err as Error).message };
    }
  }
}
