// Configuration: parsed once from the environment with zod; every problem is listed, then the process exits.
import { z } from "zod";
import { emailSchema } from "./accounts/email.ts";
import { booleanText as bool } from "./schemas.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(8787),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(
      /^(file:.+|postgres(ql)?:\/\/.+)$/,
      "must be a SQLite file URL such as file:./data/cinch.db or a PostgreSQL URL such as postgres://cinch@db/cinch",
    )
    .optional(),
  // PostgreSQL (DATABASE_URL=postgres://…): connections per node, and the longest one statement may run.
  PG_POOL_SIZE: int(1, 1000).default(10),
  PG_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(30_000),
  // PostgreSQL: the dashboard's default list (windows up to 3 days) is summed in this many parts at once, each on
  // its own pool connection (server/store/lean-list.ts); 1: one statement.
  PG_LIST_PARTS: int(1, 16).default(2),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  METRICS_TOKEN: z.string().min(16).optional(),
  INGEST_BODY_LIMIT: int(1024, 10 * 1024 * 1024).default(64 * 1024),
  INGEST_BATCH_CAP: int(1, 10_000).default(100),
  INGEST_RATE_PER_CLIENT: z.coerce.number().positive().default(50),
  INGEST_BURST_PER_CLIENT: z.coerce.number().positive().default(200),
  INGEST_RATE_PER_PROJECT: z.coerce.number().positive().default(2000),
  INGEST_BURST_PER_PROJECT: z.coerce.number().positive().default(10_000),
  WRITE_QUEUE_MAX: int(1, 10_000_000).default(50_000),
  WRITE_FLUSH_MS: int(0, 1000).default(5),
  API_BODY_LIMIT: int(1024, 10 * 1024 * 1024).default(256 * 1024),
  SQLITE_SYNCHRONOUS: z.enum(["FULL", "NORMAL"]).default("FULL"),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  // Security (docs/security.md): session keys, session lifetimes, sign-in throttle, first admin, header cap.
  SESSION_SECRET: z.string().min(1).optional(),
  SESSION_IDLE_MINUTES: int(5, 7 * 24 * 60).default(8 * 60),
  SESSION_MAX_HOURS: int(1, 365 * 24).default(7 * 24),
  SIGNIN_ATTEMPTS_PER_MINUTE: int(1, 10_000).default(5),
  CINCH_ADMIN_EMAIL: emailSchema.toLowerCase().optional(),
  CINCH_ADMIN_PASSWORD: z.string().min(1).optional(),
  MAX_HEADER_BYTES: int(4096, 65_536).default(16_384),
  // Slow clients (docs/security.md "Limits"): the whole header block within HEADERS_TIMEOUT_MS, the whole request within
  // REQUEST_TIMEOUT_MS; enforced to the second (server.ts sets Node's connectionsCheckingInterval to 1 s).
  HEADERS_TIMEOUT_MS: int(1000, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(30_000),
  // Live tail (GET /api/projects/:id/tail): open streams per project and per instance (429 beyond), and what one stream
  // may have waiting for a reader that does not keep up before its events are dropped, and how long it may stay
  // that far behind before it is disconnected.
  TAIL_MAX_PER_PROJECT: int(1, 10_000).default(20),
  TAIL_MAX_TOTAL: int(1, 100_000).default(200),
  TAIL_BUFFER_BYTES: int(4096, 64 * 1024 * 1024).default(256 * 1024),
  TAIL_STALL_MS: int(100, 600_000).default(10_000),
  // Retention (docs/operations.md "Data lifecycle"): hourly rows older than this many days are rolled up into daily
  // rows while the API's longest window (400 days) can show them, then deleted; checked every hour.
  RETENTION_DAYS: int(1, 36_500).default(400),
  // Policy builds and impact previews of projects with at least this many groups run in a worker thread, off the event
  // loop that serves ingest (0: every project); a request the worker does not answer in time gets a 503. Measured
  // (a build after a one-group commit, busy 2-core machine): in process 18 / 36 / 43 / 264 ms at 250 / 2,000 / 4,000 /
  // 8,000 groups, all of it on the event loop; the worker answers in ~2x that below 4,000 groups (the groups' sync
  // and the copy back), with event-loop stalls of 7–24 ms.
  POLICY_WORKER_GROUPS: int(0, 100_000_000).default(2_000),
  POLICY_WORKER_TIMEOUT_MS: int(1_000, 600_000).default(60_000),
  // Alerts (docs/alerts.md): outgoing connections go only to admin-configured webhook URLs and SMTP_URL, and never to
  // private, loopback or link-local addresses unless ALERT_ALLOW_PRIVATE_DESTINATIONS=true.
  ALERT_ALLOW_PRIVATE_DESTINATIONS: bool.default(false),
  ALERT_TIMEOUT_MS: int(500, 60_000).default(10_000),
  ALERT_RETRY_BASE_MS: int(100, 3_600_000).default(30_000),
  ALERT_MAX_ATTEMPTS: int(1, 100).default(8),
  ALERT_POLL_MS: int(50, 600_000).default(1_000),
  ALERT_TICK_MS: int(1_000, 3_600_000).default(60_000),
  SMTP_URL: z
    .string()
    .regex(
      /^smtps?:\/\/[^/]+/,
      "must be an smtp:// or smtps:// URL such as smtps://user:pass@mail.example.com",
    )
    .optional(),
  SMTP_FROM: z.string().min(3).max(320).default("Cinch <cinch@localhost>"),
});

export type RawConfig = z.infer<typeof configSchema>;
export type Config = RawConfig & {
  databaseUrl: string;
  /** Which engine DATABASE_URL selects: postgres:// or postgresql:// PostgreSQL, file: (or unset) SQLite. */
  databaseEngine: "sqlite" | "postgres";
  /** The SQLite file (SQLite only). */
  databaseFile: string;
  publicUrl: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Why a configured secret is too weak, or null. A secret must encode at least 32 random bytes: 64+ hex digits
 * or 43+ base64/base64url characters (`openssl rand -hex 32`). Passphrases are refused: their length says nothing
 * about their randomness, and a long run of one character is refused for the same reason.
 */
export function secretProblem(secret: string): string | null {
  const hint =
    "must encode at least 32 random bytes: 64+ hex digits or 43+ base64 characters (openssl rand -hex 32)";
  let bytes = 0;
  if (/^[0-9a-fA-F]+$/.test(secret)) bytes = Math.floor(secret.length / 2);
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret))
    bytes = Math.floor((secret.replace(/=+$/, "").length * 3) / 4);
  else return `${hint} (got ${secret.length} characters that are neither hex nor base64)`;
  if (bytes < 32) return `${hint} (got ${bytes} bytes)`;
  if (new Set(secret).size < 8) return `${hint} (got a repetitive value)`;
  return null;
}

/**
 * Problems between fields, judged on the values that parsed (`c`) and on which variables were set at all, so a
 * field's own error never hides them.
 */
function crossFieldProblems(set: (key: string) => boolean, c: Partial<RawConfig>): string[] {
  const problems: string[] = [];
  if (set("TLS_CERT_FILE") !== set("TLS_KEY_FILE")) {
    problems.push("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  if (set("CINCH_ADMIN_EMAIL") !== set("CINCH_ADMIN_PASSWORD")) {
    problems.push("CINCH_ADMIN_EMAIL and CINCH_ADMIN_PASSWORD must be set together");
  }
  if (c.HEADERS_TIMEOUT_MS !== undefined && c.REQUEST_TIMEOUT_MS !== undefined) {
    if (c.HEADERS_TIMEOUT_MS > c.REQUEST_TIMEOUT_MS) {
      problems.push("HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS");
    }
  }
  if (c.SESSION_SECRET !== undefined) {
    const problem = secretProblem(c.SESSION_SECRET);
    if (problem) problems.push(`SESSION_SECRET: ${problem}`);
  }
  return problems;
}

/**
 * Parse the environment (only this module reads process.env); throws ConfigError listing every problem: each
 * variable is parsed on its own, so one bad value neither stops the others' checks nor the cross-field ones.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") picked[key] = v;
  }
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configSchema.shape)) {
    const r = field.safeParse(picked[key]);
    if (r.success) values[key] = r.data;
    else problems.push(...r.error.issues.map((i) => `${[key, ...i.path].join(".")}: ${i.message}`));
  }
  problems.push(...crossFieldProblems((key) => picked[key] !== undefined, values as Partial<RawConfig>));
  if (problems.length > 0) throw new ConfigError(problems);
  const c = configSchema.parse(picked);
  const databaseUrl = c.DATABASE_URL ?? `file:${c.DATA_DIR.replace(/\/$/, "")}/cinch.db`;
  const scheme = c.TLS_CERT_FILE ? "https" : "http";
  const hostForUrl = c.HOST === "0.0.0.0" || c.HOST === "::" ? "localhost" : c.HOST;
  const publicUrl = (c.PUBLIC_URL ?? `${scheme}://${hostForUrl}:${c.PORT}`).replace(/\/+$/, "");
  const databaseEngine = databaseUrl.startsWith("file:") ? "sqlite" : "postgres";
  const databaseFile = databaseEngine === "sqlite" ? databaseUrl.replace(/^file:/, "") : "";
  return { ...c, databaseUrl, databaseEngine, databaseFile, publicUrl };
}
