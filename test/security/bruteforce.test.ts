// Brute force: sign-in limited per client address (SIGNIN_ATTEMPTS_PER_MINUTE, then 429 + Retry-After) and per
// account with backoff; unknown emails and wrong passwords get the same answer in similar time.
import { afterEach, describe, expect, test } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import { SignInGuard } from "../../server/http/bruteforce.ts";
import type { HttpError } from "../../server/http/errors.ts";
import { ADMIN, postSignIn, startAppWithAdmin } from "./helpers.ts";

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const wrong = { email: ADMIN.email, password: "wrong-password-guess" };

describe("per client address", () => {
  test("5 attempts a minute, then 429 with Retry-After — even with the right password", async () => {
    t = await startAppWithAdmin({ SIGNIN_ATTEMPTS_PER_MINUTE: "5" });
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await postSignIn(t, { ...wrong, email: `u${i}@example.test` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const res = await postSignIn(t, ADMIN);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(12);
    expect(await res.json()).toEqual({
      error: "rate_limited",
      message: "too many sign-in attempts from this address; retry later",
    });
  });

  test("addresses are told apart (behind a trusted proxy)", async () => {
    t = await startAppWithAdmin({ SIGNIN_ATTEMPTS_PER_MINUTE: "2", TRUST_PROXY: "true" });
    const from = (ip: string) => postSignIn(t!, wrong, { "X-Forwarded-For": ip });
    expect([(await from("203.0.113.1")).status, (await from("203.0.113.1")).status]).toEqual([401, 401]);
    expect((await from("203.0.113.1")).status).toBe(429);
    expect((await from("203.0.113.2")).status).toBe(401);
  });

  test("a client cannot dodge the limit by prepending addresses to X-Forwarded-For", async () => {
    t = await startAppWithAdmin({ SIGNIN_ATTEMPTS_PER_MINUTE: "2", TRUST_PROXY: "true" });
    const spoofed = (i: number) => postSignIn(t!, wrong, { "X-Forwarded-For": `10.0.0.${i}, 203.0.113.9` });
    expect([(await spoofed(1)).status, (await spoofed(2)).status, (await spoofed(3)).status]).toEqual([
      401, 401, 429,
    ]);
  });

  test("setup attempts count too", async () => {
    t = await startAppWithAdmin({ SIGNIN_ATTEMPTS_PER_MINUTE: "1" });
    const setup = () =>
      fetch(`${t!.url}/api/setup`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: "guess", email: "x@example.test", password: "blue-kettle-orbit-47" }),
      });
    expect((await setup()).status).toBe(409);
    expect((await setup()).status).toBe(429);
  });
});

describe("per account", () => {
  test("after 5 failures the account backs off (429) from every address, with the right password too", async () => {
    t = await startAppWithAdmin({ TRUST_PROXY: "true" });
    for (let i = 0; i < 5; i++) {
      expect((await postSignIn(t, wrong, { "X-Forwarded-For": `198.51.100.${i}` })).status).toBe(401);
    }
    const res = await postSignIn(t, ADMIN, { "X-Forwarded-For": "198.51.100.99" });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBe(30);
    expect(((await res.json()) as { message: string }).message).toBe(
      "too many failed sign-ins for this account; retry later",
    );
  });

  test("an unknown email backs off exactly like a real one (the answer reveals nothing)", async () => {
    t = await startAppWithAdmin({ TRUST_PROXY: "true" });
    const answers = async (email: string) => {
      const out = [];
      for (let i = 0; i < 6; i++) {
        const res = await postSignIn(
          t!,
          { email, password: "wrong-password-guess" },
          { "X-Forwarded-For": `192.0.2.${i}` },
        );
        out.push([res.status, res.headers.get("retry-after"), await res.text()]);
      }
      return out;
    };
    expect(await answers("nobody@example.test")).toEqual(await answers(ADMIN.email));
  });

  test("backoff doubles from 30 s up to 15 min; a success clears it", async () => {
    const g = new SignInGuard(1000);
    const retryAfter = async (now: number): Promise<number | null> => {
      try {
        await g.checkAccount("a@example.test", now);
        return null;
      } catch (err) {
        return Number((err as HttpError).headers["Retry-After"]);
      }
    };
    let now = 1_000_000;
    for (let i = 0; i < 4; i++) await g.fail("a@example.test", now);
    expect(await retryAfter(now)).toBeNull();
    const waits = [];
    for (let i = 0; i < 8; i++) {
      await g.fail("a@example.test", now);
      waits.push(await retryAfter(now));
      now += 1000 * 60 * 16;
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
    await g.succeed("a@example.test");
    expect(await retryAfter(now)).toBeNull();
  });
});

describe("timing", () => {
  test("an unknown email costs about as much as a wrong password (a dummy hash is verified)", async () => {
    t = await startAppWithAdmin();
    const time = async (email: string) => {
      const start = performance.now();
      await postSignIn(t!, { email, password: "wrong-password-guess" });
      return performance.now() - start;
    };
    // Warm up (the dummy hash is made on first use) without spending ADMIN's failures before the backoff.
    await t.deps.users.create("other@example.test", ADMIN.password);
    await time("other@example.test");
    await time("warmup@example.test");
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) {
      known.push(await time(ADMIN.email));
      unknown.push(await time(`nobody${i}@example.test`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Without the dummy hash an unknown email answers in ~1 ms against ~15 ms for Argon2id (ratio < 0.1). The
    // bounds are loose because the suite shares two cores with other test files: the check is the order of
    // magnitude, not the exact cost.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.25);
    expect(median(unknown)).toBeLessThan(median(known) * 4);
  });
});
