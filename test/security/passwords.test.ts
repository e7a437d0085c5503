// The password policy and hashing: length, the bundled common list and its simple variants, Argon2id with salt.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from "../../server/accounts/passwords.ts";

const TOO_SHORT = "password must be at least 12 characters";
const TOO_LONG = "password must be at most 256 characters";
const COMMON = "password is too common: choose one that is not on lists of well-known passwords";
const SIMPLE = "password is too simple: choose a less predictable one";
const EMAIL = "password must not be your email address";

describe("passwordProblem", () => {
  test.each([
    { pw: "short", want: TOO_SHORT },
    { pw: "x".repeat(257), want: TOO_LONG },
    { pw: "password1234", want: COMMON },
    { pw: "Password1234!", want: COMMON },
    { pw: "P@ssw0rd2024!", want: COMMON },
    { pw: "iloveyou1234", want: COMMON },
    { pw: "Summer2026!!!", want: COMMON },
    { pw: "monkeymonkey", want: COMMON },
    { pw: "correct horse battery staple", want: COMMON },
    { pw: "1q2w3e4r5t6y", want: COMMON },
    { pw: "123456789012", want: SIMPLE },
    { pw: "aaaaaaaaaaaa", want: SIMPLE },
    { pw: "qwertyuiopas", want: SIMPLE },
    { pw: "zyxwvutsrqpo", want: SIMPLE },
    { pw: "jane.doe@example.test", want: EMAIL },
    { pw: "blue-kettle-orbit-47", want: null },
    { pw: "Tr0ub4dor&3xyz", want: null },
    { pw: "x".repeat(64) + "yz!7Q", want: null },
  ])("$pw → $want", ({ pw, want }) => {
    expect(passwordProblem(pw, "jane.doe@example.test")).toBe(want);
  });

  test("the bundled list holds a few thousand entries, lowercase, one per line", () => {
    const lines = readFileSync(new URL("../../server/accounts/common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(lines.length).toBeGreaterThan(2500);
    expect(new Set(lines).size).toBe(lines.length);
    for (const l of lines) expect(l).toBe(l.toLowerCase().trim());
  });
});

describe("hashing", () => {
  test("Argon2id with a fresh salt per hash; verifies; today's parameters need no rehash", async () => {
    const [a, b] = [await hashPassword("blue-kettle-orbit-47"), await hashPassword("blue-kettle-orbit-47")];
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, "blue-kettle-orbit-47")).toBe(true);
    expect(await verifyPassword(a, "blue-kettle-orbit-48")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA")).toBe(true);
  });
});
