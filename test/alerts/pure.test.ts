// The alerts' pure decisions (#14), table-driven: refused destination addresses, thresholds, spike, silence, quota,
// policy identity for drift, digest schedule, backoff, the signature and the escaping of report data in messages.
import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { isRefusedAddress, urlProblem } from "../../server/alerts/notifier.ts";
import {
  backoffMs,
  crossed,
  digestDue,
  policyIdentity,
  quotaLevel,
  silence,
  spike,
} from "../../server/alerts/rules.ts";
import { resolveParams } from "../../server/alerts/vocabulary.ts";
import { emailMessage, signature, slackMessage } from "../../server/alerts/format.ts";
import type { AlertWebhookPayload } from "../../server/contract/alerts.ts";

describe("destinations", () => {
  test.each([
    { ip: "127.0.0.1", refused: true },
    { ip: "10.0.0.8", refused: true },
    { ip: "172.16.5.4", refused: true },
    { ip: "172.32.0.1", refused: false },
    { ip: "192.168.1.1", refused: true },
    { ip: "169.254.169.254", refused: true },
    { ip: "100.64.0.1", refused: true },
    { ip: "0.0.0.0", refused: true },
    { ip: "224.0.0.1", refused: true },
    { ip: "::1", refused: true },
    { ip: "::", refused: true },
    { ip: "fe80::1", refused: true },
    { ip: "fd00::1", refused: true },
    { ip: "::ffff:127.0.0.1", refused: true },
    { ip: "::ffff:8.8.8.8", refused: false },
    { ip: "8.8.8.8", refused: false },
    { ip: "2606:4700::1111", refused: false },
    { ip: "not-an-ip", refused: true },
  ])("$ip refused: $refused", ({ ip, refused }) => {
    expect(isRefusedAddress(ip)).toBe(refused);
  });

  test.each([
    { url: "https://hooks.example/x", problem: null },
    { url: "http://hooks.example:8080/x", problem: null },
    { url: "file:///etc/passwd", problem: "must be an http:// or https:// URL" },
    { url: "gopher://x", problem: "must be an http:// or https:// URL" },
    { url: "https://a:b@hooks.example/", problem: "must not carry credentials" },
    { url: "hooks.example/x", problem: "must be an absolute URL" },
  ])("url $url", ({ url, problem }) => {
    expect(urlProblem(url)).toBe(problem);
  });
});

describe("rules", () => {
  test.each([
    { after: 1, added: 1, min: 1, fires: true },
    { after: 2, added: 1, min: 1, fires: false },
    { after: 3, added: 1, min: 3, fires: true },
    { after: 5, added: 4, min: 3, fires: true },
    { after: 5, added: 1, min: 3, fires: false },
    { after: 2, added: 2, min: 3, fires: false },
  ])("crossed($after, $added, $min) = $fires", ({ after, added, min, fires }) => {
    expect(crossed(after, added, min)).toBe(fires);
  });

  const hours = (avg: number, last: number, current = 0) => {
    const m = new Map<number, number>();
    for (let h = 75; h <= 98; h++) m.set(h, avg);
    m.set(99, last);
    m.set(100, current);
    return m;
  };
  test.each([
    { name: "21x the average", counts: hours(3, 63), fires: true },
    { name: "exactly 20x", counts: hours(3, 60), fires: false },
    { name: "above 20x but under the minimum", counts: hours(1, 30), fires: false },
    { name: "a new group bursting", counts: hours(0, 50), fires: true },
    { name: "the current hour so far", counts: hours(2, 0, 100), fires: true },
    { name: "steady", counts: hours(50, 60), fires: false },
  ])("spike: $name", ({ counts, fires }) => {
    expect(spike(counts, 100, 20, 50) !== null).toBe(fires);
  });

  test.each([
    { last: 0, live: 0, now: 7 * 3_600_000, hours: 6, out: 7 },
    { last: 5 * 3_600_000, live: 0, now: 7 * 3_600_000, hours: 6, out: null },
    { last: null, live: 3 * 3_600_000, now: 7 * 3_600_000, hours: 6, out: null },
    { last: null, live: 0, now: 6 * 3_600_000, hours: 6, out: 6 },
  ])("silence $last $live → $out", ({ last, live, now, hours, out }) => {
    expect(silence(last, live, now, hours)).toBe(out);
  });

  test.each([
    { count: 79, out: null },
    { count: 80, out: 80 },
    { count: 99, out: 80 },
    { count: 100, out: 100 },
    { count: 250, out: 100 },
  ])("quota $count of 100 → $out", ({ count, out }) => {
    expect(quotaLevel(count, 100, [80, 100])).toBe(out);
  });

  test.each([
    {
      a: "default-src 'self'; script-src 'self' https://a",
      b: "script-src https://a 'self';default-src 'self'",
      same: true,
    },
    {
      a: "script-src 'self'; report-uri https://c/r/k?v=1",
      b: "script-src 'self'; report-to cinch",
      same: true,
    },
    { a: "SCRIPT-SRC 'self'", b: "script-src 'self'", same: true },
    { a: "script-src 'self'", b: "script-src 'self' https://b", same: false },
    { a: "script-src 'self'", b: "script-src 'self'; object-src 'none'", same: false },
  ])("policy identity: $a vs $b", ({ a, b, same }) => {
    expect(policyIdentity(a) === policyIdentity(b)).toBe(same);
  });

  test.each([
    { at: "2026-12-07T08:10:00Z", params: {}, key: "digest:daily:2026-12-07" },
    { at: "2026-12-07T09:10:00Z", params: {}, key: null },
    { at: "2026-12-07T08:10:00Z", params: { period: "weekly" as const }, key: "digest:weekly:2026-12-07" }, // a Monday
    { at: "2026-12-08T08:10:00Z", params: { period: "weekly" as const }, key: null },
    { at: "2026-12-08T17:00:00Z", params: { hour: 17 }, key: "digest:daily:2026-12-08" },
  ])("digest at $at", ({ at, params, key }) => {
    expect(digestDue(resolveParams(params), Date.parse(at))).toBe(key);
  });

  test.each([
    { attempts: 1, ms: 30_000 },
    { attempts: 2, ms: 60_000 },
    { attempts: 4, ms: 240_000 },
    { attempts: 30, ms: 6 * 3_600_000 },
  ])("backoff after $attempts attempts: $ms ms", ({ attempts, ms }) => {
    expect(backoffMs(attempts, 30_000)).toBe(ms);
  });
});

describe("messages", () => {
  const payload: AlertWebhookPayload = {
    event: "new-group",
    id: "e1",
    createdAt: "2026-12-07T00:00:00.000Z",
    title: "New violation: script-src-elem blocked https://evil.example",
    project: { id: "p", name: "Shop <&>", url: "https://cinch.example/projects/p" },
    group: {
      id: 1,
      directive: "script-src-elem",
      blocked: "https://evil.example",
      count: 1,
      total: 1,
      firstSeen: "2026-12-07T00:00:00.000Z",
      lastSeen: "2026-12-07T00:00:00.000Z",
      url: "https://cinch.example/projects/p/violations/1",
      triage: "open",
    },
    sample: {
      documentUrl: "https://shop.example/",
      blockedUrl: "https://evil.example/x.js",
      sourceFile: "",
      sample: '<script>alert("x")</script>\r\nBcc: a@b',
      disposition: "enforce",
      browser: "Chrome 156",
      receivedAt: "2026-12-07T00:00:00.000Z",
    },
    rule: null,
    details: {},
  };

  test("the signature is the hex HMAC-SHA256 of the body", () => {
    expect(signature("k", "{}")).toBe(`sha256=${createHmac("sha256", "k").update("{}").digest("hex")}`);
  });

  test("Slack: control characters of mrkdwn escaped", () => {
    const m = slackMessage(payload);
    expect(m).not.toContain("<script>");
    expect(m).toContain("&lt;script&gt;");
  });

  test("email: HTML escaped, no header injection through the subject", () => {
    const m = emailMessage(payload);
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("Sample: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).toContain('Sample: <script>alert("x")</script>');
  });
});
