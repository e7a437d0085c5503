// `cinch user …`: the password comes from stdin (never argv), is checked against the policy, stored as Argon2id.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openDb } from "../../server/store/db.ts";
import { UserStore } from "../../server/store/users.ts";
import { verifyPassword } from "../../server/accounts/passwords.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cinch-cli-users-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cinch = (stdin: string, ...args: string[]) =>
  spawnSync(process.execPath, ["bin/cinch.mjs", ...args], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dir, CINCH_ADMIN_EMAIL: "", CINCH_ADMIN_PASSWORD: "" },
    input: stdin,
    encoding: "utf8",
    timeout: 60_000,
  });

const PASSWORD = "copper-lantern-fjord-58";

async function stored(email: string) {
  const db = await openDb(join(dir, "cinch.db"));
  try {
    return await new UserStore(db.prisma).byEmail(email);
  } finally {
    await db.close();
  }
}

test("user add reads the password from stdin and stores an Argon2id hash", async () => {
  const r = cinch(`${PASSWORD}\n`, "user", "add", "Ops@Example.test");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe("created admin ops@example.test\n");
  expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  const u = await stored("ops@example.test");
  expect(u?.passwordHash).toMatch(/^\$argon2id\$/);
  expect(u?.passwordHash).not.toContain(PASSWORD);
  expect(await verifyPassword(u!.passwordHash, PASSWORD)).toBe(true);
});

test.each([
  { name: "too short", stdin: "short\n", err: "cinch: password must be at least 12 characters\n" },
  {
    name: "common",
    stdin: "Password2024!\n",
    err: "cinch: password is too common: choose one that is not on lists of well-known passwords\n",
  },
  { name: "empty stdin", stdin: "", err: "cinch: password must be at least 12 characters\n" },
])("user add refuses a $name password (exit 1)", ({ stdin, err }) => {
  const r = cinch(stdin, "user", "add", "weak@example.test");
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(err);
});

test("user add refuses a duplicate and a malformed email", () => {
  expect(cinch(`${PASSWORD}\n`, "user", "add", "ops@example.test").stderr).toBe(
    "cinch: an admin with email ops@example.test already exists\n",
  );
  expect(cinch(`${PASSWORD}\n`, "user", "add", "not-an-email").status).toBe(1);
});

test("user list, password (ends sessions), remove", async () => {
  expect(cinch("", "user", "list").stdout).toMatch(/^ops@example\.test\tcreated \d{4}-/);
  const next = "harbor-violet-quartz-21";
  const r = cinch(`${next}\n`, "user", "password", "ops@example.test");
  expect(r.status).toBe(0);
  expect(await verifyPassword((await stored("ops@example.test"))!.passwordHash, next)).toBe(true);
  expect(cinch("", "user", "remove", "ops@example.test").stdout).toBe(
    "removed admin ops@example.test (no admins left: the next start prints a setup URL)\n",
  );
  expect(await stored("ops@example.test")).toBeNull();
});
