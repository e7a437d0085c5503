// Configuration: defaults, derived values, and bad values listed all at once (the process exits non-zero).
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";

describe("loadConfig", () => {
  test("defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      HOST: "127.0.0.1",
      PORT: 8787,
      DATA_DIR: "./data",
      databaseUrl: "file:./data/cinch.db",
      databaseFile: "./data/cinch.db",
      publicUrl: "http://127.0.0.1:8787",
      INGEST_BODY_LIMIT: 65536,
      INGEST_BATCH_CAP: 100,
      TRUST_PROXY: false,
    });
  });

  test.each([
    { env: { DATABASE_URL: "file:/tmp/x.db" }, key: "databaseFile", value: "/tmp/x.db" },
    { env: { DATA_DIR: "/srv/cinch/" }, key: "databaseFile", value: "/srv/cinch/cinch.db" },
    { env: { PUBLIC_URL: "https://csp.example.com/" }, key: "publicUrl", value: "https://csp.example.com" },
    { env: { HOST: "0.0.0.0", PORT: "9000" }, key: "publicUrl", value: "http://localhost:9000" },
    { env: { TRUST_PROXY: "yes" }, key: "TRUST_PROXY", value: true },
    { env: { PORT: "" }, key: "PORT", value: 8787 },
  ])("$env → $key = $value", ({ env, key, value }) => {
    expect((loadConfig(env) as unknown as Record<string, unknown>)[key]).toEqual(value);
  });

  test("every problem is listed", () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: "70000",
        TRUST_PROXY: "maybe",
        DATABASE_URL: "mysql://x",
        INGEST_BATCH_CAP: "0",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => p.split(":")[0]).sort();
    expect(problems).toEqual(["DATABASE_URL", "INGEST_BATCH_CAP", "PORT", "TRUST_PROXY"]);
  });

  test("TLS files come in pairs", () => {
    expect(() => loadConfig({ TLS_CERT_FILE: "/x.pem" })).toThrow(
      "TLS_CERT_FILE and TLS_KEY_FILE must be set together",
    );
  });

  test("the server exits non-zero listing the problems", () => {
    const root = new URL("../../", import.meta.url).pathname;
    const r = spawnSync(process.execPath, ["--import", "tsx", "server/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "abc", LOG_LEVEL: "loud" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("invalid configuration");
    expect(r.stderr).toContain("PORT:");
    expect(r.stderr).toContain("LOG_LEVEL:");
  });
});

describe("loadConfig lists schema and cross-field problems together", () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  test("a bad value does not hide a missing partner, and the messages are exact", () => {
    expect(
      problemsOf({
        PORT: "abc",
        TLS_CERT_FILE: "/cert.pem",
        CINCH_ADMIN_EMAIL: "not-an-email",
        HEADERS_TIMEOUT_MS: "60000",
        REQUEST_TIMEOUT_MS: "5000",
        SESSION_SECRET: "short",
      }),
    ).toEqual([
      "PORT: Invalid input: expected number, received NaN",
      "CINCH_ADMIN_EMAIL: must be an email address",
      "TLS_CERT_FILE and TLS_KEY_FILE must be set together",
      "CINCH_ADMIN_EMAIL and CINCH_ADMIN_PASSWORD must be set together",
      "HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS",
      "SESSION_SECRET: must encode at least 32 random bytes: 64+ hex digits or 43+ base64 characters (openssl rand -hex 32) (got 3 bytes)",
    ]);
  });

  test("a cross-field check skips a field that failed its own check", () => {
    expect(problemsOf({ HEADERS_TIMEOUT_MS: "999999999", REQUEST_TIMEOUT_MS: "5000" })).toEqual([
      "HEADERS_TIMEOUT_MS: Too big: expected number to be <=600000",
    ]);
  });

  test("the error message lists every problem, one per line", () => {
    expect(() => loadConfig({ LOG_LEVEL: "loud", TLS_KEY_FILE: "/key.pem" })).toThrow(
      'invalid configuration:\n  - LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"\n  - TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    );
  });
});
