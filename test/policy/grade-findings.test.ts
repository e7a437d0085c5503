// Grade findings never contradict Cinch (#16), and the score says what it is made of.
import { describe, expect, test } from "vitest";
import { evaluatePolicy, scoreBreakdown } from "../../server/policy/grade.ts";

const NONCE = "script-src 'nonce-abc123' 'strict-dynamic'; object-src 'none'; base-uri 'none'";

describe("findings that contradicted Cinch are restated, and cost nothing", () => {
  test("'unsafe-inline' for backward compatibility: explained as ignored where nonces/hashes work", () => {
    const e = evaluatePolicy(NONCE);
    const f = e.findings.find((x) => x.check === "UNSAFE_INLINE_FALLBACK");
    expect(f).toMatchObject({ severity: "info", points: 0, origin: "csp_evaluator" });
    expect(f!.message).toBe(
      "script-src has nonces or hashes without 'unsafe-inline'. That is fine: every browser that supports nonces and " +
        "hashes ignores 'unsafe-inline' next to them, so adding it would only let inline scripts run in browsers too " +
        "old for CSP2. Cinch never adds it.",
    );
    expect(e.reasons.some((r) => r.check === "UNSAFE_INLINE_FALLBACK")).toBe(false);
  });

  test("an IP-address source: not 'ignored by browsers' (Chromium applies it when enforcing)", () => {
    const e = evaluatePolicy("img-src 'self' https://203.0.113.5; default-src 'self'");
    const f = e.findings.find((x) => x.check === "IP_SOURCE");
    expect(f).toMatchObject({ severity: "info", points: 0, value: "https://203.0.113.5" });
    expect(f!.message).toBe(
      "img-src allows the IP address https://203.0.113.5. Browsers match it like a host name and apply it when " +
        "enforcing; prefer a host name, since an address can change hands without your policy changing.",
    );
  });

  test.each([
    NONCE,
    "script-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; object-src 'none'",
    "default-src 'self' http://10.0.0.1 https://192.168.1.20:8443",
    "script-src 'self' https://cdn.example 127.0.0.1; object-src 'none'",
  ])("no finding says the contradicted thing: %s", (policy) => {
    for (const f of evaluatePolicy(policy).findings) {
      expect(f.message).not.toMatch(/will be ignored by browsers|Consider adding 'unsafe-inline'/);
    }
  });
});

describe("scoreBreakdown", () => {
  test.each([
    { name: "a tight policy", policy: NONCE },
    { name: "unsafe-inline and a wildcard", policy: "script-src * 'unsafe-inline'; style-src 'self'" },
    {
      name: "many allowlisted hosts (capped advice)",
      policy: `script-src 'self' ${Array.from({ length: 12 }, (_, i) => `https://cdn${i}.example`).join(" ")}; object-src 'none'; base-uri 'none'`,
    },
    {
      name: "everything wrong (floored at 0)",
      policy: "script-src * 'unsafe-inline' 'unsafe-eval' data: http:",
    },
  ])("$name: the deductions add up to the grade's score and letter", ({ policy }) => {
    const e = evaluatePolicy(policy);
    const b = scoreBreakdown(e.findings);
    expect(b.score).toBe(e.score);
    expect(b.grade).toBe(e.grade);
    expect(b.deductions).toEqual(e.reasons);
    expect(b.lost).toBe(e.reasons.reduce((n, r) => n + r.points, 0));
    expect(b.score).toBe(Math.max(0, 100 - b.lost));
    for (const c of b.caps) expect(c.counted).toBe(Math.min(c.asked, c.max));
    expect(b.summary.startsWith("100 ")).toBe(true);
    expect(b.summary.endsWith(`= ${b.score}${100 - b.lost < 0 ? " (floored at 0)" : ""} → ${b.grade}`)).toBe(
      true,
    );
    expect(b.thresholds.map((t) => `${t.grade}≥${t.min}`).join(" ")).toBe("A≥90 B≥80 C≥70 D≥60 F≥0");
  });

  test("capped advice says how much it asked and where the cap stopped it", () => {
    const hosts = Array.from({ length: 12 }, (_, i) => `https://cdn${i}.example`).join(" ");
    const b = scoreBreakdown(
      evaluatePolicy(`script-src 'self' ${hosts}; object-src 'none'; base-uri 'none'`).findings,
    );
    const advice = b.caps.find((c) => c.label === "allowlist advice")!;
    expect(advice.asked).toBeGreaterThan(advice.max);
    expect(b.summary).toContain(
      `− ${advice.max} (allowlist advice, ${advice.asked} asked, capped at ${advice.max})`,
    );
  });

  test("a clean policy: nothing deducted", () => {
    const b = scoreBreakdown([]);
    expect(b).toMatchObject({ lost: 0, score: 100, grade: "A", deductions: [], summary: "100 = 100 → A" });
  });
});
